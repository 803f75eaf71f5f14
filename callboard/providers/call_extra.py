"""A call request's vendor options (`PlaceCallRequest.extra`) read into the typed values a
vendor's own options dataclass holds, each wrong type refused as the input field's error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from callboard.domain.errors import BadInput

__all__ = ["extra_flag", "extra_mapping", "extra_value"]

T = TypeVar("T")

# How a refusal names what was expected.
_WHAT: dict[type, str] = {int: "a whole number", str: "text", bool: "true or false"}


def extra_value(extra: Mapping[str, object], name: str, kind: type[T]) -> T | None:
    """The option `name` as a `kind`, None when the client did not set it."""
    value = extra.get(name)
    # bool is an int to isinstance, never a shop id.
    if value is None or (isinstance(value, kind) and not (kind is int and type(value) is bool)):
        return value
    raise _wrong(name, _WHAT.get(kind, f"one of {kind.__name__}'s values"))


def extra_flag(extra: Mapping[str, object], name: str) -> bool:
    """The option `name` as a flag, False when the client did not set it."""
    return extra_value(extra, name, bool) or False


def extra_mapping(extra: Mapping[str, object], name: str) -> dict[str, str]:
    """The option `name` as names to texts, empty when the client did not set it."""
    value = extra.get(name)
    if value is None:
        return {}
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise _wrong(name, "a list of names with text values")


def _wrong(name: str, what: str) -> BadInput:
    field = _camel(name)
    return BadInput(f"`{field}` must be {what}.", field=field)


def _camel(name: str) -> str:
    """The GraphQL input field an option comes from (shop_id -> shopId)."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
