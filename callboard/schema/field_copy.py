"""One dataclass built from another object's fields of the same name: a GraphQL type from
its domain record, a domain request from its GraphQL input."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["copied"]

T = TypeVar("T")

# Each target's `__init__` fields, read once: `of` runs for every item of a list.
_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def copied(target: type[T], source: object, /, **given: Any) -> T:
    """`target(...)` with each field it takes in `__init__` read from `source`'s attribute
    of the same name, except those `given` (renamed, converted or computed ones). A field
    `source` has no attribute for keeps its default: a GraphQL type's `cursor`, an input's
    optional extras."""
    values = {
        name: getattr(source, name)
        for name in _init_fields(target)
        if name not in given and hasattr(source, name)
    }
    return target(**values, **given)


def _init_fields(target: type) -> tuple[str, ...]:
    names = _INIT_FIELDS.get(target)
    if names is None:
        # Fields with a resolver (strawberry sets init=False on them) are not the record's.
        names = tuple(field.name for field in dataclasses.fields(target) if field.init)
        _INIT_FIELDS[target] = names
    return names
