"""STAND-IN (to be replaced by the call-rows branch): projected reads over CallLog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.store.calls import CallFilter
from callboard.store.tables import call_events, calls


class CallRows:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(
        self, where: CallFilter, *, first: int, before_seq: int | None, columns: Sequence[str]
    ) -> tuple[list[tuple[Any, ...]], bool]:
        query = (
            select(*(calls.c[c] for c in columns))
            .where(*where.conditions())
            .order_by(calls.c.seq.desc())
        )
        if before_seq is not None:
            query = query.where(calls.c.seq < before_seq)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(first + 1))).all()
        return [tuple(r) for r in rows[:first]], len(rows) > first

    async def calls(self, ids: Sequence[str], columns: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(calls.c.id, *(calls.c[c] for c in columns)).where(calls.c.id.in_(ids))
                )
            ).all()
        return {r[0]: tuple(r[1:]) for r in rows}

    async def events(
        self, call_ids: Sequence[str], columns: Sequence[str]
    ) -> dict[str, list[tuple[Any, ...]]]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(call_events.c.call_id, *(call_events.c[c] for c in columns))
                    .where(call_events.c.call_id.in_(call_ids))
                    .order_by(call_events.c.id)
                )
            ).all()
        grouped: dict[str, list[tuple[Any, ...]]] = {i: [] for i in call_ids}
        for r in rows:
            grouped[r[0]].append(tuple(r[1:]))
        return grouped
