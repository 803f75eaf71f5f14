"""Live call events written once per audience, straight to each subscriber's WebSocket.

Sharing the execution (shared_results.py) left each live event costing, per subscriber, a
task woken up, graphql-core's and strawberry's per-result steps, an ASGI send and a write:
about 50 µs, so one core delivered some 10,000 messages a second. An audience does the
per-event work once and leaves a write per subscriber:

- An audience is the subscribers who get the same answers: shared_results.py's key (the
  document, the operation, the variables, the client).
- A `callEvents` subscriber joins its audience once it has caught up (events/fanout.py's
  direct path), if it came over graphql-transport-ws to a server offering frame writes
  (frames.py; uncompressed connections only).
- For each live event the audience executes the document once (with a member's executor:
  all of them ask the same), encodes it once, and writes the `next` message to every
  member's connection, rolling through the members in paced slices. When events pile up,
  each member gets all it lacks in one write: a busy server makes fewer, larger writes
  instead of falling further behind.

A member goes back to its own iterator (fanout.py), which then yields what the audience
could not write, when an event's result has errors (error handling is per subscriber:
logging, masking). It is cut off as too slow, as on the iterator path, when its connection
holds more than `buffer` events' worth of unread bytes; it leaves when it goes away.
"""

from __future__ import annotations

import asyncio
import bisect
import inspect
import json
import logging
import time
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from callboard.events.fanout import Direct, DirectFactory, Logged, Subscriber
from callboard.live.frames import FrameWriter, frame_writer, text_frame
from callboard.live.protocols import TransportWSHandler
from callboard.live.shared_results import SUBSCRIPTION_EXECUTOR, SharedData, SharingExecutor

__all__ = ["LiveAudiences", "LiveFramesHandler"]

log = logging.getLogger(__name__)

# How an audience paces its writes (see _run). A pass over the members writes in slices
# of about _SLICE. After a slice taking longer than _PACE_ABOVE it pauses _PACE times as
# long, at most _PACE_AT_MOST, or longer if it is ahead of a pass of _PASS. Measured
# (bench/README.md, 1,000 subscribers, 100 events/s, one core): the pause leaves the loop
# to webhooks; as long as the writes, it saturated the core when passes wrote everyone at
# once; half as long it always does. _PASS keeps a machine with cheap writes from spending
# its core on passes shorter than anyone needs.
_SLICE = 0.002
_PACE_ABOVE = 0.001
_PACE = 1.5
_PASS = 0.025
_PACE_AT_MOST = 0.025
# Catching up (LiveAudiences' `catch_up`): a pass behind its _PASS pauses only
# _PACE_BEHIND times its slices, unless the process used _BUSY of a core or more over the
# last _CPU_WINDOW or longer. Measured on SQLite, run in turn with the fixed pauses: p99
# 33-46 ms in 9 runs against 35-55 ms (bench/README.md, sixth session).
# On PostgreSQL the webhook's transaction makes its ~10 round trips on the loop, each
# waiting out a slice: shorter pauses starved them while the core was not busy (p50
# 0.33-0.56 s against 0.03-0.20 s), so there the audiences do not catch up.
_PACE_BEHIND = 0.5
_BUSY = 0.9
_CPU_WINDOW = 0.01
_cpu_time = time.process_time  # the process's CPU seconds, all threads


@dataclass(frozen=True, slots=True)
class _Target:
    """Where one graphql-transport-ws operation's messages can be written."""

    writer: FrameWriter
    operation: Operation[Any, Any]
    handler: BaseGraphQLTransportWSHandler[Any, Any]

    @property
    def open(self) -> bool:
        """The connection takes frames and the client has not completed the operation."""
        return self.writer.open and self.subscribed

    @property
    def subscribed(self) -> bool:
        """The client has not completed the operation (if it has, its task is about to end)."""
        operation = self.operation
        return self.handler.operations.get(operation.id) is operation and not operation.completed


# Set in each operation's task (LiveFramesHandler), read by the resolver it runs.
_TARGET: ContextVar[_Target | None] = ContextVar("callboard_live_target", default=None)


class LiveFramesHandler(TransportWSHandler):
    """Callboard's graphql-transport-ws handler, telling each operation's resolver where
    its messages can be written directly."""

    async def run_operation(self, operation: Operation[Any, None]) -> None:
        request = getattr(self.context, "request", None)
        writer = frame_writer(getattr(request, "scope", None) or {})
        if writer is not None:
            _TARGET.set(_Target(writer, operation, self))
        await super().run_operation(operation)


