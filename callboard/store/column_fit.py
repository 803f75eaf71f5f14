"""Vendor text fitted to the columns that keep it: PostgreSQL refuses a value longer
than its VARCHAR (SQLite does not), and a delivery it refuses would be tried again
forever. A value too long is kept as a digest of itself, the same for the same text,
so an id too long still finds its call; the vendor's payload (`raw`) keeps the text."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, String, Table

__all__ = ["fit", "fit_row"]


def fit(text: str | None, column: Column[Any]) -> str | None:
    """`text`, or its digest ("~" and hex digits) where it is longer than `column`."""
    length = column.type.length if isinstance(column.type, String) else None
    if text is None or length is None or len(text) <= length:
        return text
    return "~" + hashlib.sha256(text.encode()).hexdigest()[: length - 1]


def fit_row(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with every text fitted to its column of `table`."""
    return {
        name: fit(value, table.c[name]) if isinstance(value, str) else value
        for name, value in values.items()
    }
