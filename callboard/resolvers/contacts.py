"""The contact directory: look-up by phone, and keeping it up to date (and a CRM with it),
each caller in its scope."""

from __future__ import annotations

from collections.abc import Sequence

from callboard.domain.directory import Contact
from callboard.domain.errors import BadInput
from callboard.domain.phones import normalize_phone
from callboard.providers.areas import KeepsContacts
from callboard.resolvers.session import Session
from callboard.store.contacts import ContactScope

__all__ = ["contact_key", "upsert_contact"]


def contact_key(session: Session, phone: str, provider_id: str | None) -> tuple[str, ContactScope]:
    """What `contact(phone, provider)` looks up: that provider's contact (NOT_FOUND for
    one out of the caller's scope, as for an unknown id); without a provider, any the
    caller may see: its own, those of the providers it may use, and, for a caller that
    may use every provider, those of no known owner (kept from before contacts had
    owners), which it could see before."""
    phone = normalize_phone(phone, session.region, field="phone")
    if provider_id is not None:
        return phone, ContactScope(frozenset({session.provider(provider_id).id}))
    return phone, ContactScope(session.scope(), session.caller.name, session.caller.may_use_all)


async def upsert_contact(
    session: Session,
    *,
    phone: str,
    name: str,
    responsible: str | None,
    provider_id: str | None,
    additional_phones: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> Contact:
    """Keep the contact in Callboard's directory, as the provider's or (without one) as
    the caller's own; with a provider, push it there first, so that a contact the CRM
    refused is not kept as if it had been pushed."""
    provider = session.provider(provider_id, KeepsContacts) if provider_id is not None else None
    region = session.region
    if not name.strip():
        raise BadInput("A contact needs a name.", field="name")
    for email in emails:
        if email.count("@") != 1 or " " in email.strip() or "," in email:
            raise BadInput(f"'{email}' is not an e-mail address.", field="emails")
    contact = Contact(
        phone=normalize_phone(phone, region, field="phone"),
        name=name.strip(),
        responsible=(responsible or "").strip() or None,
        provider_id=provider_id,
        client=None if provider_id is not None else session.caller.name,
        additional_phones=tuple(
            normalize_phone(p, region, field="additionalPhones") for p in additional_phones
        ),
        emails=tuple(e.strip() for e in emails),
    )
    if provider is not None:
        await provider.upsert_contact(contact)
    return await session.runtime.store.contacts.upsert(contact)
