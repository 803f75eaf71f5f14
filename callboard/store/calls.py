"""The call log: calls, the vendor ids that name them, their events, and the webhook inbox.

Writes go through one lock: SQLite has one writer anyway, and holding it while the
new events are handed to `publish` makes live order equal cursor order.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.call_outcomes import settle
from callboard.domain.calls import (
    Call,
    CallDirection,
    CallEvent,
    CallEventKind,
    CallSignal,
    CallStatus,
    apply_signal,
    is_news,
    merge_calls,
)
from callboard.domain.feeds import FeedEvent
from callboard.domain.redaction import Redactor
from callboard.store.call_clock import ChangeClock
from callboard.store.call_filter import (
    CallFilter,
    ChangePosition,
    page_order,
    page_start,
    sqlite_likely,
)
from callboard.store.column_fit import fit, fit_row
from callboard.store.retention import prune_prefix, pruned_through
from callboard.store.tables import call_events, call_refs, calls, webhook_deliveries
from callboard.store.transactions import Transactions
from callboard.store.write_lock import Publish, WriteLock

__all__ = ["CallLog", "FeedWrites", "Publish", "call_of_row"]

# The rest of a delivery (agent statuses, messages), written in its transaction; the
# feed events it appended are published with the call events.
FeedWrites = Callable[[Connection], Sequence[FeedEvent[Any]]]

_CALL_FIELDS = [c.name for c in calls.columns if c.name != "seq"]
# What a client of the call log sees change: a write that changes none of these (a
# vendor telling again what it told) leaves `updated_at` where it was.
_CHANGES = [name for name in _CALL_FIELDS if name not in ("id", "created_at", "updated_at")]

# The statements every webhook runs, built once: SQLAlchemy keeps a statement object's
# cache key and compiled form, and building them anew cost ~1 ms per webhook.
_FIND_CALLS = (
    select(calls, call_refs.c.ref.label("matched_ref"))
    .join(call_refs, call_refs.c.call_id == calls.c.id)
    .where(
        and_(
            call_refs.c.provider_id == bindparam("provider_id"),
            call_refs.c.ref.in_(bindparam("refs", expanding=True)),
        )
    )
    .order_by(calls.c.seq)
)
_INSERT_CALL = insert(calls)
_UPDATE_CALL = update(calls).where(calls.c.id == bindparam("call_id_"))
_INSERT_EVENT = insert(call_events)
_INSERT_REFS = insert(call_refs)
_INSERT_DELIVERY = insert(webhook_deliveries)


class CallLog:
    def __init__(
        self,
        engine: AsyncEngine,
        write_lock: WriteLock,
        transactions: Transactions,
        redact: Redactor,
    ) -> None:
        self._engine = engine
        self._lock = write_lock
        self._transactions = transactions
        self._redact = redact
        self._clock = ChangeClock(shared=engine.dialect.name == "postgresql")
        # PostgreSQL's planner judges by its statistics; SQLite's is told (call_filter.py).
        self._likely = sqlite_likely if engine.dialect.name == "sqlite" else None

    def _redacted(self, signals: Iterable[CallSignal]) -> list[CallSignal]:
        """The signals with Callboard's secrets masked in their payloads: what is kept
        and what live subscribers and mutations are given."""
        return [self._redact.payload_of(s) for s in signals]

    async def record_many(
        self,
        provider_id: str,
        signals: Sequence[CallSignal],
        publish: Publish,
        *,
        only_status_changes: bool = False,
    ) -> list[Call]:
        """Apply signals Callboard produced or asked for, in one transaction.

        `only_status_changes`: what a vendor said when asked about its calls; a call gets
        an event only where its status changed, since nothing else told listeners so.
        """
        signals = self._redacted(signals)

        def record(conn: Connection) -> tuple[list[Call], list[CallEvent]]:
            calls, events = [], []
            self._clock.begin(conn)
            for signal in signals:
                call, event = _apply(
                    conn,
                    self._clock,
                    provider_id,
                    signal,
                    only_status_changes=only_status_changes,
                )
                calls.append(call)
                if event:
                    events.append(event)
            return calls, events

        return await self._transactions.run_and_publish(record, publish)

    async def receive(
        self,
        provider_id: str,
        dedup_key: str,
        payload: Mapping[str, Any],
        outcome: Mapping[str, Any],
        received_at: datetime,
    ) -> int | None:
        """Keep one delivery in the inbox, before the vendor gets its answer; its id, or
        None for a resend of one already kept."""
        async with self._lock.local:
            try:
                async with self._engine.begin() as conn:
                    result = await conn.execute(
                        _INSERT_DELIVERY,
                        self._delivery_row(provider_id, dedup_key, payload, outcome, received_at),
                    )
            except IntegrityError:
                if await self._kept(provider_id, dedup_key):
                    return None  # the unique (provider, dedup key): stored before
                raise
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def keep_and_process(
        self,
        provider_id: str,
        dedup_key: str,
        payload: Mapping[str, Any],
        outcome: Mapping[str, Any],
        received_at: datetime,
        signals: Iterable[CallSignal],
        publish: Publish,
        *,
        also: FeedWrites | None = None,
    ) -> list[CallEvent] | None:
        """`receive` and `process` in one transaction, the usual path of a webhook: one
        commit before the vendor's answer, and the delivery is kept, processed, with its
        events. None for a resend of a delivery already kept."""
        signals = self._redacted(signals)
        row = self._delivery_row(provider_id, dedup_key, payload, outcome, received_at)

        def keep(conn: Connection) -> tuple[list[CallEvent], list[CallEvent | FeedEvent[Any]]]:
            events, fed = _fold(conn, self._clock, provider_id, signals, also)
            # Last: a resend fails here on the unique (provider, dedup key) and undoes
            # the whole transaction.
            conn.execute(
                _INSERT_DELIVERY,
                {
                    **row,
                    "processed_at": datetime.now(UTC),
                    "event_count": len(events),
                },
            )
            return events, [*events, *fed]

        try:
            return await self._transactions.run_and_publish(keep, publish)
        except IntegrityError:
            if await self._kept(provider_id, dedup_key):
                return None
            raise

    def _delivery_row(
        self,
        provider_id: str,
        dedup_key: str,
        payload: Mapping[str, Any],
        outcome: Mapping[str, Any],
        received_at: datetime,
    ) -> dict[str, Any]:
        return {
            "provider_id": provider_id,
            "dedup_key": dedup_key,
            "received_at": received_at,
            "payload": self._redact(dict(payload)),
            "outcome": self._redact(dict(outcome)),
            "event_count": 0,  # NOT NULL in databases from before the inbox
        }

    async def _kept(self, provider_id: str, dedup_key: str) -> bool:
        query = select(webhook_deliveries.c.id).where(
            and_(
                webhook_deliveries.c.provider_id == provider_id,
                webhook_deliveries.c.dedup_key == dedup_key,
            )
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def process(
        self,
        delivery_id: int,
        provider_id: str,
        signals: Iterable[CallSignal],
        publish: Publish,
        *,
        also: FeedWrites | None = None,
    ) -> list[CallEvent] | None:
        """Turn a kept delivery into events, once: in one transaction, mark it processed,
        fold its signals into the calls and append their events (`also` writes the rest
        it says: agent statuses, messages); None if it was processed already (another
        instance, or the recovery loop, got there first)."""
        signals = self._redacted(signals)

        def claim(
            conn: Connection,
        ) -> tuple[list[CallEvent] | None, list[CallEvent | FeedEvent[Any]]]:
            claimed = conn.execute(
                update(webhook_deliveries)
                .where(
                    and_(
                        webhook_deliveries.c.id == delivery_id,
                        webhook_deliveries.c.processed_at.is_(None),
                    )
                )
                .values(processed_at=datetime.now(UTC))
            )
            if claimed.rowcount != 1:
                return None, []
            events, fed = _fold(conn, self._clock, provider_id, signals, also)
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(event_count=len(events))
            )
            return events, [*events, *fed]

        return await self._transactions.run_and_publish(claim, publish)

    async def unprocessed(
        self, *, limit: int, received_before: datetime | None = None, after_id: int = 0
    ) -> list[tuple[int, str, Mapping[str, Any]]]:
        """Deliveries kept but not yet turned into events, oldest first:
        (id, provider id, outcome)."""
        query = (
            select(
                webhook_deliveries.c.id,
                webhook_deliveries.c.provider_id,
                webhook_deliveries.c.outcome,
            )
            .where(webhook_deliveries.c.processed_at.is_(None))
            .where(webhook_deliveries.c.id > after_id)
            .order_by(webhook_deliveries.c.id)
            .limit(limit)
        )
        if received_before is not None:
            query = query.where(webhook_deliveries.c.received_at < received_before)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(int(r.id), str(r.provider_id), r.outcome or {}) for r in rows]

    async def import_finished(self, provider_id: str, signals: Sequence[CallSignal]) -> list[Call]:
        """Past calls from a vendor's history: added to the log, or filling in what a
        call already known lacks. They happened before: no event is published for them."""
        signals = self._redacted(signals)

        def keep(conn: Connection) -> list[Call]:
            found = []
            self._clock.begin(conn)
            for signal in signals:
                history = _finished_call(provider_id, signal)
                known = _find(conn, provider_id, signal.refs)
                call = history if known.call is None else merge_calls(known.call, history)
                found.append(_save(conn, self._clock, provider_id, call, known, signal.refs))
            return found

        # The whole lock, though no event is added: the times of changes follow the
        # order of commits on every instance (store/call_clock.py).
        async with self._lock:
            return await self._transactions.run(keep)

    async def get_many(self, ids: Sequence[str]) -> list[Call | None]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(calls).where(calls.c.id.in_(ids)))).all()
        found = {row.id: call_of_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def page(
        self,
        where: CallFilter,
        *,
        first: int,
        before_seq: int | None,
        after_change: ChangePosition | None = None,
    ) -> tuple[list[Call], bool]:
        """Newest first, or by change with `where.updated_after` (from `after_change`);
        `first + 1` rows read to tell whether another page follows."""
        start, _ = page_start(before_seq)
        conditions = where.conditions(after_change=after_change, likely=self._likely)
        query = select(calls).where(*conditions, *start).order_by(*page_order(where))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.limit(first + 1))).all()
        return [call_of_row(r) for r in rows[:first]], len(rows) > first

    async def count(self, where: CallFilter | None = None) -> int:
        """How many calls `where` selects (all of them without it), over all pages."""
        conditions = where.conditions() if where is not None else []
        query = select(func.count()).select_from(calls).where(*conditions)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def events_of(self, call_ids: Sequence[str]) -> dict[str, list[CallEvent]]:
        query = (
            select(call_events, calls.c.from_number, calls.c.to_number)
            .join(calls, calls.c.id == call_events.c.call_id)
            .where(call_events.c.call_id.in_(call_ids))
            .order_by(call_events.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        grouped: dict[str, list[CallEvent]] = {i: [] for i in call_ids}
        for row in rows:
            grouped[row.call_id].append(_to_event(row))
        return grouped

    async def events_after(
        self,
        cursor: int,
        *,
        provider_ids: Collection[str] | None,
        call_id: str | None = None,
        phone: str | None = None,
        limit: int = 500,
    ) -> list[CallEvent]:
        """Stored events after `cursor`, oldest first: what a resuming subscriber missed."""
        query = (
            select(call_events, calls.c.from_number, calls.c.to_number)
            .join(calls, calls.c.id == call_events.c.call_id)
            .where(call_events.c.id > cursor)
            .order_by(call_events.c.id)
            .limit(limit)
        )
        if provider_ids is not None:
            query = query.where(call_events.c.provider_id.in_(provider_ids))
        if call_id is not None:
            query = query.where(call_events.c.call_id == call_id)
        if phone is not None:
            query = query.where(or_(calls.c.from_number == phone, calls.c.to_number == phone))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_to_event(r) for r in rows]

    async def prune(
        self, *, events_before: datetime, deliveries_before: datetime
    ) -> tuple[int, int]:
        """Remove events that happened before `events_before` (always a run of the oldest
        ids, so every event after a retained cursor is still there) and processed
        deliveries older than `deliveries_before`; how many of each."""
        async with self._lock.local, self._engine.begin() as conn:
            removed_events = await prune_prefix(conn, call_events, events_before, _PRUNED_THROUGH)
            removed_deliveries = (
                await conn.execute(
                    delete(webhook_deliveries).where(
                        webhook_deliveries.c.processed_at < deliveries_before
                    )
                )
            ).rowcount
        return removed_events, removed_deliveries

    async def pruned_through(self) -> int:
        """The newest event id retention has removed (0: none); older cursors are void."""
        return await pruned_through(self._engine, _PRUNED_THROUGH)


def _fold(
    conn: Connection,
    clock: ChangeClock,
    provider_id: str,
    signals: Sequence[CallSignal],
    also: FeedWrites | None,
) -> tuple[list[CallEvent], Sequence[FeedEvent[Any]]]:
    """A delivery's signals folded into the calls, and what `also` wrote: the events."""
    events: list[CallEvent] = []
    clock.begin(conn)
    for signal in signals:
        _, event = _apply(conn, clock, provider_id, signal)
        if event:
            events.append(event)
    fed = also(conn) if also is not None else ()
    return events, fed


