"""PHP's http_build_query and While1's `api_hash`, byte for byte, since the hash is an md5
of the encoded string: one character encoded differently and the PBX refuses the request.

PHP's default (PHP_QUERY_RFC1738) is `urlencode`: only ASCII letters, digits and "-_."
stay as they are, a space becomes "+", every other byte of the UTF-8 text is %XX in
upper case (so "~" is %7E, which Python's `quote_plus` leaves alone).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["HASH_FIELD", "api_hash", "http_build_query", "signed_query", "urlencode"]

HASH_FIELD = "api_hash"

_KEPT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_BYTE = [chr(b) if b in _KEPT else f"%{b:02X}" for b in range(256)]
_BYTE[ord(" ")] = "+"


def urlencode(text: str) -> str:
    """PHP's `urlencode`."""
    return "".join(_BYTE[b] for b in text.encode("utf-8"))


def http_build_query(params: Mapping[str, Any]) -> str:
    """PHP's `http_build_query($params)` with its defaults.

    Nested mappings and lists become `data%5Bvars%5D%5BKEY%5D=...` (list items indexed
    from 0); True/False are "1"/"0"; None and empty nested arrays are left out, as PHP
    leaves out null and empty arrays.
    """
    return "&".join(f"{key}={value}" for key, value in _pairs(params, prefix=None))


def api_hash(params: Mapping[str, Any], api_key: str) -> str:
    """md5(http_build_query(params) . api_key), over the params without `api_hash` itself."""
    unsigned = {k: v for k, v in params.items() if k != HASH_FIELD}
    return _md5(http_build_query(unsigned) + api_key)


def signed_query(params: Mapping[str, Any], api_key: str) -> str:
    """The request as While1 wants it: the query string, then its hash appended last."""
    query = http_build_query({k: v for k, v in params.items() if k != HASH_FIELD})
    digest = _md5(query + api_key)
    return f"{query}&{HASH_FIELD}={digest}" if query else f"{HASH_FIELD}={digest}"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - the vendor's scheme


def _pairs(
    params: Mapping[Any, Any] | Sequence[Any], prefix: str | None
) -> Iterator[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else enumerate(params)
    for raw_key, value in items:
        key = _scalar(raw_key) if not isinstance(raw_key, str) else raw_key
        name = urlencode(key) if prefix is None else f"{prefix}%5B{urlencode(key)}%5D"
        if value is None:
            continue
        if isinstance(value, Mapping) or (
            isinstance(value, Sequence) and not isinstance(value, str | bytes)
        ):
            yield from _pairs(value, name)
        else:
            yield name, urlencode(_scalar(value))


def _scalar(value: Any) -> str:
    """A value as PHP writes it in a query string."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, float):
        return _php_float(value)
    raise TypeError(f"http_build_query cannot encode a {type(value).__name__}")


def _php_float(value: float) -> str:
    """PHP's float to string under its `precision` ini (14): %.14G, but with "1.0E+20"
    where C writes "1E+20"."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    text = format(value, ".14G")
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    power = int(exponent)
    return f"{mantissa}E{'+' if power >= 0 else '-'}{abs(power)}"
