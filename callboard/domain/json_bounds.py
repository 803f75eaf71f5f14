"""JSON from outside (vendors' bodies, clients' requests and inputs) read within bounds.

Python's `json`, SQLAlchemy's JSON columns and strawberry all recurse over a value, so a
value nested a few hundred levels deep is read but later cannot be kept, encoded or
served. What is read through here can be: its nesting is at most `MAX_DEPTH`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_DEPTH", "JsonOutOfBounds", "JsonTooDeep", "check_depth", "loads"]

# Vendors' payloads nest a few levels (Zvonobot's IVR trees about ten); kept payloads
# nest a few more inside a delivery's outcome, far below any recursion limit.
MAX_DEPTH = 32


class JsonOutOfBounds(ValueError):
    """The text is not JSON, or it nests deeper than allowed; the message says which."""


class JsonTooDeep(JsonOutOfBounds):
    """The text is JSON, but it nests deeper than allowed: a reader that takes what is
    not JSON leniently (as text, or as no body) still cannot take this."""


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value `data` holds (UTF-8 when bytes), nested at most `max_depth` deep.

    `NaN`, `Infinity` and numbers too large for a float are refused: Python reads them,
    but they are not JSON, and PostgreSQL's JSON columns refuse them."""
    try:
        value = json.loads(data, parse_constant=_not_json, parse_float=_finite)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels.") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise JsonOutOfBounds(f"Not JSON: {_reason(exc)}.") from None
    check_depth(value, max_depth=max_depth)
    return value


def check_depth(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise `JsonOutOfBounds` if `value` (dicts and lists inside) nests deeper than
    `max_depth`; a scalar is depth 0, `{}` and `[]` depth 1. Walks without recursing."""
    level: list[Any] = [value]
    depth = 0
    while containers := [i for i in level if isinstance(i, Mapping | list | tuple)]:
        depth += 1
        if depth > max_depth:
            raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels.")
        level = [x for c in containers for x in (c.values() if isinstance(c, Mapping) else c)]


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at position {exc.pos}"
    if isinstance(exc, UnicodeDecodeError):
        return "the bytes are not UTF-8"
    return str(exc)
