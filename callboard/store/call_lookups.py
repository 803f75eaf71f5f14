"""Calls found by what names them or by where they stand: whether a client's own id for a
call is taken already, and the unfinished calls a vendor reports on no webhook."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.calls import Call, CallStatus
from callboard.store.calls import call_of_row
from callboard.store.column_fit import fit
from callboard.store.tables import call_refs, calls

__all__ = ["CallLookups"]

_LIVE = [s.value for s in CallStatus if not s.is_final]


class CallLookups:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def named(self, provider_id: str, ref: str) -> str | None:
        """The id of the call of `provider_id` that the vendor id `ref` names, if any."""
        query = select(call_refs.c.call_id).where(
            call_refs.c.provider_id == provider_id,
            call_refs.c.ref == fit(ref, call_refs.c.ref),
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    async def unfinished(
        self, provider_id: str, *, after_seq: int = 0, limit: int
    ) -> Sequence[Call]:
        """At most `limit` of the provider's calls not yet final, oldest first from
        `after_seq` (the `seq` of the last one of the previous round)."""
        query = (
            select(calls)
            .where(
                calls.c.provider_id == provider_id,
                calls.c.status.in_(_LIVE),
                calls.c.seq > after_seq,
            )
            .order_by(calls.c.seq)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [call_of_row(row) for row in (await conn.execute(query)).all()]
