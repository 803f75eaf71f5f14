"""The fan-out's direct path (events/fanout.py): subscribers going around their iterators
through a shared sink are matched and offered each item once, and come back to their
iterators without losing or repeating an item."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from callboard.events.fanout import Fanout, Subscriber


@dataclass(frozen=True)
class Item:
    id: int
    odd: bool = False


@dataclass(frozen=True)
class Where:
    only_odd: bool = False
    checked: list[int] = field(default_factory=list, compare=False, hash=False)

    def matches(self, item: Item) -> bool:
        self.checked.append(item.id)
        return item.odd or not self.only_odd


class NoReplay:
    async def pruned_through(self) -> int:
        return 0

    async def after(self, cursor: int, where: Where, limit: int) -> list[Item]:
        return []


class Sink:
    def __init__(self) -> None:
        self.offered: list[int] = []

    def offer(self, item: Item) -> None:
        self.offered.append(item.id)


@dataclass
class Via:
    """A Direct: the subscriber's items go to `sink`."""

    sink: Sink
    subscriber: Subscriber[Item, Where]
    closed: bool = False

    def close(self) -> None:
        self.closed = True


async def subscribed(
    fanout: Fanout[Item, Where], where: Where, sink: Sink, vias: list[Via]
) -> tuple[AsyncIterator[Item], asyncio.Task[Item]]:
    def direct(subscriber: Subscriber[Item, Where]) -> Via:
        vias.append(Via(sink, subscriber))
        return vias[-1]

    stream = fanout.subscribe(where, None, direct)
    waiting = asyncio.create_task(anext(stream))  # type: ignore[arg-type]
    for _ in range(5):
        await asyncio.sleep(0)  # caught up (nothing queued): gone direct
    return stream, waiting


async def test_subscribers_sharing_a_sink_are_matched_and_offered_each_item_once() -> None:
    fanout: Fanout[Item, Where] = Fanout(NoReplay(), buffer=10, requery="q", cursor="c")
    sink, where, vias = Sink(), Where(), []
    subscriptions = [await subscribed(fanout, where, sink, vias) for _ in range(3)]

    fanout.deliver([Item(1), Item(2)])
    assert sink.offered == [1, 2]
    assert where.checked == [1, 2]  # not once per subscriber
    assert not any(waiting.done() for _, waiting in subscriptions)

    # One goes back to its iterator (as a live audience does on an error): it gets the
    # next items through its queue, the other two still through the sink, once.
    vias[0].subscriber.give_back([])
    fanout.deliver([Item(3)])
    assert sink.offered == [1, 2, 3]
    assert (await asyncio.wait_for(subscriptions[0][1], 5)).id == 3
    assert not subscriptions[1][1].done()

    for stream, waiting in subscriptions:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await stream.aclose()  # type: ignore[attr-defined]
    assert [via.closed for via in vias] == [False, True, True]  # the first had left already
    fanout.deliver([Item(4)])
    assert sink.offered == [1, 2, 3]
    assert fanout.subscriber_count == 0


async def test_a_shared_sink_is_offered_once_per_filter() -> None:
    fanout: Fanout[Item, Where] = Fanout(NoReplay(), buffer=10, requery="q", cursor="c")
    sink, vias = Sink(), []
    subscriptions = [
        await subscribed(fanout, Where(), sink, vias),
        await subscribed(fanout, Where(only_odd=True), sink, vias),
    ]
    fanout.deliver([Item(1, odd=True), Item(2)])
    assert sorted(sink.offered) == [1, 1, 2]
    for stream, waiting in subscriptions:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await stream.aclose()  # type: ignore[attr-defined]


async def test_a_subscriber_cut_off_on_the_direct_path_ends_with_the_reason() -> None:
    fanout: Fanout[Item, Where] = Fanout(NoReplay(), buffer=10, requery="q", cursor="c")
    sink, vias = Sink(), []
    stream, waiting = await subscribed(fanout, Where(), sink, vias)
    vias[0].subscriber.cut_off()
    fanout.deliver([Item(1)])
    assert sink.offered == []
    exception = (await asyncio.gather(asyncio.wait_for(waiting, 5), return_exceptions=True))[0]
    assert "fell too far behind" in str(exception)
    await stream.aclose()  # type: ignore[attr-defined]
