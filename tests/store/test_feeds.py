"""The feed log of agent statuses and messages on a real store (SQLite and PostgreSQL): a
change is logged in the transaction that makes it, only when it is one; the current
statuses come with the cursor to follow them from; retention removes a prefix and voids
older cursors; a database from before the feeds gains them."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callboard.domain.calls import CallEvent
from callboard.domain.errors import CursorExpired
from callboard.domain.feeds import AGENT_STATUSES, SMS, FeedEvent
from callboard.domain.pbx import AgentState, AgentStatus
from callboard.domain.sms import Sms, SmsDirection, SmsSignal, SmsStatus
from callboard.events import FeedFilter, MemoryBus
from callboard.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class Published(list[FeedEvent[Any]]):
    """A publish callback keeping the feed events it was handed."""

    async def __call__(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        self.extend(e for e in events if isinstance(e, FeedEvent))


def status(agent: str, state: AgentState, at: datetime = NOW) -> AgentStatus:
    return AgentStatus("p", agent, "1", state, at)


def sent(vendor_id: str, at: datetime = NOW) -> Sms:
    return Sms(
        id=f"sms-{vendor_id}",
        provider_id="p",
        direction=SmsDirection.OUTBOUND,
        modem="380123456789",
        phone="+79123456789",
        text="hi",
        status=SmsStatus.ACCEPTED,
        created_at=at,
        updated_at=at,
        vendor_id=vendor_id,
    )


async def test_only_a_status_that_is_kept_is_logged(store: Store) -> None:
    published = Published()
    newer = status("101", AgentState.FREE)
    late = status("101", AgentState.OFFLINE, NOW - timedelta(seconds=5))
    await store.agent_statuses.record([newer, late], published)
    assert [e.item for e in published] == [newer]
    (kept,) = await store.agent_statuses.current(["p"])
    assert kept.state is AgentState.FREE
    logged = await store.feeds.after(AGENT_STATUSES, 0, provider_ids=None)
    assert logged == published


async def test_only_a_message_that_changed_is_logged(store: Store) -> None:
    published = Published()
    await store.sms.add(sent("7"), published)
    incoming = SmsSignal("8", SmsStatus.RECEIVED, NOW, modem="1", phone="+7912", text="yo")
    await store.sms.apply("p", [SmsSignal("7", SmsStatus.DELIVERED, NOW), incoming], published)
    # nothing changes: a late status, a status of a message not sent through Callboard
    nothing = [SmsSignal("7", SmsStatus.SENDING, NOW), SmsSignal("x", SmsStatus.SENDING, NOW)]
    assert await store.sms.apply("p", nothing, published) == []
    changes = [(e.item.vendor_id, e.item.status) for e in published]
    assert changes == [
        ("7", SmsStatus.ACCEPTED),
        ("7", SmsStatus.DELIVERED),
        ("8", SmsStatus.RECEIVED),
    ]
    assert await store.feeds.after(SMS, 0, provider_ids=None) == published
    assert await store.feeds.after(AGENT_STATUSES, 0, provider_ids=None) == []
    assert await store.feeds.after(SMS, 0, provider_ids=["other"]) == []


async def test_the_current_statuses_come_with_the_cursor_they_include(store: Store) -> None:
    assert await store.agent_statuses.snapshot(["p"]) == ([], 0)
    published = Published()
    await store.agent_statuses.record([status("101", AgentState.FREE)], published)
    await store.sms.add(sent("1"), published)  # another feed: not this one's cursor
    await store.agent_statuses.record([status("102", AgentState.BUSY)], published)
    current, cursor = await store.agent_statuses.snapshot(["p"])
    assert [s.agent for s in current] == ["101", "102"]
    assert cursor == published[-1].id
    assert await store.agent_statuses.snapshot(["other"]) == ([], cursor)


async def test_retention_removes_the_oldest_changes_and_voids_their_cursors(
    store: Store,
) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    published = Published()
    for n, at in enumerate([NOW - timedelta(days=9), NOW - timedelta(days=8), NOW]):
        await store.agent_statuses.record([status(f"10{n}", AgentState.FREE, at)], published)
    assert await store.feeds.prune(before=NOW - timedelta(days=7)) == 2
    assert await store.feeds.pruned_through() == published[1].id
    kept = bus.subscribe_feed(AGENT_STATUSES, FeedFilter(), after=published[1].id)
    async with asyncio.timeout(5):
        assert (await anext(kept)).id == published[2].id
    await kept.aclose()  # type: ignore[attr-defined]
    with pytest.raises(CursorExpired) as expired:
        await anext(bus.subscribe_feed(AGENT_STATUSES, FeedFilter(), after=published[0].id))
    assert expired.value.field == "after"
    assert "agentStatuses" in expired.value.message
    # Emptied by retention, the log still gives the current statuses a valid cursor.
    assert await store.feeds.prune(before=NOW + timedelta(days=1)) == 1
    _, cursor = await store.agent_statuses.snapshot(["p"])
    assert cursor == published[2].id


async def test_a_database_from_before_the_feeds_gains_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = await Store.open(f"sqlite:///{path}")
    await store.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE feed_events")
    store = await Store.open(f"sqlite:///{path}")
    try:
        published = Published()
        await store.agent_statuses.record([status("101", AgentState.FREE)], published)
        assert await store.feeds.after(AGENT_STATUSES, 0, provider_ids=None) == published
    finally:
        await store.close()