def _apply(
    conn: Connection,
    clock: ChangeClock,
    provider_id: str,
    signal: CallSignal,
    *,
    only_status_changes: bool = False,
) -> tuple[Call, CallEvent | None]:
    """Find (or start) the call the signal names, fold the signal in, append its event."""
    known = _find(conn, provider_id, signal.refs)
    found = known.call
    call = found or Call(
        id=str(uuid.uuid4()),
        provider_id=provider_id,
        direction=signal.direction or CallDirection.INBOUND,
        status=signal.status or CallStatus.QUEUED,
        created_at=signal.occurred_at,
    )
    signal = settle(call, signal)
    before = call.status
    news = is_news(call, signal)
    call = apply_signal(call, signal)
    if only_status_changes:
        news = found is not None and call.status is not before
    call = _save(conn, clock, provider_id, call, known, signal.refs)
    if not news:
        return call, None
    values = {
        "call_id": call.id,
        "provider_id": provider_id,
        "kind": signal.kind.value,
        "status": call.status.value if signal.status else None,
        "occurred_at": signal.occurred_at,
        "raw": dict(signal.raw),
    }
    result = conn.execute(_INSERT_EVENT, values)
    event = CallEvent(
        id=int(result.inserted_primary_key[0]),  # type: ignore[index]
        call_id=call.id,
        provider_id=provider_id,
        kind=signal.kind,
        occurred_at=signal.occurred_at,
        status=call.status if signal.status else None,
        raw=dict(signal.raw),
        phones=call.phones,
        call=call,
    )
    return call, event


