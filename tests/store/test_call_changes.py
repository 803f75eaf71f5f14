"""The call log's order of changes in the store: a database from before `updated_at` is
upgraded in place (every call gets one, its `created_at`), and on SQLite a page by
change walks an index rather than sorting the calls."""

from __future__ import annotations

import contextlib
import json
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from callboard.domain.calls import CallEventKind, CallSignal, CallStatus
from callboard.store import Store
from callboard.store.call_filter import CallFilter, ChangePosition
from callboard.store.engine import database_url
from callboard.store.tables import call_refs, calls
from tests.services import BOTH_DATABASES, database

ADDED = ("updated_at", "recording_duration_seconds", "cost", "currency")
NEW_INDEXES = {"ix_calls_provider_updated", "ix_calls_updated", "ix_calls_provider_started"}
FIRST_SEEN = datetime(2025, 6, 1, 9, 30, 0, 250000, tzinfo=UTC)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)

# `calls` as Callboard made it before this change: today's columns but the added ones,
# and none of the indexes; and its vendor ids as they are.
OLD = MetaData()
Table(
    "calls",
    OLD,
    *(c._copy() for c in calls.columns if c.name not in ADDED),
    sqlite_autoincrement=True,
)
call_refs.to_metadata(OLD)
CALL_ID = str(uuid.uuid4())


async def publish(_events: Sequence[Any]) -> None:
    pass


@contextlib.asynccontextmanager
async def old_database(kind: str) -> AsyncIterator[str]:
    async with database(kind) as url, contextlib.AsyncExitStack() as stack:
        if kind == "sqlite":  # a file: the memory database goes with its engine
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="callboard-"))
            url = f"sqlite:///{folder}/old.db"
        engine = create_async_engine(database_url(url))
        async with engine.begin() as conn:
            await conn.run_sync(OLD.create_all)
            await conn.execute(
                OLD.tables["calls"].insert(),
                {
                    "id": CALL_ID,
                    "provider_id": "p1",
                    "provider_call_id": "OLD-1",
                    "direction": "INBOUND",
                    "status": "COMPLETED",
                    "created_at": FIRST_SEEN,
                    "started_at": FIRST_SEEN,
                    "raw": {},
                },
            )
            await conn.execute(
                OLD.tables["call_refs"].insert(),
                {"provider_id": "p1", "ref": "OLD-1", "call_id": CALL_ID},
            )
        await engine.dispose()
        yield url


@pytest.mark.parametrize("kind", BOTH_DATABASES)
async def test_calls_kept_before_were_last_changed_when_first_seen(kind: str) -> None:
    async with old_database(kind) as url:
        store = await Store.open(url)
        try:
            (old,), _ = await store.calls.page(CallFilter(), first=5, before_seq=None)
            assert (old.created_at, old.updated_at) == (FIRST_SEEN, FIRST_SEEN)
            assert (old.cost, old.currency, old.recording_duration_seconds) == (None,) * 3
            since = FIRST_SEEN - timedelta(microseconds=1)
            found, _ = await store.calls.page(
                CallFilter(updated_after=since), first=5, before_seq=None
            )
            assert [c.provider_call_id for c in found] == ["OLD-1"]
            async with store.engine.connect() as conn:
                indexes = await conn.run_sync(
                    lambda sync: {i["name"] for i in inspect(sync).get_indexes("calls")}
                )
            assert indexes >= NEW_INDEXES
            # A change now is later than the one kept, whatever the clock said before.
            (changed,) = await store.calls.record_many(
                "p1",
                [
                    CallSignal(
                        refs=("OLD-1",),
                        kind=CallEventKind.RECORDING_READY,
                        occurred_at=datetime.now(UTC),
                        recording_url="https://records.example/OLD-1.mp3",
                    )
                ],
                publish,
            )
            assert changed.id == old.id == CALL_ID
            assert changed.updated_at is not None
            assert changed.updated_at > FIRST_SEEN
        finally:
            await store.close()


# Each page read, and the index SQLite walks for it in the page's order (no sort).
WALKS = [
    (CallFilter(provider_ids=("p1",), updated_after=SINCE), "ix_calls_provider_updated"),
    (CallFilter(provider_ids=("p1", "p2"), updated_after=SINCE), "ix_calls_updated"),
    (CallFilter(provider_ids=("p1",), started_after=SINCE), "ix_calls_provider_seq"),
    (CallFilter(provider_ids=("p1",), started_before=SINCE), "ix_calls_provider_seq"),
]


@pytest.mark.parametrize(("where", "index"), WALKS)
async def test_a_page_by_change_or_start_walks_an_index_on_sqlite(
    where: CallFilter, index: str
) -> None:
    store = await Store.open("sqlite://")
    try:
        signals = [
            CallSignal(
                refs=(f"c-{i}",),
                kind=CallEventKind.PLACED,
                occurred_at=datetime.now(UTC),
                status=CallStatus.QUEUED,
            )
            for i in range(30)
        ]
        for provider in ("p1", "p2"):
            await store.calls.record_many(provider, signals, publish)
        starts = [None]
        if where.by_change:
            starts.append(ChangePosition(SINCE + timedelta(days=1), 7))
        for after in starts:
            plan = await _plan(store, where, after)
            assert plan[0].startswith(f"SEARCH calls USING INDEX {index} "), plan
            assert "TEMP B-TREE" not in " ".join(plan), plan
    finally:
        await store.close()


async def _plan(store: Store, where: CallFilter, after: ChangePosition | None) -> list[str]:
    """SQLite's plan of the very statement `CallRows.page` ran for `where`."""
    rows = store.call_rows
    rows._compiled.clear()
    await rows.page(where, first=10, before_seq=None, after_change=after, columns=("id",))
    (compiled,) = rows._compiled.values()
    values = {**where.parameters(after), "provider_id": "p1", "limit": 11, "offset": 0}
    connection = rows._driver._connection  # type: ignore[union-attr]
    args = compiled.arguments(values, lambda v: json.dumps(v) if isinstance(v, list) else v)
    return [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", args)]
