"""Each provider kind's configuration keys, declared once as a dataclass.

The dataclass is the documentation (README and error messages read it), the
validation, and the place secrets are kept out of `repr`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

__all__ = ["OptionError", "ProviderOptions", "option", "parse_options"]

T = TypeVar("T", bound="ProviderOptions")


class OptionError(Exception):
    """A provider key is missing or wrong; `key` names it, the message says the fix."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def option(
    doc: str, *, secret: bool = False, url: bool = False, default: Any = dataclasses.MISSING
) -> Any:
    """A configuration key: `doc` is shown to operators; secrets never appear in a repr."""
    metadata = {"doc": doc, "secret": secret, "url": url}
    return dataclasses.field(default=default, repr=not secret, metadata=metadata)


@dataclass(frozen=True)
class ProviderOptions:
    """Keys every provider has besides `id` and `kind`."""

    base_url: str = option("the vendor's API address", url=True)

    def secret_values(self) -> tuple[str, ...]:
        """The values of the keys declared secret, those that are set."""
        return tuple(
            value
            for f in dataclasses.fields(self)
            if f.metadata.get("secret") and (value := getattr(self, f.name))
        )


def parse_options(options_type: type[T], raw: Mapping[str, Any]) -> T:
    """Build `options_type` from a config table, or say precisely what is wrong."""
    fields = {f.name: f for f in dataclasses.fields(options_type)}
    for key in raw:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise OptionError(key, f"unknown key; this kind takes: {known}")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in raw:
            if f.default is dataclasses.MISSING:
                raise OptionError(name, f"missing; add `{name} = ...` ({f.metadata['doc']})")
            continue
        value = raw[name]
        expected = _expected_type(f)
        if expected is not None and not isinstance(value, expected):
            raise OptionError(
                name, f"must be {_a(_type_name(expected))}, got {_a(_type_name(type(value)))}"
            )
        if f.metadata.get("secret") and f.default is dataclasses.MISSING and value == "":
            # An empty secret would let anyone in whose request carries an empty one too.
            raise OptionError(name, f"is empty; set it ({f.metadata['doc']})")
        if f.metadata.get("url"):
            _check_url(name, value)
        values[name] = value
    return options_type(**values)


def _expected_type(f: dataclasses.Field[Any]) -> type | tuple[type, ...] | None:
    annotation = str(f.type)
    if annotation.startswith("str"):
        return str
    if annotation.startswith("int"):
        return int
    if annotation.startswith("float"):
        return (int, float)
    if annotation.startswith("bool"):
        return bool
    if annotation.startswith(("list", "tuple")):
        return (list, tuple)
    return None


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list"}
    if isinstance(t, tuple):
        return names.get(t[0], t[0].__name__)
    return names.get(t, t.__name__)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _check_url(key: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError(key, f"'{value}' is not an http(s) URL; write e.g. https://host/path")
