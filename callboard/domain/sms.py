"""Text messages sent and received through a provider (LiraX: its GSM modems)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SmsStatus(enum.Enum):
    ACCEPTED = "ACCEPTED"  # handed to the mobile operator, delivery not known yet
    SENDING = "SENDING"  # the operator is delivering it
    DELIVERED = "DELIVERED"
    EXPIRED = "EXPIRED"  # the operator gave up
    RECEIVED = "RECEIVED"  # an incoming message

    @property
    def is_final(self) -> bool:
        return self in (SmsStatus.DELIVERED, SmsStatus.EXPIRED, SmsStatus.RECEIVED)


class SmsDirection(enum.Enum):
    OUTBOUND = "OUTBOUND"
    INBOUND = "INBOUND"


@dataclass(frozen=True, slots=True)
class Sms:
    id: str
    provider_id: str
    direction: SmsDirection
    modem: str  # the number of the SIM it went through
    phone: str  # the other party, E.164 where it parses
    text: str
    status: SmsStatus
    created_at: datetime
    updated_at: datetime
    agent: str | None = None  # who sent it
    vendor_id: str | None = None


@dataclass(frozen=True, slots=True)
class SmsSignal:
    """What a vendor said about a message: a new status of one it sent, or a new one in."""

    vendor_id: str
    status: SmsStatus
    occurred_at: datetime
    modem: str | None = None
    phone: str | None = None
    text: str | None = None


def next_sms_status(current: SmsStatus, reported: SmsStatus) -> SmsStatus:
    """Statuses only move forward; a final one stays (a late 'sending' changes nothing)."""
    order = [SmsStatus.ACCEPTED, SmsStatus.SENDING]
    if current.is_final:
        return current
    if reported.is_final:
        return reported
    return reported if order.index(reported) > order.index(current) else current
