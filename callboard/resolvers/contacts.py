"""The contact directory: look-up by phone, and keeping it up to date (and a CRM with it)."""

from __future__ import annotations

from collections.abc import Sequence

from callboard.auth import Caller
from callboard.domain.capabilities import Capability
from callboard.domain.directory import Contact
from callboard.domain.errors import BadInput
from callboard.domain.phones import normalize_phone
from callboard.resolvers.providers import provider_for
from callboard.runtime import Runtime

__all__ = ["upsert_contact"]


async def upsert_contact(
    runtime: Runtime,
    caller: Caller,
    *,
    phone: str,
    name: str,
    responsible: str | None,
    provider_id: str | None,
    additional_phones: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> Contact:
    """Keep the contact in Callboard's directory; with a provider, push it there first,
    so that a contact the CRM refused is not kept as if it had been pushed."""
    provider = (
        provider_for(runtime, caller, provider_id, Capability.UPSERT_CONTACT)
        if provider_id is not None
        else None
    )
    region = runtime.settings.server.default_region
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
        additional_phones=tuple(
            normalize_phone(p, region, field="additionalPhones") for p in additional_phones
        ),
        emails=tuple(e.strip() for e in emails),
    )
    if provider is not None:
        await provider.upsert_contact(contact)
    return await runtime.store.contacts.upsert(contact)