class LiveAudiences:
    """The audiences of one running app (event ids are unique to its store only).
    `buffer`: how many events' worth of unread bytes a member's connection may hold;
    `catch_up`: whether a pass running late shortens its pauses while the core has room
    (only where the webhooks' transactions do not run on the loop: see _PACE_BEHIND)."""

    def __init__(self, *, buffer: int, catch_up: bool = False) -> None:
        self._buffer = buffer
        self.catch_up = catch_up
        self._audiences: dict[Hashable, _Audience] = {}

    def __len__(self) -> int:
        return len(self._audiences)

    def direct(self, to_root: Callable[[Any], Any]) -> DirectFactory[Any, Any] | None:
        """For the subscription resolver running in this task: how its live events can go
        around it (`to_root` makes the root value its iterator would yield), or None."""
        target, executor = _TARGET.get(), SUBSCRIPTION_EXECUTOR.get()
        if target is None or executor is None:
            return None
        key = executor.audience_key()
        if key is None:
            return None

        def join(subscriber: Subscriber[Any, Any]) -> Direct[Any] | None:
            if not target.open:
                return None
            audience = self._audiences.get(key)
            if audience is None:
                audience = self._audiences[key] = _Audience(self, key, to_root, self._buffer)
            return audience.join(subscriber, target, executor)

        return join

    def forget(self, key: Hashable, audience: _Audience) -> None:
        if self._audiences.get(key) is audience:
            del self._audiences[key]


class _Member:
    __slots__ = ("audience", "executor", "gone", "prefix", "subscriber", "target")

    def __init__(
        self,
        audience: _Audience,
        subscriber: Subscriber[Any, Any],
        target: _Target,
        executor: SharingExecutor,
    ) -> None:
        self.audience = audience
        self.subscriber = subscriber
        self.executor = executor
        self.target = target
        self.gone = False  # closing, or completed by the client: writes nothing more
        # What strawberry would send for an error-free result, up to the data.
        op_id = json.dumps(target.operation.id)
        self.prefix = f'{{"id":{op_id},"type":"next","payload":{{"data":'.encode()

    @property
    def sink(self) -> _Audience:
        return self.audience

    def close(self) -> None:
        self.audience.leave(self)


class _Load:
    """Whether the process has been using most of a core (process CPU: all threads, so
    SQLite's too), looked at over windows of at least _CPU_WINDOW."""

    __slots__ = ("_busy", "_cpu", "_wall")

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), _cpu_time()
        self._busy = True  # until measured

    def busy(self, now: float) -> bool:
        elapsed = now - self._wall
        if elapsed >= _CPU_WINDOW:
            cpu = _cpu_time()
            self._busy = (cpu - self._cpu) / elapsed >= _BUSY
            self._wall, self._cpu = now, cpu
        return self._busy


