"""The outbox of outgoing webhooks: a delivery per (endpoint, event), written in the
transaction that stores the event, then claimed, sent and settled by the worker.

Claims: an ordered endpoint's deliveries go out in id order, one at a time, so only the
oldest pending one of an endpoint (its head) is ever claimed. A parallel endpoint's oldest
`parallel_deliveries` pending ones (its window) may be claimed together, in no promised
order; the next enters the window as one is settled. On PostgreSQL the claim locks the
rows it takes (`FOR UPDATE SKIP LOCKED`): two instances claiming at once never take the
same one, and an instance that dies holding a claim loses it when `claimed_until` passes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import FeedEvent
from callboard.domain.webhook_endpoints import (
    CALL_STREAM,
    Attempt,
    Delivery,
    DeliveryStatus,
    EndpointFilter,
)
from callboard.store.tables import outbound_deliveries, webhook_endpoints

__all__ = ["Outbox", "Settled"]

T = TypeVar("T")
_Body = Callable[[Connection], tuple[T, Sequence[CallEvent | FeedEvent[Any]]]]

_PENDING = DeliveryStatus.PENDING.value
# Attempts kept on a delivery for webhookDeliveries to show; the count goes on.
_HISTORY = 20

_ENABLED_FILTERS = select(webhook_endpoints.c.id, webhook_endpoints.c.filter).where(
    webhook_endpoints.c.disabled_reason.is_(None)
)
_INSERT = insert(outbound_deliveries)


@dataclass(frozen=True, slots=True)
class Settled:
    """How an attempt ended for its delivery: its new status and, pending, when next."""

    attempt: Attempt
    status: DeliveryStatus
    next_attempt_at: datetime | None
    failing_since: datetime | None


class Outbox:
    def __init__(self, engine: AsyncEngine, lock: asyncio.Lock) -> None:
        """`lock`: the write lock's local part, which writes adding no events take
        (store/write_lock.py): SQLite has one writer."""
        self._engine = engine
        self._lock = lock
        # Parsed filters by their JSON, so a transaction does not parse them again.
        self._filters: dict[str, EndpointFilter] = {}
        # The time deliveries are due from; the worker sets its own (tests advance it).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # Called once a transaction that wrote deliveries has committed: the worker
        # sends them at once rather than at its next look.
        self.on_committed: Callable[[], None] | None = None
        # A parallel endpoint's deliveries in flight at once; the worker sets
        # `[outbound] parallel_deliveries`.
        self.parallel_deliveries = 8
        self._fresh = False

    def alongside(self, body: _Body[T]) -> _Body[T]:
        """`body` (a transaction adding events) writing its events' deliveries too."""

        def with_deliveries(conn: Connection) -> tuple[T, Sequence[CallEvent | FeedEvent[Any]]]:
            result, events = body(conn)
            if self.enqueue(conn, events, self.clock()):
                self._fresh = True
            return result, events

        return with_deliveries

    def committed(self) -> None:
        if self._fresh:
            self._fresh = False
            if self.on_committed is not None:
                self.on_committed()

    def enqueue(
        self, conn: Connection, events: Sequence[CallEvent | FeedEvent[Any]], now: datetime
    ) -> int:
        """In the transaction storing `events`: a delivery for each enabled endpoint that
        takes each event; how many."""
        if not events:
            return 0
        endpoints = [(r.id, self._filter(r.filter)) for r in conn.execute(_ENABLED_FILTERS)]
        if not endpoints:
            return 0
        rows = []
        for event in events:
            stream, call_id, phones = _describe(event)
            for endpoint_id, where in endpoints:
                if where.matches(stream, event.provider_id, call_id, phones):
                    rows.append(
                        {
                            "endpoint_id": endpoint_id,
                            "stream": stream,
                            "event_id": event.id,
                            "status": _PENDING,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
        if rows:
            conn.execute(_INSERT, rows)
        return len(rows)

    def _filter(self, data: Any) -> EndpointFilter:
        key = repr(sorted(data.items()))
        found = self._filters.get(key)
        if found is None:
            found = self._filters[key] = EndpointFilter.load(data)
        return found

    async def claim(
        self, owner: str, now: datetime, until: datetime, *, skip: Sequence[int], limit: int
    ) -> list[Delivery]:
        """Up to `limit` deliveries that are due and unclaimed (heads of ordered endpoints,
        then those in parallel endpoints' windows), of enabled endpoints, claimed for
        `owner` until `until`. `skip`: the deliveries `owner` is sending, whose claims
        may have run out meanwhile."""
        async with self._lock, self._engine.begin() as conn:
            # Two statements in one transaction: on SQLite the first takes the write lock
            # before it reads, and the second runs under it.
            heads = _claim(owner, now, until, limit=limit, skip=skip)
            rows = list(await conn.execute(heads))
            if len(rows) < limit:
                window = self.parallel_deliveries
                wide = _claim(owner, now, until, limit=limit - len(rows), skip=skip, window=window)
                rows.extend(await conn.execute(wide))
        return sorted((_to_delivery(r) for r in rows), key=lambda d: d.id)

    async def settle(self, delivery: Delivery, owner: str, settled: Settled) -> bool:
        """Record an attempt and its outcome, releasing the claim; False if `owner` no
        longer held it (it ran out and another instance took the delivery over)."""
        held, _ = await self._settle(delivery, owner, settled, None)
        return held

    async def settle_then_claim(
        self,
        delivery: Delivery,
        owner: str,
        settled: Settled,
        now: datetime,
        until: datetime,
        *,
        parallel: bool = False,
    ) -> tuple[bool, Delivery | None]:
        """`settle`, and in the same transaction the endpoint's next delivery claimed if
        it is due: one transaction per delivery saved, for an endpoint with a queue.
        `parallel`: the endpoint's, as last read (the claim checks it anyway)."""
        return await self._settle(delivery, owner, settled, (now, until, parallel))

    async def _settle(
        self,
        delivery: Delivery,
        owner: str,
        settled: Settled,
        next_due: tuple[datetime, datetime, bool] | None,
    ) -> tuple[bool, Delivery | None]:
        history = [*(_dump_attempt(a) for a in delivery.history), _dump_attempt(settled.attempt)]
        values = {
            "status": settled.status.value,
            "attempts": outbound_deliveries.c.attempts + 1,
            "next_attempt_at": settled.next_attempt_at,
            "failing_since": settled.failing_since,
            "last_status_code": settled.attempt.status_code,
            "last_error": settled.attempt.error,
            "history": history[-_HISTORY:],
            "claimed_by": None,
            "claimed_until": None,
        }
        following = None
        async with self._lock, self._engine.begin() as conn:
            done = await conn.execute(
                update(outbound_deliveries)
                .where(
                    and_(
                        outbound_deliveries.c.id == delivery.id,
                        outbound_deliveries.c.claimed_by == owner,
                    )
                )
                .values(**values)
            )
            if done.rowcount == 1 and next_due is not None:
                now, until, parallel = next_due
                # Only the statement for the endpoint's kind: the one an ordered
                # endpoint ran before parallel ones were possible.
                window = self.parallel_deliveries if parallel else None
                claim = _claim(owner, now, until, limit=1, only=delivery.endpoint_id, window=window)
                following = (await conn.execute(claim)).first()
        return done.rowcount == 1, _to_delivery(following) if following else None

    async def release(self, delivery: Delivery, owner: str) -> None:
        """Give a claim back untried (the instance is stopping)."""
        async with self._lock, self._engine.begin() as conn:
            await conn.execute(
                update(outbound_deliveries)
                .where(
                    and_(
                        outbound_deliveries.c.id == delivery.id,
                        outbound_deliveries.c.claimed_by == owner,
                    )
                )
                .values(claimed_by=None, claimed_until=None)
            )

    async def page(
        self,
        endpoint_id: str,
        *,
        first: int,
        before_id: int | None,
        status: DeliveryStatus | None,
    ) -> tuple[list[Delivery], bool]:
        """An endpoint's deliveries, newest first; whether more follow."""
        query = (
            select(outbound_deliveries)
            .where(outbound_deliveries.c.endpoint_id == endpoint_id)
            .order_by(outbound_deliveries.c.id.desc())
            .limit(first + 1)
        )
        if before_id is not None:
            query = query.where(outbound_deliveries.c.id < before_id)
        if status is not None:
            query = query.where(outbound_deliveries.c.status == status.value)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_to_delivery(r) for r in rows[:first]], len(rows) > first

    async def get(self, delivery_id: int) -> Delivery | None:
        query = select(outbound_deliveries).where(outbound_deliveries.c.id == delivery_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _to_delivery(row) if row else None

    async def again(self, delivery_id: int, now: datetime) -> Delivery | None:
        """A delivery sent once more: pending again, due now, with a retry window anew."""
        async with self._lock, self._engine.begin() as conn:
            await conn.execute(
                update(outbound_deliveries)
                .where(outbound_deliveries.c.id == delivery_id)
                .values(status=_PENDING, next_attempt_at=now, failing_since=None)
            )
        return await self.get(delivery_id)

    async def prune(self, before: datetime) -> int:
        """Settled deliveries made before `before` removed (pending ones stay, however
        old: they are still owed); how many."""
        async with self._lock, self._engine.begin() as conn:
            done = await conn.execute(
                delete(outbound_deliveries).where(
                    and_(
                        outbound_deliveries.c.status != _PENDING,
                        outbound_deliveries.c.created_at < before,
                    )
                )
            )
        return int(done.rowcount)


def _claim(
    owner: str,
    now: datetime,
    until: datetime,
    *,
    limit: int,
    skip: Sequence[int] = (),
    only: str | None = None,
    window: int | None = None,
) -> Any:
    """The statement claiming up to `limit` deliveries (of the endpoint `only`, or of any,
    none in `skip`) for `owner` until `until`, returning them: ordered endpoints' heads,
    or with `window`, those among the `window` oldest pending of parallel endpoints."""
    deliveries = outbound_deliveries.c
    parallel = webhook_endpoints.c.parallel.is_(True)
    if window is None:
        # Each enabled endpoint's head, found through the index on (endpoint, status,
        # id): the cost grows with the endpoints, not with the deliveries kept.
        head = (
            select(func.min(deliveries.id))
            .where(deliveries.endpoint_id == webhook_endpoints.c.id)
            .where(deliveries.status == _PENDING)
            .correlate(webhook_endpoints)
            .scalar_subquery()
        )
        joined = deliveries.id == head
        kind = webhook_endpoints.c.parallel.is_not(True)  # NULL too: made before it
    else:
        # The window's last id (none while fewer are pending), by the same index.
        last = (
            select(deliveries.id)
            .where(deliveries.endpoint_id == webhook_endpoints.c.id)
            .where(deliveries.status == _PENDING)
            .order_by(deliveries.id)
            .offset(window - 1)
            .limit(1)
            .correlate(webhook_endpoints)
            .scalar_subquery()
        )
        joined = and_(
            deliveries.endpoint_id == webhook_endpoints.c.id,
            deliveries.status == _PENDING,
            or_(last.is_(None), deliveries.id <= last),
        )
        kind = parallel
    due = (
        select(deliveries.id)
        .select_from(webhook_endpoints)
        .join(outbound_deliveries, joined)
        .where(webhook_endpoints.c.disabled_reason.is_(None))
        .where(kind)
        .where(deliveries.next_attempt_at <= now)
        .where(or_(deliveries.claimed_until.is_(None), deliveries.claimed_until < now))
        .order_by(deliveries.id)
        .limit(limit)
        .with_for_update(of=outbound_deliveries, skip_locked=True)
    )
    if only is not None:
        due = due.where(webhook_endpoints.c.id == only)
    if skip:
        due = due.where(deliveries.id.not_in(list(skip)))
    # An UPDATE: on SQLite it takes the write lock before it reads, so two processes on
    # one file cannot both claim a delivery either.
    return (
        update(outbound_deliveries)
        .where(deliveries.id.in_(due.scalar_subquery()))
        .values(claimed_by=owner, claimed_until=until)
        .returning(*outbound_deliveries.c)
    )


def _describe(event: CallEvent | FeedEvent[Any]) -> tuple[str, str | None, Sequence[str]]:
    """The stream an event is on, its call and its phones (none for a feed's change)."""
    if isinstance(event, CallEvent):
        return CALL_STREAM, event.call_id, event.phones
    return event.feed.name, None, ()


def _dump_attempt(attempt: Attempt) -> dict[str, Any]:
    return {
        "at": attempt.at.isoformat(),
        "status_code": attempt.status_code,
        "duration_ms": attempt.duration_ms,
        "error": attempt.error,
    }


def _load_attempt(data: dict[str, Any]) -> Attempt:
    return Attempt(
        at=datetime.fromisoformat(data["at"]),
        status_code=data.get("status_code"),
        duration_ms=float(data.get("duration_ms") or 0),
        error=data.get("error"),
    )


def _to_delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        stream=row.stream,
        event_id=row.event_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        failing_since=row.failing_since,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        history=tuple(_load_attempt(a) for a in row.history or ()),
    )
