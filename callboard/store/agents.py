"""Agents' current statuses, as their PBX reported them last."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callboard.domain.pbx import AgentState, AgentStatus
from callboard.store.tables import agent_statuses
from callboard.store.upsert import insert_or_update

__all__ = ["AgentStatusBook", "record_statuses"]


class AgentStatusBook:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, statuses: Sequence[AgentStatus]) -> None:
        async with self._engine.begin() as conn:
            await record_statuses(conn, statuses)

    async def current(self, provider_ids: Collection[str]) -> list[AgentStatus]:
        query = (
            select(agent_statuses)
            .where(agent_statuses.c.provider_id.in_(provider_ids))
            .order_by(agent_statuses.c.provider_id, agent_statuses.c.agent)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            AgentStatus(r.provider_id, r.agent, r.status_id, AgentState(r.state), r.updated_at)
            for r in rows
        ]


async def record_statuses(conn: AsyncConnection, statuses: Sequence[AgentStatus]) -> None:
    """Keep each status unless a later one is already known (deliveries can overtake)."""
    for status in statuses:
        values = {
            "provider_id": status.provider_id,
            "agent": status.agent,
            "status_id": status.status_id,
            "state": status.state.value,
            "updated_at": status.updated_at,
        }
        statement = insert_or_update(
            conn.dialect,
            agent_statuses,
            values,
            ["provider_id", "agent"],
            where=agent_statuses.c.updated_at <= status.updated_at,
        )
        await conn.execute(statement)
