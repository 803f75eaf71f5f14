"""An agent's status as the PBX last reported it, with its title read through a loader."""

from __future__ import annotations

from datetime import datetime

import strawberry

from callboard.domain import pbx as domain
from callboard.domain.pbx import AgentState
from callboard.schema.context import Info
from callboard.schema.ids import encode_id

__all__ = ["AGENT_STATUS_CURSOR", "AgentStatus"]

strawberry.enum(AgentState, name="AgentState")

AGENT_STATUS_CURSOR = "AgentStatusEvent"  # the type name inside agentStatusChanged's cursors


@strawberry.type(description="An agent's status as the PBX last reported it (LiraX staton).")
class AgentStatus:
    provider: strawberry.ID
    agent: str = strawberry.field(description="The agent's extension.")
    state: AgentState
    status_id: strawberry.ID = strawberry.field(description="The PBX's own status id.")
    updated_at: datetime
    cursor: strawberry.ID | None = strawberry.field(
        default=None,
        description="Pass as `after` to agentStatusChanged to resume after this status; "
        "null outside subscriptions.",
    )

    @strawberry.field(description="The status's name in the PBX; null if it cannot be read.")
    async def title(self, info: Info) -> str | None:
        # Through the loader: a list of statuses asks each provider for its catalogue once.
        catalogue = await info.context.loaders.agent_status_types.load(self.provider)
        return next((s.title for s in catalogue or () if s.id == self.status_id), None)

    @classmethod
    def of(cls, status: domain.AgentStatus, cursor: int | None = None) -> AgentStatus:
        return cls(
            provider=strawberry.ID(status.provider_id),
            agent=status.agent,
            state=status.state,
            status_id=strawberry.ID(status.status_id),
            updated_at=status.updated_at,
            cursor=(
                strawberry.ID(encode_id(AGENT_STATUS_CURSOR, cursor))
                if cursor is not None
                else None
            ),
        )
