"""One id-ordered log to many subscribers: replay from the store after a cursor, then live,
with no gap and no duplicate at the seam; a subscriber that falls behind is cut off.

The same logic serves call events and each feed (events/bus.py); only where the
replay reads from and what a subscriber filters on differ.

A live subscriber may also go around its iterator: given a `direct` factory, once it has
caught up (nothing queued) its items go to the `Direct` it makes, which delivers them
some other way (live/audiences.py writes one encoded event to many WebSockets) and
hands back, through the subscriber, what it could not deliver. Direct subscribers with the
same filter may share a `Sink`: each item is then matched and offered once for all of them
(with 1,000 subscribers, matching each was ~10% of the server's CPU samples at 100
events/s).

A subscriber cut off as too slow is told so by its iterator, whose task may meanwhile be
waiting to send to a client that does not read: the callback its transport put in
`ON_CUT_OFF` (in that task) is called, so that the error can go out at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from callboard.domain.errors import CursorExpired, SubscriberTooSlow
from callboard.observability.metrics import SUBSCRIPTIONS_OPEN

__all__ = [
    "ON_CUT_OFF",
    "Direct",
    "DirectFactory",
    "Fanout",
    "Logged",
    "Replay",
    "Sink",
    "Subscriber",
]

_REPLAY_BATCH = 500

# Set by the transport serving the subscriptions iterated in the current task: called when
# one of them is cut off as too slow.
ON_CUT_OFF: ContextVar[Callable[[], None] | None] = ContextVar("callboard_on_cut_off", default=None)


class Logged(Protocol):
    """An item of a log: its id orders it and resumes after it."""

    @property
    def id(self) -> int: ...


class _Filter(Protocol):
    def matches(self, item: Any) -> bool: ...


T = TypeVar("T", bound=Logged)
W = TypeVar("W", bound=_Filter)
W_contra = TypeVar("W_contra", bound=_Filter, contravariant=True)
T_co = TypeVar("T_co", bound=Logged, covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)


class Replay(Protocol[T_co, W_contra]):
    """Where the stored part of the log is read from."""

    async def pruned_through(self) -> int: ...

    async def after(self, cursor: int, where: W_contra, limit: int) -> Sequence[T_co]: ...


class Sink(Protocol[T_contra]):
    def offer(self, item: T_contra) -> None:
        """An item for the subscribers going through this sink: given once however many
        share it, once per filter if their filters differ."""


class Direct(Protocol[T_contra]):
    """Where a caught-up subscriber's items go instead of its queue."""

    @property
    def sink(self) -> Sink[T_contra]: ...

    def close(self) -> None:
        """The subscriber is gone: deliver nothing more to it."""


@dataclass(eq=False)
class Subscriber(Generic[T, W]):
    where: W
    fanout: Fanout[T, W] = field(repr=False)
    # The id of the last item this subscriber was given, by its iterator or directly.
    last: int | None = None
    queue: asyncio.Queue[T | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False
    direct: Direct[T] | None = None
    on_cut_off: Callable[[], None] | None = field(default=None, repr=False)

    def give_back(self, items: Sequence[T]) -> None:
        """Items the direct path could not deliver: the iterator yields them, in order,
        and the ones after them."""
        self.fanout._end_direct(self)
        for item in items:
            self.queue.put_nowait(item)

    def cut_off(self) -> None:
        """Fallen too far behind (its queue full, or on the direct path its connection):
        its iterator ends with SUBSCRIBER_TOO_SLOW before anything still queued, which the
        client gets again when it resumes from its cursor."""
        if self.overflowed:
            return
        self.fanout._end_direct(self)
        self.overflowed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)
        if self.on_cut_off is not None:
            self.on_cut_off()


DirectFactory = Callable[[Subscriber[T, W]], "Direct[T] | None"]


class Fanout(Generic[T, W]):
    """`requery` names what to read instead of resuming (in CURSOR_EXPIRED's message);
    `cursor` what a client resumes from (in SUBSCRIBER_TOO_SLOW's)."""

    def __init__(self, replay: Replay[T, W], *, buffer: int, requery: str, cursor: str) -> None:
        self._replay = replay
        self._buffer = buffer
        self._requery = requery
        self._cursor = cursor
        self._subscribers: set[Subscriber[T, W]] = set()
        # Those whose items are queued; the others' go to a sink, counted per filter.
        self._queued: set[Subscriber[T, W]] = set()
        self._sinks: dict[tuple[Sink[T], W], int] = {}

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def deliver(self, items: Sequence[T]) -> None:
        """Hand items to this instance's subscribers (in id order, each once)."""
        for sink, where in list(self._sinks):
            for item in items:
                if where.matches(item):
                    sink.offer(item)
        for subscriber in self._queued:
            if subscriber.overflowed:
                continue
            for item in items:
                if not subscriber.where.matches(item):
                    continue
                if subscriber.queue.qsize() >= self._buffer:
                    # Never block the webhook path for one slow reader: cut it off instead.
                    subscriber.cut_off()
                    break
                subscriber.queue.put_nowait(item)

    async def subscribe(
        self, where: W, after: int | None = None, direct: DirectFactory[T, W] | None = None
    ) -> AsyncIterator[T]:
        # Registered before the replay reads the log: an item committed meanwhile is
        # both replayed and queued, and the id check below drops the second copy.
        if after is not None and after < await self._replay.pruned_through():
            raise CursorExpired(
                "The events after this cursor are older than the retention window and were "
                f"removed; query the current state ({self._requery}), then subscribe again "
                "without `after`.",
                field="after",
            )
        subscriber: Subscriber[T, W] = Subscriber(
            where, self, last=after, on_cut_off=ON_CUT_OFF.get()
        )
        self._subscribers.add(subscriber)
        self._queued.add(subscriber)
        SUBSCRIPTIONS_OPEN.inc()
        try:
            if after is not None:
                while True:
                    batch = await self._replay.after(subscriber.last or 0, where, _REPLAY_BATCH)
                    for item in batch:
                        yield item
                        subscriber.last = item.id
                    if len(batch) < _REPLAY_BATCH:
                        break
            while True:
                if direct and subscriber.direct is None and subscriber.queue.empty():
                    # Caught up: what comes next can go around this iterator (synchronously
                    # here, so no item slips in between the check and the switch).
                    self._go_direct(subscriber, direct(subscriber))
                queued = await subscriber.queue.get()
                if queued is None:
                    raise SubscriberTooSlow(
                        "This subscription fell too far behind and was closed; subscribe "
                        f"again with after: {self._cursor} you received.",
                    )
                if subscriber.last is not None and queued.id <= subscriber.last:
                    continue
                yield queued
                subscriber.last = queued.id
        finally:
            SUBSCRIPTIONS_OPEN.dec()
            self._subscribers.discard(subscriber)
            self._queued.discard(subscriber)
            went_direct = subscriber.direct
            if went_direct is not None:
                self._end_direct(subscriber)
                went_direct.close()

    def _go_direct(self, subscriber: Subscriber[T, W], direct: Direct[T] | None) -> None:
        if direct is None:
            return
        subscriber.direct = direct
        self._queued.discard(subscriber)
        key = (direct.sink, subscriber.where)
        self._sinks[key] = self._sinks.get(key, 0) + 1

    def _end_direct(self, subscriber: Subscriber[T, W]) -> None:
        direct, subscriber.direct = subscriber.direct, None
        if direct is None:
            return
        key = (direct.sink, subscriber.where)
        if self._sinks[key] > 1:
            self._sinks[key] -= 1
        else:
            del self._sinks[key]
        if subscriber in self._subscribers:
            self._queued.add(subscriber)
