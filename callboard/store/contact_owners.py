"""Upgrading a contact directory made before contacts had owners (one contact per phone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData, column, func, insert, inspect, literal, select, table

from callboard.store.tables import contacts

__all__ = ["give_contacts_owners"]

# The table before owners; its provider_id was the CRM a contact was also pushed to.
_OLD = table(
    "contacts",
    column("phone"),
    column("name"),
    column("responsible"),
    column("provider_id"),
    column("updated_at"),
    column("additional_phones"),
    column("emails"),
)


def give_contacts_owners(conn: Connection) -> None:
    """Rebuild an old contacts table with the owner in its key, keeping every row: one
    saved through a provider is that provider's; one saved without has no known owner.

    Idempotent (a table already keyed by owner is left alone); run it under
    `lock_schema` and before `create_all`, so that one instance does it, whole, once.
    """
    inspector = inspect(conn)
    if not inspector.has_table("contacts"):
        return  # a new database: create_all makes the table as it is now
    key = inspector.get_pk_constraint("contacts")["constrained_columns"]
    if key == [c.name for c in contacts.primary_key.columns]:
        return
    # The way SQLite changes a key (its ALTER TABLE cannot), and as good on PostgreSQL:
    # the new table beside the old one, the rows copied, the old dropped, the new renamed.
    owned = contacts.to_metadata(MetaData(), name="contacts_owned")
    owned.create(conn)
    copied: dict[str, Any] = {c.name: c for c in _OLD.c}
    copied["provider_id"] = func.coalesce(_OLD.c.provider_id, literal(""))
    copied["client"] = literal("")
    conn.execute(insert(owned).from_select(list(copied), select(*copied.values())))
    conn.exec_driver_sql("DROP TABLE contacts")
    conn.exec_driver_sql("ALTER TABLE contacts_owned RENAME TO contacts")