def _finished_call(provider_id: str, signal: CallSignal) -> Call:
    started = signal.occurred_at
    ended = started + timedelta(seconds=signal.duration_seconds or 0)
    return Call(
        id=str(uuid.uuid4()),
        provider_id=provider_id,
        direction=signal.direction or CallDirection.INBOUND,
        status=signal.status or CallStatus.COMPLETED,
        created_at=started,
        provider_call_id=signal.refs[0] if signal.refs else None,
        from_number=signal.from_number,
        to_number=signal.to_number,
        agent=signal.agent,
        started_at=started,
        ended_at=ended,
        duration_seconds=signal.duration_seconds,
        recording_url=signal.recording_url,
        recording_duration_seconds=signal.recording_duration_seconds,
        cost=signal.cost,
        currency=signal.currency if signal.cost is not None else None,
        raw=signal.raw,
    )


_PRUNED_THROUGH = "events_pruned_through"


@dataclasses.dataclass(frozen=True, slots=True)
class _Found:
    """The call some refs name as kept (None: a new one), which of the refs are known
    already, and whether two calls were found to be this one and merged."""

    call: Call | None
    known: set[str]
    merged: bool = False


def _find(conn: Connection, provider_id: str, refs: Sequence[str]) -> _Found:
    if not refs:
        return _Found(None, set())
    fitted = [fit(r, call_refs.c.ref) for r in refs]
    rows = conn.execute(_FIND_CALLS, {"provider_id": provider_id, "refs": fitted}).all()
    found = {row.id: call_of_row(row) for row in rows}
    known = {row.matched_ref for row in rows}
    if len(found) <= 1:
        return _Found(next(iter(found.values()), None), known)
    # Two calls turned out to be one (a vendor's events arrived under a leg id before the
    # message that ties the leg to the call): keep the oldest, move the rest into it.
    primary, *others = found.values()
    for other in others:
        primary = merge_calls(primary, other)
        conn.execute(
            update(call_events).where(call_events.c.call_id == other.id).values(call_id=primary.id)
        )
        conn.execute(
            update(call_refs).where(call_refs.c.call_id == other.id).values(call_id=primary.id)
        )
        conn.execute(delete(calls).where(calls.c.id == other.id))
    return _Found(primary, known, merged=True)


