"""The contact directory: look-up by phone, and keeping it up to date."""

from __future__ import annotations

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
) -> Contact:
    """Keep the contact in Callboard's directory (and, with a provider, in that CRM)."""
    if provider_id is not None:
        # Checked before anything is written, so a refused push leaves no half-done change.
        provider_for(runtime, caller, provider_id, Capability.UPSERT_CONTACT)
    e164 = normalize_phone(phone, runtime.settings.server.default_region, field="phone")
    if not name.strip():
        raise BadInput("A contact needs a name.", field="name")
    contact = Contact(
        phone=e164,
        name=name.strip(),
        responsible=(responsible or "").strip() or None,
        provider_id=provider_id,
    )
    return await runtime.store.contacts.upsert(contact)
