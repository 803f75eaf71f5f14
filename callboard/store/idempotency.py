"""Idempotency keys: the same key never starts a second call.

A key is claimed before the vendor is asked (state `pending`), finished with the call
it started (`done`), released when the vendor surely did nothing (refusal), and left
`unknown` when the vendor did not answer in time: then nobody can say whether the
call started, and a retry with that key must not risk a second one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.errors import IdempotencyConflict
from callboard.store.tables import idempotency_keys
from callboard.store.write_lock import WriteLock

__all__ = ["Claim", "IdempotencyKeys"]


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request now holds (`result` None), or what an earlier one did: the ids
    of the calls it started, and anything else needed to answer the same again."""

    client: str
    key: str
    result: Mapping[str, Any] | None = None

    @property
    def call_ids(self) -> list[str]:
        return list((self.result or {}).get("call_ids", []))


class IdempotencyKeys:
    def __init__(self, engine: AsyncEngine, write_lock: WriteLock) -> None:
        self._engine = engine
        self._lock = write_lock

    async def claim(self, client: str, key: str, request_hash: str) -> Claim:
        async with self._lock.local:
            try:
                async with self._engine.begin() as conn:
                    await conn.execute(
                        insert(idempotency_keys).values(
                            client=client,
                            key=key,
                            request_hash=request_hash,
                            state="pending",
                            created_at=datetime.now(UTC),
                        )
                    )
                return Claim(client, key)
            except IntegrityError:
                pass
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(idempotency_keys).where(_is(client, key)))).one()
        if row.request_hash != request_hash:
            raise IdempotencyConflict(
                "This idempotencyKey was already used for a different request; "
                "use a new key for a new call.",
                field="idempotencyKey",
            )
        if row.state == "done":
            return Claim(client, key, row.result)
        if row.state == "pending":
            raise IdempotencyConflict(
                "A request with this idempotencyKey is still in progress; wait for its answer.",
                field="idempotencyKey",
            )
        raise IdempotencyConflict(
            "The earlier request with this idempotencyKey timed out at the vendor, so it is "
            "unknown whether the call started; look for it with `calls` before retrying "
            "with a new key.",
            field="idempotencyKey",
        )

    async def finish(self, claim: Claim, call_ids: Sequence[str], **extra: Any) -> None:
        await self._set(claim, state="done", result={"call_ids": list(call_ids), **extra})

    async def mark_unknown(self, claim: Claim) -> None:
        await self._set(claim, state="unknown", result=None)

    async def release(self, claim: Claim) -> None:
        async with self._lock.local, self._engine.begin() as conn:
            await conn.execute(delete(idempotency_keys).where(_is(claim.client, claim.key)))

    async def _set(self, claim: Claim, *, state: str, result: dict[str, Any] | None) -> None:
        async with self._lock.local, self._engine.begin() as conn:
            await conn.execute(
                update(idempotency_keys)
                .where(_is(claim.client, claim.key))
                .values(state=state, result=result)
            )


def _is(client: str, key: str) -> ColumnElement[bool]:
    return and_(idempotency_keys.c.client == client, idempotency_keys.c.key == key)
