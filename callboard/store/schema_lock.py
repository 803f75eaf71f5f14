"""One instance at a time creates and upgrades the schema, each change whole or not at all."""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = ["lock_schema"]

# Any fixed number: every Callboard instance on the database takes the same lock.
_ADVISORY_KEY = 0x53434845  # "SCHE"


def lock_schema(conn: Connection) -> None:
    """Hold the schema for the rest of `conn`'s transaction: call it first in it.

    On PostgreSQL an advisory lock makes instances starting at once take turns, and each
    finds what the one before it made. On SQLite the driver would run DDL outside any
    transaction; an explicit one makes it part of it, and IMMEDIATE takes the write lock
    up front.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
