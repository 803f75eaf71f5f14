"""INSERT ... ON CONFLICT DO UPDATE in the dialect of the database at hand (SQLite and
PostgreSQL spell it alike, through different SQLAlchemy constructs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

__all__ = ["insert_or_update"]


def insert_or_update(
    dialect: Dialect, table: Table, values: dict[str, Any], keys: list[str], where: Any = None
) -> Any:
    """Insert `values`, or update the row with the same `keys` (only `where` it holds)."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(values)
        .on_conflict_do_update(index_elements=keys, set_=values, where=where)
    )
