"""The Contact type: who a number belongs to in Callboard's directory."""

from __future__ import annotations

from datetime import datetime

import strawberry

from callboard.domain.directory import Contact as DomainContact
from callboard.schema.field_copy import copied

__all__ = ["Contact"]


@strawberry.type(description="A person in Callboard's contact directory.")
class Contact:
    phone: str = strawberry.field(description="E.164.")
    name: str
    responsible: str | None = strawberry.field(
        description="The agent extension answering for them."
    )
    provider: strawberry.ID | None = strawberry.field(
        description="The provider it was saved through (and pushed to), whose it is; null "
        "for one saved without a provider."
    )
    updated_at: datetime | None
    additional_phones: list[str] = strawberry.field(description="E.164.")
    emails: list[str]

    @classmethod
    def of(cls, contact: DomainContact) -> Contact:
        return copied(
            cls,
            contact,
            provider=strawberry.ID(contact.provider_id) if contact.provider_id else None,
            additional_phones=list(contact.additional_phones),
            emails=list(contact.emails),
        )
