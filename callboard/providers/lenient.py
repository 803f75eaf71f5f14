"""Reading vendor values leniently: a number may come as a number or as text."""

from __future__ import annotations

from typing import Any

__all__ = ["number"]


def number(value: Any) -> float | None:
    """`value` as a float (3, 3.5, "3.5"), or None for anything else (booleans too)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
