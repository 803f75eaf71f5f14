"""What a PBX's directory lists: its agents, the statuses they can be in, shops, deal stages."""

from __future__ import annotations

import strawberry

from callboard.domain import pbx as domain
from callboard.schema.field_copy import copied

__all__ = ["Agent", "AgentStatusType", "DealStage", "Shop"]


@strawberry.type(description="A PBX user (LiraX getUsers).")
class Agent:
    id: strawberry.ID
    name: str
    extension: str | None
    active: bool

    @classmethod
    def of(cls, agent: domain.Agent) -> Agent:
        return copied(cls, agent, id=strawberry.ID(agent.id))


@strawberry.type(description="A status an agent can be in (LiraX getUserStatuses).")
class AgentStatusType:
    id: strawberry.ID
    title: str


@strawberry.type
class Shop:
    id: strawberry.ID
    name: str


@strawberry.type(description="A deal stage; lists come in funnel order.")
class DealStage:
    id: int
    title: str
