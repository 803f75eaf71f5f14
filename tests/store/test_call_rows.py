"""The projected reads of the call log (store/call_rows.py) on SQLite and PostgreSQL: every
column gives what `CallLog`'s reads give, under every filter, cursor and page size; a
write committed just before is read, also while others write."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import create_engine, event

from callboard.domain.calls import (
    Call,
    CallDirection,
    CallEvent,
    CallEventKind,
    CallSignal,
    CallStatus,
)
from callboard.store import Store
from callboard.store.call_filter import CallFilter, ChangePosition
from callboard.store.call_rows import CallRows
from callboard.store.tables import call_events, calls
from tests.services import fresh_database, needs_postgres

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PHONE = "+79120000001"
CALL_COLUMNS = tuple(c.name for c in calls.columns)
EVENT_COLUMNS = tuple(c.name for c in call_events.columns)

FILTERS = [
    CallFilter(),
    CallFilter(provider_ids=("p1",)),
    CallFilter(provider_ids=("p2",)),
    CallFilter(provider_ids=("p1", "p3")),
    CallFilter(provider_ids=()),  # a caller who may see no provider
    CallFilter(phone=PHONE),
    CallFilter(phone="+79990000000"),
    CallFilter(status=CallStatus.COMPLETED),
    CallFilter(status=CallStatus.IN_PROGRESS),
    CallFilter(provider_ids=("p1", "p2"), phone=PHONE, status=CallStatus.COMPLETED),
    CallFilter(direction=CallDirection.OUTBOUND),
    CallFilter(
        started_after=NOW + timedelta(minutes=5), started_before=NOW + timedelta(minutes=15)
    ),
    CallFilter(provider_ids=("p1", "p2"), direction=CallDirection.INBOUND, started_after=NOW),
]


def by_change(kept: list[Call]) -> list[CallFilter]:
    """Listings in the order of changes, from the middle of the calls' changes."""
    middle = sorted(c.updated_at for c in kept if c.updated_at)[len(kept) // 2]
    return [
        CallFilter(updated_after=middle),
        CallFilter(provider_ids=("p1",), updated_after=middle),
        CallFilter(provider_ids=("p1", "p3"), status=CallStatus.COMPLETED, updated_after=middle),
        CallFilter(direction=CallDirection.OUTBOUND, updated_after=middle - timedelta(days=1)),
    ]


async def publish(_events: Sequence[Any]) -> None:
    pass


def signal(ref: str, kind: CallEventKind, at: datetime, **more: Any) -> CallSignal:
    return CallSignal(
        refs=(ref,),
        kind=kind,
        occurred_at=at,
        raw={"ref": ref, "n": [1, {"k": kind.value}]},
        **more,
    )


async def fill(store: Store) -> list[Call]:
    """24 calls of three providers with 1-4 events each, then 3 imported without events."""
    kept = []
    for i in range(24):
        ref = f"call-{i}"
        # some at whole seconds: SQLAlchemy still keeps microseconds in SQLite's text
        at = NOW + timedelta(minutes=i, microseconds=(i % 2) * 123456)

        def after(seconds: int, kind: CallEventKind, **more: Any) -> CallSignal:
            return signal(ref, kind, at + timedelta(seconds=seconds), **more)  # noqa: B023 - called at once

        steps = [
            after(
                0,
                CallEventKind.PLACED,
                status=CallStatus.DIALING,
                direction=CallDirection.OUTBOUND if i % 2 else CallDirection.INBOUND,
                from_number=PHONE if i % 4 == 0 else f"+7912{i:07d}",
                to_number=PHONE if i % 5 == 0 else None,
                agent="101" if i % 3 else None,
                control_id=f"ctl-{i}",
            )
        ]
        if i % 2:
            steps.append(after(3, CallEventKind.ANSWERED, status=CallStatus.IN_PROGRESS))
        if i % 7 == 0:
            steps.append(after(5, CallEventKind.IVR_INPUT))
        if i % 3 == 0:
            ended = {"duration_seconds": 37, "recording_url": f"https://records.example/{i}.mp3"}
            steps.append(after(40, CallEventKind.COMPLETED, status=CallStatus.COMPLETED, **ended))
        provider = ("p1", "p2", "p3")[i % 3]
        kept.extend(await store.calls.record_many(provider, steps, publish))
    kept.extend(
        await store.calls.import_finished(
            "p2",
            [
                CallSignal(
                    refs=(f"old-{i}",),
                    kind=CallEventKind.COMPLETED,
                    occurred_at=NOW - timedelta(days=1, seconds=i),
                    from_number=PHONE,
                    duration_seconds=60,
                    raw={"history": i},
                )
                for i in range(3)
            ],
        )
    )
    # a call as its last signal left it, in the order they were placed
    return list({c.id: c for c in kept}.values())


def stored(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def without_key(found: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """`calls`' rows as asked for: each has the call's id after the columns."""
    for key, row in found.items():
        assert row[-1] == key
    return {key: row[:-1] for key, row in found.items()}


def events_without_key(
    found: dict[str, list[tuple[Any, ...]]],
) -> dict[str, list[tuple[Any, ...]]]:
    """`events`' rows as asked for: each has a key of its call after the columns (its
    id, or on SQLite its place among the ids asked for)."""
    for place, (key, rows) in enumerate(found.items()):
        assert all(row[-1] in (key, place) for row in rows)
    return {key: [row[:-1] for row in rows] for key, rows in found.items()}


def call_row(call: Call, columns: Sequence[str] = CALL_COLUMNS) -> tuple[Any, ...]:
    return tuple(stored(getattr(call, name)) for name in columns)


def event_row(event: CallEvent, columns: Sequence[str] = EVENT_COLUMNS) -> tuple[Any, ...]:
    return tuple(stored(getattr(event, name)) for name in columns)


@pytest.mark.parametrize("first", [0, 4, 100])
async def test_pages_are_the_call_logs_pages_in_every_column(store: Store, first: int) -> None:
    kept = await fill(store)
    selected = []
    for where in FILTERS + by_change(kept):
        before, after, read = None, None, []
        while True:
            expected, more = await store.calls.page(
                where, first=first, before_seq=before, after_change=after
            )
            rows, has_next = await store.call_rows.page(
                where, first=first, before_seq=before, after_change=after, columns=CALL_COLUMNS
            )
            assert rows == [call_row(c) for c in expected], (where, before, after)
            assert has_next is more, (where, before, after)
            read.extend(expected)
            if not more or not expected:
                break
            last = expected[-1]
            if where.by_change:
                assert last.updated_at is not None
                after = ChangePosition(last.updated_at, last.seq)
            else:
                before = last.seq
        if where.by_change:
            places = [(c.updated_at, c.seq) for c in read]
            assert places == sorted(places), "oldest change first"
            assert where.updated_after is not None
            assert all(c.updated_at and c.updated_at > where.updated_after for c in read)
        else:
            assert [c.seq for c in read] == sorted((c.seq for c in read), reverse=True)
        selected.append(len(read))
    if first:
        # all but no provider and an unknown phone select some, not all, calls
        assert selected[0] == 27
        assert selected.count(0) == 2
        assert max(selected[1:]) < 27


async def test_values_have_the_stores_types(store: Store) -> None:
    await fill(store)
    rows, _ = await store.call_rows.page(
        CallFilter(provider_ids=("p1",), status=CallStatus.COMPLETED),
        first=1,
        before_seq=None,
        columns=("created_at", "ended_at", "raw", "status", "direction", "duration_seconds"),
    )
    ((created, ended, raw, status, direction, duration),) = rows
    assert created.tzinfo is UTC
    assert ended.tzinfo is UTC
    assert raw == {"ref": "call-21", "n": [1, {"k": "COMPLETED"}]}
    assert (status, direction, duration) == ("COMPLETED", "OUTBOUND", 37)


async def test_columns_come_in_the_order_asked_and_as_often(store: Store) -> None:
    kept = await fill(store)
    columns = ("raw", "seq", "id", "raw", "created_at")
    rows, _ = await store.call_rows.page(
        CallFilter(provider_ids=("p3",)), first=2, before_seq=None, columns=columns
    )
    expected, _ = await store.calls.page(CallFilter(provider_ids=("p3",)), first=2, before_seq=None)
    assert rows == [call_row(c, columns) for c in expected]
    (oldest,) = await store.calls.get_many([kept[0].id])
    assert oldest is not None
    by_id = without_key(await store.call_rows.calls([oldest.id], columns))
    assert by_id == {oldest.id: call_row(oldest, columns)}


async def test_calls_by_id_are_get_manys_found_ones(store: Store) -> None:
    kept = await fill(store)
    ids = [kept[-1].id, "no-such-call", kept[0].id, kept[-1].id, kept[5].id]
    expected = {c.id: call_row(c) for c in await store.calls.get_many(ids) if c is not None}
    assert without_key(await store.call_rows.calls(ids, CALL_COLUMNS)) == expected
    assert len(expected) == 3
    assert without_key(await store.call_rows.calls([], CALL_COLUMNS)) == {}
    assert without_key(await store.call_rows.calls(["no-such-call"], ("id",))) == {}


async def test_events_are_events_ofs_in_every_column(store: Store) -> None:
    kept = await fill(store)
    ids = [c.id for c in kept] + ["no-such-call"]
    expected = await store.calls.events_of(ids)
    got = events_without_key(await store.call_rows.events(ids, EVENT_COLUMNS))
    assert got == {i: [event_row(e) for e in events] for i, events in expected.items()}
    assert list(got) == list(dict.fromkeys(ids)), "every id a key, in the order given"
    assert got["no-such-call"] == []
    assert [got[c.id] for c in kept[-3:]] == [[], [], []], "imported calls have no events"
    assert sum(len(e) for e in got.values()) > len(kept), "calls with several events"
    kinds = events_without_key(await store.call_rows.events([kept[21].id], ("kind", "status")))
    assert kinds[kept[21].id] == [
        ("PLACED", "DIALING"),
        ("ANSWERED", "IN_PROGRESS"),
        ("IVR_INPUT", None),
        ("COMPLETED", "COMPLETED"),
    ]
    assert events_without_key(await store.call_rows.events([], ("kind",))) == {}


async def test_events_come_oldest_first_without_the_index_they_are_read_down(
    tmp_path: Path,
) -> None:
    # SQLite reads each call's events down ix_call_events_call_columns, in order without
    # a sort. With that index gone and one that reads newest first in its place (a
    # database Callboard did not make), SQLite would walk that one: they are sorted.
    url = f"sqlite:///{tmp_path / 'cb.db'}"
    store = await Store.open(url)
    try:
        kept = await fill(store)
        ids = [c.id for c in kept]
        expected = events_without_key(await store.call_rows.events(ids, ("id", "kind")))
        with sqlite3.connect(tmp_path / "cb.db") as other:
            other.execute("DROP INDEX ix_call_events_call_columns")
            other.execute("CREATE INDEX ix_newest_first ON call_events (call_id, id DESC)")
        rows = CallRows(store.engine, create_engine(url))
        try:
            got = events_without_key(await rows.events(ids, ("id", "kind")))
        finally:
            await rows.close()
        assert got == expected
        assert all(e == sorted(e) for e in got.values()), "oldest first"
        assert sum(len(e) > 1 for e in got.values()) > 5
    finally:
        await store.close()


async def test_unknown_columns_are_refused(store: Store) -> None:
    for columns in [("id", "nope"), ("kind",), ("id; DROP TABLE calls",)]:
        with pytest.raises(ValueError, match="calls has no column"):
            await store.call_rows.page(CallFilter(), first=1, before_seq=None, columns=columns)
        with pytest.raises(ValueError, match="calls has no column"):
            without_key(await store.call_rows.calls(["x"], columns))
    with pytest.raises(ValueError, match="call_events has no column"):
        events_without_key(await store.call_rows.events(["x"], ("kind", "from_number")))


async def test_a_json_column_not_asked_for_is_not_read(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps no JSON that does not parse")
    (call,) = await store.calls.record_many(
        "p1", [signal("A", CallEventKind.PLACED, NOW, status=CallStatus.DIALING)], publish
    )
    with sqlite3.connect(store.engine.url.database or "") as other:
        other.execute("UPDATE calls SET raw = 'not json'")
        other.execute("UPDATE call_events SET raw = 'not json'")
    other.close()
    rows, _ = await store.call_rows.page(CallFilter(), first=1, before_seq=None, columns=("id",))
    assert rows == [(call.id,)]
    assert events_without_key(await store.call_rows.events([call.id], ("kind",))) == {
        call.id: [("PLACED",)]
    }
    with pytest.raises(ValueError, match="Expecting value"):
        without_key(await store.call_rows.calls([call.id], ("raw",)))


async def test_a_write_committed_just_before_is_read_while_others_write(store: Store) -> None:
    stop = asyncio.Event()

    async def others() -> None:
        n = 0
        while not stop.is_set():
            placed = signal(f"bg-{n}", CallEventKind.PLACED, NOW, status=CallStatus.DIALING)
            await store.calls.record_many("p2", [placed], publish)
            n += 1

    writing = asyncio.create_task(others())
    mine = CallFilter(provider_ids=("p1",))
    try:
        for i in range(15):
            answered = signal(f"fg-{i}", CallEventKind.ANSWERED, NOW, status=CallStatus.IN_PROGRESS)
            (call,) = await store.calls.record_many("p1", [answered], publish)
            rows, _ = await store.call_rows.page(mine, first=1, before_seq=None, columns=("id",))
            assert rows == [(call.id,)]
            completed = signal(f"fg-{i}", CallEventKind.COMPLETED, NOW, status=CallStatus.COMPLETED)
            await store.calls.record_many("p1", [completed], publish)
            assert without_key(await store.call_rows.calls([call.id], ("status",))) == {
                call.id: ("COMPLETED",)
            }
            events = events_without_key(await store.call_rows.events([call.id], ("kind",)))
            assert events == {call.id: [("ANSWERED",), ("COMPLETED",)]}
    finally:
        stop.set()
        await writing
    assert await store.calls.count(CallFilter(provider_ids=("p2",))) > 0, "others wrote meanwhile"


async def test_a_read_neither_waits_for_nor_sees_a_write_in_progress(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's reads run on the event loop's thread")
    (call,) = await store.calls.record_many(
        "p1", [signal("A", CallEventKind.PLACED, NOW, status=CallStatus.DIALING)], publish
    )
    other = sqlite3.connect(store.engine.url.database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # SQLite's one writer, as another program would be
        other.execute("UPDATE calls SET status = 'FAILED'")
        started = time.monotonic()
        rows, _ = await store.call_rows.page(
            CallFilter(), first=5, before_seq=None, columns=("id", "status")
        )
        assert time.monotonic() - started < 1, "held up the event loop"
        assert rows == [(call.id, "DIALING")]
        other.execute("COMMIT")
        assert without_key(await store.call_rows.calls([call.id], ("status",))) == {
            call.id: ("FAILED",)
        }
    finally:
        other.close()


async def test_reads_cancelled_midway_leave_the_store_reading(store: Store) -> None:
    kept = await fill(store)
    ids = [c.id for c in kept]
    for turns in range(8):  # cancelled at each await a read makes, in turn
        read = asyncio.create_task(store.call_rows.events(ids, ("kind",)))
        for _ in range(turns):
            await asyncio.sleep(0)
        read.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await read
        events = events_without_key(await store.call_rows.events(ids[2:3], ("kind",)))
        assert events == {ids[2]: [("PLACED",)]}


@needs_postgres
async def test_a_burst_of_reads_reuses_the_connections_of_the_one_before() -> None:
    # Fewer pooled connections than concurrent reads made every burst open (and close) a
    # PostgreSQL connection per read beyond the pool: a server process each, half the
    # call list's requests/s at 16 client connections.
    async with fresh_database() as url:
        store = await Store.open(url)
        try:
            kept = await fill(store)
            opened: list[object] = []
            event.listen(store.engine.sync_engine, "connect", lambda *_: opened.append(1))
            expected = events_without_key(await store.call_rows.events([kept[0].id], ("kind",)))
            assert expected[kept[0].id]
            burst = [store.call_rows.events([kept[0].id], ("kind",)) for _ in range(16)]
            await asyncio.gather(*burst)
            first_burst = len(opened)
            burst = [store.call_rows.events([kept[0].id], ("kind",)) for _ in range(16)]
            answers = await asyncio.gather(*burst)
            assert len(opened) == first_burst, "the second burst opened connections"
            assert all(events_without_key(a) == expected for a in answers)
        finally:
            await store.close()
        # Those the reads kept between them were given back and closed with the rest.
        admin = await asyncpg.connect(url)
        try:
            others = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert others == 0
