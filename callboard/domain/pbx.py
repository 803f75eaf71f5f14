"""What a PBX knows about its own set-up: agents, their statuses, shops, deal stages,
and its black lists."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    extension: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class Shop:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class DealStage:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class AgentStatusType:
    """One of the statuses an agent can be in (the PBX's catalogue)."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Blacklist:
    phones: tuple[str, ...] = field(default_factory=tuple)  # E.164 where they parse
    ips: tuple[str, ...] = field(default_factory=tuple)


class AgentState(enum.Enum):
    """What an agent's status means for calls, whatever the PBX calls it."""

    OFFLINE = "OFFLINE"
    FREE = "FREE"
    BUSY = "BUSY"


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """An agent's status as the PBX last reported it."""

    provider_id: str
    agent: str  # extension
    status_id: str  # the PBX's own id, see AgentStatusType
    state: AgentState
    updated_at: datetime
