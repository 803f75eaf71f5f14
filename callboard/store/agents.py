"""Agents' current statuses, as their PBX reported them last, and the feed of their changes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.feeds import AGENT_STATUSES, FeedEvent
from callboard.domain.pbx import AgentState, AgentStatus
from callboard.store.column_fit import fit_row
from callboard.store.feeds import append_feed, feed_head, head_cursor
from callboard.store.tables import agent_statuses
from callboard.store.transactions import Transactions
from callboard.store.upsert import insert_or_update
from callboard.store.write_lock import Publish

__all__ = ["AgentStatusBook", "record_statuses"]


class AgentStatusBook:
    def __init__(self, engine: AsyncEngine, transactions: Transactions) -> None:
        self._engine = engine
        self._transactions = transactions

    async def record(self, statuses: Sequence[AgentStatus], publish: Publish) -> None:
        await self._transactions.run_and_publish(
            lambda conn: (None, record_statuses(conn, statuses)), publish
        )

    async def current(self, provider_ids: Collection[str]) -> list[AgentStatus]:
        return (await self.snapshot(provider_ids))[0]

    async def snapshot(self, provider_ids: Collection[str]) -> tuple[list[AgentStatus], int]:
        """Each agent's current status, and the id of the newest change it includes: the
        cursor to follow the feed from."""
        head = feed_head(AGENT_STATUSES)
        query = (
            select(head, agent_statuses)
            .select_from(
                head.outerjoin(agent_statuses, agent_statuses.c.provider_id.in_(provider_ids))
            )
            .order_by(agent_statuses.c.provider_id, agent_statuses.c.agent)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        # One row at least (the head's), with no status if there is none.
        return [_to_status(r) for r in rows if r.agent is not None], head_cursor(rows[0])


def record_statuses(
    conn: Connection, statuses: Sequence[AgentStatus]
) -> list[FeedEvent[AgentStatus]]:
    """Keep each status unless a later one is already known (deliveries can overtake);
    the ones kept are appended to the feed."""
    applied = []
    for status in statuses:
        values = fit_row(
            agent_statuses,
            {
                "provider_id": status.provider_id,
                "agent": status.agent,
                "status_id": status.status_id,
                "state": status.state.value,
                "updated_at": status.updated_at,
            },
        )
        statement = insert_or_update(
            conn.dialect,
            agent_statuses,
            values,
            ["provider_id", "agent"],
            where=agent_statuses.c.updated_at <= status.updated_at,
        )
        if conn.execute(statement).rowcount:
            applied.append(status)
    return append_feed(conn, AGENT_STATUSES, applied)


def _to_status(row: Row[Any]) -> AgentStatus:
    return AgentStatus(
        row.provider_id, row.agent, row.status_id, AgentState(row.state), row.updated_at
    )
