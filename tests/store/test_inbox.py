"""The webhook inbox and retention on a real (temporary SQLite) store: a delivery kept
once, processed once, found again when unprocessed; old events removed in id order and
old cursors refused; a database from before the inbox brought up to date."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callboard import inbox
from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.errors import CursorExpired
from callboard.domain.outcome_codec import Outcome, decode_outcome, encode_outcome
from callboard.domain.pbx import AgentState, AgentStatus
from callboard.domain.sms import SmsSignal, SmsStatus
from callboard.events import EventFilter, MemoryBus
from callboard.runtime import Runtime
from callboard.settings import Settings
from callboard.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def answered(ref: str, at: datetime = NOW) -> CallSignal:
    return CallSignal(
        refs=(ref,), kind=CallEventKind.ANSWERED, status=CallStatus.IN_PROGRESS, occurred_at=at
    )


def test_an_outcome_survives_json_whole() -> None:
    outcome = Outcome(
        signals=(
            CallSignal(
                refs=("A", "B"),
                kind=CallEventKind.COMPLETED,
                occurred_at=NOW,
                status=CallStatus.COMPLETED,
                direction=CallDirection.INBOUND,
                from_number="+79123456789",
                duration_seconds=42,
                recording_url="https://r.example/1.mp3",
                raw={"nested": [1, {"x": "y"}]},
                exact_times=True,
                started_at=NOW - timedelta(minutes=1),
                ended_at=NOW,
            ),
        ),
        agent_statuses=(AgentStatus("p", "101", "2", AgentState.FREE, NOW),),
        sms=(SmsSignal("s-1", SmsStatus.DELIVERED, NOW, modem="1", phone="+7912", text="hi"),),
    )

    assert decode_outcome(json.loads(json.dumps(encode_outcome(outcome)))) == outcome


async def test_a_delivery_is_kept_once_and_processed_once(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    first = await store.calls.receive("p", "k1", {}, {}, NOW)
    assert first is not None
    assert await store.calls.receive("p", "k1", {}, {}, NOW) is None, "a resend"
    assert [d[0] for d in await store.calls.unprocessed(limit=10)] == [first]
    both = await asyncio.gather(
        store.calls.process(first, "p", [answered("A")], bus.publish),
        store.calls.process(first, "p", [answered("A")], bus.publish),
    )
    assert sorted(len(e) if e is not None else -1 for e in both) == [-1, 1]
    assert await store.calls.unprocessed(limit=10) == []
    assert await store.calls.count(None) == 1


async def test_kept_and_processed_at_once_a_resend_adds_nothing(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    seen = []
    async with contextlib.aclosing(bus.subscribe(EventFilter(), after=0)) as events:
        first = await store.calls.keep_and_process(
            "p", "k1", {"f": 1}, {}, NOW, [answered("A")], bus.publish
        )
        again = await store.calls.keep_and_process(
            "p", "k1", {"f": 1}, {}, NOW, [answered("A"), answered("B")], bus.publish
        )
        seen.append(await anext(events))
    assert first is not None
    assert [e.id for e in first] == [e.id for e in seen]
    assert again is None, "a resend"
    assert await store.calls.count(None) == 1, "the resend's signals were undone"
    assert await store.calls.unprocessed(limit=10) == [], "kept as processed"
    assert await store.calls.receive("p", "k1", {}, {}, NOW) is None, "and kept"


async def test_young_deliveries_are_left_to_the_request_that_kept_them(store: Store) -> None:
    await store.calls.receive("p", "k1", {}, {}, datetime.now(UTC))
    assert await store.calls.unprocessed(limit=10, received_before=NOW) == []


async def test_retention_removes_the_oldest_events_and_voids_their_cursors(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    ids = []
    for n, at in enumerate([NOW - timedelta(days=9), NOW - timedelta(days=8), NOW]):
        delivery = await store.calls.receive("p", f"k{n}", {}, {}, at)
        assert delivery is not None
        events = await store.calls.process(delivery, "p", [answered(f"C{n}", at)], bus.publish)
        assert events is not None
        ids.append(events[0].id)
    removed = await store.calls.prune(
        events_before=NOW - timedelta(days=7), deliveries_before=NOW - timedelta(days=7)
    )
    assert removed[0] == 2
    assert await store.calls.pruned_through() == ids[1]
    kept = bus.subscribe(EventFilter(), after=ids[1])
    async with asyncio.timeout(5):
        assert (await anext(kept)).id == ids[2]
    await kept.aclose()  # type: ignore[attr-defined]
    with pytest.raises(CursorExpired) as expired:
        await anext(bus.subscribe(EventFilter(), after=ids[0]))
    assert expired.value.field == "after"
    assert "re" in expired.value.message


async def test_processed_deliveries_past_retention_are_removed_unprocessed_kept(
    store: Store,
) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    old = await store.calls.receive("p", "old", {}, {}, NOW - timedelta(days=10))
    waiting = await store.calls.receive("p", "waiting", {}, {}, NOW - timedelta(days=10))
    assert old is not None
    assert waiting is not None
    await store.calls.process(old, "p", [], bus.publish)
    _, deliveries = await store.calls.prune(
        events_before=NOW, deliveries_before=datetime.now(UTC) + timedelta(seconds=1)
    )
    assert deliveries == 1
    assert [d[0] for d in await store.calls.unprocessed(limit=10)] == [waiting]


async def test_a_database_from_before_the_inbox_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE webhook_deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "provider_id VARCHAR(64) NOT NULL, dedup_key VARCHAR(128) NOT NULL, "
            "received_at DATETIME NOT NULL, payload JSON NOT NULL, event_count INTEGER NOT "
            "NULL, CONSTRAINT uq_webhook_delivery UNIQUE (provider_id, dedup_key))"
        )
        db.execute(
            "INSERT INTO webhook_deliveries (provider_id, dedup_key, received_at, payload, "
            "event_count) VALUES ('p', 'k', '2026-11-01 10:00:00', '{}', 1)"
        )
    store = await Store.open(f"sqlite:///{path}")
    try:
        assert await store.calls.unprocessed(limit=10) == [], "processed when it came"
        assert await store.calls.receive("p", "k", {}, {}, NOW) is None, "still a resend"
        assert await store.calls.receive("p", "k2", {}, {}, NOW) is not None
    finally:
        await store.close()


async def test_a_delivery_that_cannot_be_processed_does_not_hold_up_the_others(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox, "_BATCH", 1)  # one row a page: the bad one fills a page
    runtime = Runtime(Settings(), store, MemoryBus(store.calls, store.feeds), {})
    bad = await store.calls.receive("p", "bad", {}, {"signals": [{"refs": ["X"]}]}, NOW)
    good_outcome = encode_outcome(Outcome(signals=(answered("G"),)))
    good = await store.calls.receive("p", "good", {}, good_outcome, NOW)
    assert await inbox.process_pending(runtime) == 1
    assert [d[0] for d in await store.calls.unprocessed(limit=10)] == [bad]
    assert good is not None
    assert await store.calls.count(None) == 1


async def test_only_postgresql_runs_the_event_writes_on_the_loop(store: Store) -> None:
    # Live audiences catch up only where these transactions have a thread of their own.
    on_postgresql = store.engine.dialect.name == "postgresql"
    assert store.transactions_on_the_loop is on_postgresql
