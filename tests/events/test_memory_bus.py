"""The in-process bus on a real (temporary SQLite) store: resume, filters, slow readers,
and the feeds beside call events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callboard.domain.calls import CallEvent, CallEventKind, CallSignal
from callboard.domain.errors import SubscriberTooSlow
from callboard.domain.feeds import AGENT_STATUSES, SMS
from callboard.domain.pbx import AgentState, AgentStatus
from callboard.events import EventFilter, FeedFilter, MemoryBus
from callboard.store import Store


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    store = await Store.open("sqlite://")
    yield store
    await store.close()


async def recording(store: Store, bus: MemoryBus, provider: str, ref: str, n: int) -> CallEvent:
    signal = CallSignal(
        refs=(ref,),
        kind=CallEventKind.RECORDING_READY,
        occurred_at=datetime.now(UTC),
        recording_url=f"https://r.example/{ref}/{n}.mp3",
    )
    delivery = await store.calls.receive(provider, f"{ref}-{n}", {}, {}, signal.occurred_at)
    assert delivery is not None
    events = await store.calls.process(delivery, provider, [signal], bus.publish)
    assert events is not None
    return events[0]


T = TypeVar("T")


async def take(stream: AsyncIterator[T], count: int) -> list[T]:
    async with asyncio.timeout(5):
        return [await anext(stream) for _ in range(count)]


async def test_resume_then_live_without_gap_or_duplicate(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    first = [await recording(store, bus, "p", "A", n) for n in range(3)]
    stream = bus.subscribe(EventFilter(), after=first[0].id)
    replayed = await take(stream, 2)
    live = await recording(store, bus, "p", "A", 3)
    assert [e.id for e in replayed] == [first[1].id, first[2].id]
    assert (await take(stream, 1))[0].id == live.id
    await stream.aclose()  # type: ignore[attr-defined]
    assert bus.subscriber_count == 0


async def test_filters_by_provider_and_call(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    mine = await recording(store, bus, "mine", "A", 0)
    await recording(store, bus, "theirs", "B", 0)
    only_mine = bus.subscribe(EventFilter(provider_ids=frozenset({"mine"})), after=0)
    assert [e.id for e in await take(only_mine, 1)] == [mine.id]
    by_call = bus.subscribe(EventFilter(call_id=mine.call_id), after=0)
    assert (await take(by_call, 1))[0].call_id == mine.call_id
    later = await recording(store, bus, "mine", "A", 1)
    await recording(store, bus, "theirs", "B", 1)
    assert [e.id for e in await take(only_mine, 1)] == [later.id]


async def test_a_reader_that_falls_behind_is_cut_off_and_others_are_not(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds, buffer=3)
    slow = bus.subscribe(EventFilter())
    fast = bus.subscribe(EventFilter())
    # both subscribed (the generators run up to their first wait)
    slow_first = asyncio.ensure_future(anext(slow))
    fast_first = asyncio.ensure_future(anext(fast))
    await asyncio.sleep(0)
    events = [await recording(store, bus, "p", "A", 0)]
    assert (await fast_first).id == (await slow_first).id == events[0].id
    for n in range(1, 6):
        events.append(await recording(store, bus, "p", "A", n))
        assert (await take(fast, 1))[0].id == events[-1].id  # the fast one keeps up
    # Cut off at once: what was queued for it is not sent to a reader that cannot keep
    # up; it comes again, from the store, when the reader resumes from its cursor.
    with pytest.raises(SubscriberTooSlow, match="after"):
        await take(slow, 1)
    resumed = bus.subscribe(EventFilter(), after=events[0].id)
    assert [e.id for e in await take(resumed, 5)] == [e.id for e in events[1:]]


async def status_change(store: Store, bus: MemoryBus, provider: str, agent: str) -> int:
    status = AgentStatus(provider, agent, "1", AgentState.FREE, datetime.now(UTC))
    await store.agent_statuses.record([status], bus.publish)
    _, cursor = await store.agent_statuses.snapshot([provider])
    return cursor


async def test_a_feed_resumes_then_goes_live_apart_from_call_events(store: Store) -> None:
    bus = MemoryBus(store.calls, store.feeds)
    first = [await status_change(store, bus, "p", f"10{n}") for n in range(3)]
    await status_change(store, bus, "theirs", "200")
    calls = bus.subscribe(EventFilter(), after=0)
    statuses = bus.subscribe_feed(
        AGENT_STATUSES, FeedFilter(provider_ids=frozenset({"p"})), after=first[0]
    )
    messages = bus.subscribe_feed(SMS, FeedFilter())
    assert [e.id for e in await take(statuses, 2)] == first[1:]
    call = await recording(store, bus, "p", "A", 0)
    live = await status_change(store, bus, "p", "103")
    (event,) = await take(statuses, 1)
    assert (event.id, event.item.agent) == (live, "103")
    assert [e.id for e in await take(calls, 1)] == [call.id]  # no status among the calls
    with pytest.raises(TimeoutError):  # no status among the messages
        await asyncio.wait_for(anext(messages), 0.05)
    await calls.aclose()  # type: ignore[attr-defined]
    await statuses.aclose()  # type: ignore[attr-defined]
    assert bus.subscriber_count == 0


# One step of a run: publish `n` events after yielding to the loop `pause` times, or
# connect a subscriber whose cursor is the `pick`-th event published so far (0: before
# the first), its replay left running while later steps publish.
Step = tuple[str, int, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(1, 4), st.integers(0, 3)),
        st.tuples(st.just("connect"), st.integers(0, 20), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=40, deadline=None)
@given(steps)
def test_any_interleaving_of_publishes_and_connects_loses_and_repeats_nothing(
    run: list[Step],
) -> None:
    asyncio.run(_interleave(run))


async def _interleave(run: list[Step]) -> None:
    store = await Store.open("sqlite://")
    bus = MemoryBus(store.calls, store.feeds, buffer=10_000)
    published: list[int] = []
    readers: list[tuple[int, list[int], asyncio.Task[None]]] = []

    async def read(stream: AsyncIterator[CallEvent], into: list[int]) -> None:
        async for event in stream:
            into.append(event.id)

    try:
        for n, (op, amount, pause) in enumerate(run):
            for _ in range(pause):
                await asyncio.sleep(0)
            if op == "publish":
                for i in range(amount):
                    published.append((await recording(store, bus, "p", f"S{n}", i)).id)
            else:
                cursor = published[min(amount, len(published)) - 1] if amount and published else 0
                got: list[int] = []
                task = asyncio.create_task(read(bus.subscribe(EventFilter(), after=cursor), got))
                readers.append((cursor, got, task))
        published.append((await recording(store, bus, "p", "last", 0)).id)
        for cursor, got, _ in readers:
            expected = [i for i in published if i > cursor]
            async with asyncio.timeout(5):
                while len(got) < len(expected):  # noqa: ASYNC110 - readers are plain tasks
                    await asyncio.sleep(0.001)
            assert got == expected
    finally:
        for _, _, task in readers:
            task.cancel()
        await asyncio.gather(*(t for _, _, t in readers), return_exceptions=True)
        await store.close()
