"""The contact directory: who a phone number belongs to, and which agent answers for them,
as each provider and each client keeps it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, RowMapping, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.directory import Contact
from callboard.store.tables import contacts
from callboard.store.upsert import insert_or_update

__all__ = ["ContactBook", "ContactScope"]

_NONE = ""  # the owner column a contact's other owner leaves empty


@dataclass(frozen=True, slots=True)
class ContactScope:
    """Whose contacts a look-up may answer with."""

    providers: frozenset[str] = frozenset()
    # the client whose own contacts (saved without a provider) it takes in, first of all
    client: str | None = None
    # the contacts kept from before contacts had owners
    unowned: bool = False


class ContactBook:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def of_provider(self, provider_id: str, phone: str) -> Contact | None:
        """The contact saved through `provider_id`: one read by the primary key."""
        (found,) = await self.find_many([(phone, ContactScope(frozenset({provider_id})))])
        return found

    async def find_many(self, keys: Sequence[tuple[str, ContactScope]]) -> list[Contact | None]:
        """For each (phone, scope): the scope's client's own contact of that phone if it
        has one, else the most recently updated of those the scope takes in."""
        found: dict[tuple[str, ContactScope], Contact] = {}
        by_scope: dict[ContactScope, set[str]] = {}
        for phone, scope in keys:
            by_scope.setdefault(scope, set()).add(phone)
        async with self._engine.connect() as conn:
            for scope, phones in by_scope.items():
                owners = _owners(scope)
                if owners is None:
                    continue
                where = and_(contacts.c.phone.in_(sorted(phones)), owners)
                for row in (await conn.execute(select(contacts).where(where))).all():
                    contact = _to_contact(row._mapping)
                    key = (contact.phone, scope)
                    if key not in found or _rank(contact, scope) > _rank(found[key], scope):
                        found[key] = contact
        return [found.get(key) for key in keys]

    async def upsert(self, contact: Contact) -> Contact:
        """Create the contact, or replace what its owner kept of the same phone."""
        if contact.updated_at is None:
            contact = dataclasses.replace(contact, updated_at=datetime.now(UTC))
        values = {
            "phone": contact.phone,
            "provider_id": contact.provider_id or _NONE,
            "client": _NONE if contact.provider_id else (contact.client or _NONE),
            "name": contact.name,
            "responsible": contact.responsible,
            "updated_at": contact.updated_at,
            "additional_phones": list(contact.additional_phones),
            "emails": list(contact.emails),
        }
        keys = ["phone", "provider_id", "client"]
        statement = insert_or_update(self._engine.dialect, contacts, values, keys)
        async with self._engine.begin() as conn:
            await conn.execute(statement)
        return contact


def _owners(scope: ContactScope) -> ColumnElement[bool] | None:
    """The condition on the owner columns for the contacts `scope` takes in (None: none)."""
    either = []
    if scope.providers:
        either.append(
            and_(contacts.c.provider_id.in_(sorted(scope.providers)), contacts.c.client == _NONE)
        )
    clients = [scope.client] if scope.client is not None else []
    if scope.unowned:
        clients.append(_NONE)
    if clients:
        either.append(and_(contacts.c.provider_id == _NONE, contacts.c.client.in_(clients)))
    return or_(*either) if either else None


def _rank(contact: Contact, scope: ContactScope) -> tuple[bool, datetime, str]:
    own = scope.client is not None and contact.client == scope.client
    assert contact.updated_at is not None
    return (own, contact.updated_at, contact.provider_id or "")


def _to_contact(row: RowMapping) -> Contact:
    return Contact(
        phone=row["phone"],
        name=row["name"],
        responsible=row["responsible"],
        provider_id=row["provider_id"] or None,
        updated_at=row["updated_at"],
        additional_phones=tuple(row["additional_phones"] or ()),
        emails=tuple(row["emails"] or ()),
        client=row["client"] or None,
    )
