"""The records Callboard keeps beside calls: contacts, numbers, audio records, orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str  # E.164
    name: str
    responsible: str | None = None  # agent extension
    provider_id: str | None = None  # the CRM it was also pushed to
    updated_at: datetime | None = None
    additional_phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    provider_id: str
    number: str  # E.164 where it parses
    name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudioRecord:
    provider_id: str
    record_id: str
    name: str | None = None
    moderation_status: str | None = None
    cost: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Order:
    provider_id: str
    order_id: str
    title: str
    status: str
    created_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