class _Audience:
    def __init__(
        self, owner: LiveAudiences, key: Hashable, to_root: Callable[[Any], Any], buffer: int
    ) -> None:
        self._owner = owner
        self._key = key
        self._to_root = to_root
        self._buffer = buffer
        self._members: dict[_Member, None] = {}  # an ordered set
        self._pending: list[Logged] = []  # offered, not executed yet
        # Executed, and not yet written to every member: the events and their `data`.
        self._window: list[Logged] = []
        self._ids: list[int] = []
        self._data: list[bytes] = []
        self._offered = 0  # the last id offered: every member offers every event
        self._task: asyncio.Task[None] | None = None

    def join(
        self, subscriber: Subscriber[Any, Any], target: _Target, executor: SharingExecutor
    ) -> _Member:
        if subscriber.last is None:
            # Given nothing since it subscribed: what was offered before was published
            # before it subscribed.
            subscriber.last = self._offered
        member = _Member(self, subscriber, target, executor)
        self._members[member] = None
        return member

    def leave(self, member: _Member) -> None:
        self._members.pop(member, None)
        if not self._members and self._task is None:
            self._owner.forget(self._key, self)

    def offer(self, item: Logged) -> None:
        if item.id <= self._offered:
            return
        self._offered = item.id
        self._pending.append(item)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="callboard-live-audience")

    async def _run(self) -> None:
        # Passes over the members, each writing a member the events it lacks, in one
        # write. A write to every member takes a while (~12 µs each, most of it the
        # kernel's), so a pass goes in slices with pauses between them (the constants
        # above): the loop does other work (webhooks) meanwhile, and the events arriving
        # gather, to go out together. Unpaced, one core tops out below 100 events/s to
        # 1,000 subscribers. Rolling through the members, rather than writing to all of
        # them and then pausing, no member waits more than a pass for an event, and no
        # webhook waits for the writes to all of them.
        load = _Load() if self._owner.catch_up else None
        try:
            while self._members and (self._pending or self._window):
                order, at = list(self._members), 0
                began = time.perf_counter()
                while at < len(order):
                    if not await self._execute_pending():
                        return
                    started = time.perf_counter()
                    at = self._write(order, at, started + _SLICE)
                    now = time.perf_counter()
                    spent = now - started
                    if spent > _PACE_ABOVE:
                        # the next member is due _PASS * at / len after the pass began
                        due = began + _PASS * at / len(order) - now
                        pause = spent * _PACE
                        if due < 0 and load is not None and not load.busy(now):
                            pause = spent * _PACE_BEHIND
                        elif at < len(order):
                            pause = max(pause, due)
                        await asyncio.sleep(min(pause, _PACE_AT_MOST))
                self._forget_written()
                await asyncio.sleep(0)  # whatever happened in the pass, the loop runs
        except Exception:
            # Nothing is lost for a fault here: the members' iterators take over.
            log.exception("writing live events failed; subscribers continue without sharing")
            self._give_back()
        finally:
            self._task = None
            if not self._members:
                self._clear()
                self._owner.forget(self._key, self)

    async def _execute_pending(self) -> bool:
        """Moves the pending events into the window; False if one had errors, and then
        every member is back on its own iterator."""
        while self._pending:
            item = self._pending[0]
            data = await self._execute(item)
            if data is None:
                # The ones before it go out as usual, then the iterators take over.
                self._write(list(self._members), 0, float("inf"))
                self._give_back()
                return False
            del self._pending[0]
            self._window.append(item)
            self._ids.append(item.id)
            self._data.append(data)
        return True

    async def _execute(self, item: Logged) -> bytes | None:
        """The event's `data` as JSON, or None if its result has errors."""
        member = next(iter(self._members), None)
        if member is None:
            return None
        try:
            result = member.executor.execute_event(self._to_root(item))
            if inspect.isawaitable(result):
                result = await result
        except Exception:  # each member's own execution reports it
            return None
        if result.errors or result.data is None:
            return None
        data = result.data
        text = data.json() if isinstance(data, SharedData) else json.dumps(data)
        return text.encode()

    def _forget_written(self) -> None:
        """Drops from the window what every member still taking events has."""
        lasts = [m.subscriber.last or 0 for m in self._members if not m.gone]
        written = bisect.bisect_right(self._ids, min(lasts, default=self._offered))
        del self._window[:written], self._ids[:written], self._data[:written]

    def _clear(self) -> None:
        self._pending, self._window, self._ids, self._data = [], [], [], []

    def _give_back(self) -> None:
        """Every member back to its own iterator, with what it has not been given."""
        items = [*self._window, *self._pending]
        self._clear()
        members, self._members = list(self._members), {}
        for member in members:
            last = member.subscriber.last or 0
            member.subscriber.give_back([item for item in items if item.id > last])

    def _write(self, order: list[_Member], at: int, until: float) -> int:
        """Writes the members from order[at] on each what it lacks of the window, until
        the clock passes `until`; returns where it stopped."""
        # Runs once per member per pass: kept lean (a write is ~12 µs, ~8 of them the
        # kernel's; everything here adds to it).
        ids, data = self._ids, self._data
        newest = ids[-1] if ids else 0
        frames_by_start: dict[tuple[bytes, int], bytes] = {}
        clock = time.perf_counter
        while at < len(order):
            member = order[at]
            at += 1
            subscriber = member.subscriber
            last = subscriber.last or 0
            if last >= newest or member.gone or member not in self._members:
                continue
            if not member.target.subscribed:
                member.gone = True  # going away: its task ends and it leaves
                continue
            start = bisect.bisect_right(ids, last)
            key = (member.prefix, start)
            frames = frames_by_start.get(key)
            if frames is None:
                frames = b"".join(text_frame(member.prefix + d + b"}}") for d in data[start:])
                frames_by_start[key] = frames
            waiting = member.target.writer.write(frames)
            if waiting is None:
                member.gone = True  # the connection is closing: its task ends and it leaves
                continue
            subscriber.last = newest
            if waiting > self._buffer * len(frames) // (len(ids) - start):
                self.leave(member)
                subscriber.cut_off()
            if clock() > until:
                break
        return at