def _save(
    conn: Connection,
    clock: ChangeClock,
    provider_id: str,
    call: Call,
    found: _Found,
    refs: Sequence[str],
) -> Call:
    """Write the call (inserted when new, else updated where it changed, with the time of
    the change) and link the refs not known yet; the call as kept (its texts fitted to
    their columns, so live events show it so)."""
    texts = {name: value for name in _CALL_FIELDS if isinstance(value := getattr(call, name), str)}
    fitted = fit_row(calls, texts)
    if fitted != texts:  # rarely: a vendor's text longer than its column
        call = dataclasses.replace(call, **fitted)
    stored = found.call
    if stored is None:
        now = clock.stamp()
        call = dataclasses.replace(call, created_at=now, updated_at=now)
        result = conn.execute(_INSERT_CALL, _row(call))
        call = dataclasses.replace(call, seq=int(result.inserted_primary_key[0]))  # type: ignore[index]
    elif found.merged or any(getattr(call, n) != getattr(stored, n) for n in _CHANGES):
        call = dataclasses.replace(call, updated_at=clock.stamp())
        row = _row(call)
        del row["id"]
        conn.execute(_UPDATE_CALL, {**row, "call_id_": call.id})
    links = [
        {"provider_id": provider_id, "ref": r, "call_id": call.id}
        for r in dict.fromkeys(fit(r, call_refs.c.ref) for r in refs)
        if r not in found.known
    ]
    if links:
        conn.execute(_INSERT_REFS, links)
    return call


def _row(call: Call) -> dict[str, Any]:
    values = {name: getattr(call, name) for name in _CALL_FIELDS if name != "raw"}
    values["direction"] = call.direction.value
    values["status"] = call.status.value
    values["raw"] = dict(call.raw)
    return values


def call_of_row(row: Row[Any]) -> Call:
    m = row._mapping
    return Call(
        **{name: m[name] for name in _CALL_FIELDS if name not in ("direction", "status")},
        direction=CallDirection(m["direction"]),
        status=CallStatus(m["status"]),
        seq=m["seq"],
    )


def _to_event(row: Row[Any]) -> CallEvent:
    m = row._mapping
    return CallEvent(
        id=m["id"],
        call_id=m["call_id"],
        provider_id=m["provider_id"],
        kind=CallEventKind(m["kind"]),
        occurred_at=m["occurred_at"],
        status=CallStatus(m["status"]) if m["status"] else None,
        raw=m["raw"],
        phones=tuple(p for p in (m["from_number"], m["to_number"]) if p),
    )
