"""The records Callboard keeps beside calls: contacts, numbers, audio records, orders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Contact:
    """A person in the directory. It belongs to the provider it was saved through (and
    pushed to) or, saved without one, to the client that saved it; to neither when kept
    from before contacts had owners."""

    phone: str  # E.164
    name: str
    responsible: str | None = None  # agent extension
    provider_id: str | None = None
    updated_at: datetime | None = None
    additional_phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()
    client: str | None = None  # the owner of a contact saved without a provider


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    provider_id: str
    number: str  # E.164 where it parses
    name: str | None = None
    number_id: str | None = None  # the vendor's id for it
    shared: bool | None = None  # one of the vendor's common numbers, not the account's own
    raw: dict[str, Any] = field(default_factory=dict)


class ModerationStatus(enum.Enum):
    """Whether a vendor lets a message be played: calls using a PENDING or REJECTED
    record do not start."""

    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class AudioRecord:
    provider_id: str
    record_id: str
    name: str | None = None
    moderation_status: ModerationStatus | None = None
    moderator_comment: str | None = None
    text: str | None = None  # what a text-to-speech record says
    url: str | None = None
    cost: float | None = None
    created_at: datetime | None = None
    deleted_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Order:
    """An order created through Callboard, as the vendor accepted it."""

    provider_id: str
    order_id: str
    title: str
    status: str  # the vendor's word (Liner: success, secondary, info)
    service_title: str | None = None
    code: str | None = None
    created_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # what was sent, and the reply
