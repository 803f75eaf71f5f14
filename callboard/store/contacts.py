"""The contact directory: who a phone number belongs to, and which agent answers for them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.directory import Contact
from callboard.store.tables import contacts
from callboard.store.upsert import insert_or_update

__all__ = ["ContactBook"]


class ContactBook:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_many(self, phones: Sequence[str]) -> list[Contact | None]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(contacts).where(contacts.c.phone.in_(phones)))).all()
        found = {row.phone: _to_contact(row._mapping) for row in rows}
        return [found.get(p) for p in phones]

    async def upsert(self, contact: Contact) -> Contact:
        """Create the contact, or replace what is known of the same phone."""
        if contact.updated_at is None:
            contact = dataclasses.replace(contact, updated_at=datetime.now(UTC))
        values = {
            "phone": contact.phone,
            "name": contact.name,
            "responsible": contact.responsible,
            "provider_id": contact.provider_id,
            "updated_at": contact.updated_at,
            "additional_phones": list(contact.additional_phones),
            "emails": list(contact.emails),
        }
        statement = insert_or_update(self._engine.dialect, contacts, values, ["phone"])
        async with self._engine.begin() as conn:
            await conn.execute(statement)
        return contact


def _to_contact(row: RowMapping) -> Contact:
    return Contact(
        phone=row["phone"],
        name=row["name"],
        responsible=row["responsible"],
        provider_id=row["provider_id"],
        updated_at=row["updated_at"],
        additional_phones=tuple(row["additional_phones"] or ()),
        emails=tuple(row["emails"] or ()),
    )
