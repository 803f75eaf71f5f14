"""CRM records a provider keeps about a contact: tasks, notes and deals."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class TaskType(enum.Enum):
    FOLLOW_UP = "FOLLOW_UP"
    MEETING = "MEETING"
    CALL = "CALL"


class DealStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    WON = "WON"
    LOST = "LOST"


@dataclass(frozen=True, slots=True)
class Task:
    """Something an agent must do about a contact by `due_at`."""

    agent: str  # the responsible agent's extension
    phone: str  # the contact's, E.164
    text: str
    due_at: datetime
    type: TaskType


@dataclass(frozen=True, slots=True)
class Note:
    agent: str
    phone: str
    text: str


@dataclass(frozen=True, slots=True)
class Deal:
    """A sale in a CRM's funnel; `deal_id` is the CRM's own id (None before it exists)."""

    agent: str
    phone: str
    name: str
    amount: int
    stage: int
    status: DealStatus = DealStatus.ACTIVE
    deal_id: str | None = None
