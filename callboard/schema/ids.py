"""Global ids and cursors: opaque base64 of "Type:key", so clients never build them."""

from __future__ import annotations

import base64
import binascii

from callboard.domain.errors import BadInput

__all__ = ["decode_cursor", "decode_id", "encode_id"]


def encode_id(type_name: str, key: str | int) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def decode_id(type_name: str, value: str, *, field: str) -> str:
    """The key inside a global id made by `encode_id(type_name, ...)`, or `BadInput`."""
    try:
        text = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, key = text.partition(":")
    if prefix != type_name or not key:
        raise BadInput(f"'{value}' is not a {type_name} id.", field=field)
    return key


def decode_cursor(type_name: str, value: str | None, *, maximum: int) -> int | None:
    """The number inside an `after` cursor made by `encode_id(type_name, n)` (None without
    one); `BadInput` unless it is one the store could have made: 0 to `maximum`, what its
    id columns hold."""
    if not value:
        return None
    key = decode_id(type_name, value, field="after")
    # ASCII digits only (str.isdigit() also takes "²", which int() refuses), and no more
    # of them than `maximum` has, before int() reads them.
    digits = key.isascii() and key.isdigit() and len(key) <= len(str(maximum))
    if not digits or int(key) > maximum:
        raise BadInput(f"'{value}' is not a {type_name} id.", field="after")
    return int(key)
