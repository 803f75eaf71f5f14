"""Live events written once per audience straight to the subscribers' connections
(callboard/live/audiences.py), with a real fan-out (events/fanout.py) and stand-ins
for the WebSocket, the operation and the executor."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import ExecutionResult, GraphQLError
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from callboard.domain.errors import SubscriberTooSlow
from callboard.events.fanout import Fanout
from callboard.live import audiences as live_audiences
from callboard.live.audiences import LiveAudiences
from callboard.live.frames import text_frame
from callboard.live.shared_results import SUBSCRIPTION_EXECUTOR, SharedData


@dataclass(frozen=True)
class Item:
    id: int
    bad: bool = False  # its execution has errors


class Log:
    """The stored log the fan-out replays from."""

    def __init__(self) -> None:
        self.items: list[Item] = []

    async def pruned_through(self) -> int:
        return 0

    async def after(self, cursor: int, where: Any, limit: int) -> list[Item]:
        await asyncio.sleep(0)  # a read from the store: events may be published meanwhile
        return [item for item in self.items if item.id > cursor][:limit]


class Everything:
    def matches(self, item: Item) -> bool:
        return True


@dataclass
class Executor:
    """Stands in for SharingExecutor: an event's data is {"n": id}; a bad one has errors."""

    key: Hashable = "document"
    executed: list[int] = field(default_factory=list)

    def audience_key(self) -> tuple[Hashable, ...]:
        return (self.key,)

    async def execute_event(self, item: Item) -> ExecutionResult:
        self.executed.append(item.id)
        await asyncio.sleep(0)  # like a resolver reading the store
        if item.bad:
            return ExecutionResult(None, [GraphQLError("bad")])
        return ExecutionResult(SharedData({"n": item.id}))


class Connection:
    """Stands in for FrameWriter: keeps what was written, and notes the events in the
    listener's timeline; `backlog` is what the client has not read."""

    def __init__(self, timeline: list[int]) -> None:
        self.writes: list[bytes] = []
        self.timeline = timeline
        self.backlog = 0
        self.fail = False
        self.open = True  # accepted, uncompressed

    def write(self, frames: bytes) -> int | None:
        if self.fail:
            raise OSError("the connection broke")
        self.writes.append(frames)
        self.timeline.extend(m["payload"]["data"]["n"] for m in _messages(frames))
        return self.backlog

    def messages(self) -> list[dict[str, Any]]:
        return _messages(b"".join(self.writes))


def _messages(frames: bytes) -> list[dict[str, Any]]:
    return [json.loads(m) for m in _unframe(frames)]


def _unframe(data: bytes) -> list[bytes]:
    """A server's frames back into their messages, by websockets' own parser (RFC 6455
    5.2); each must be one final, unmasked text frame."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    messages = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)  # all the data is there: it never waits for more
        except StopIteration as parsed:
            frame = parsed.value
        else:
            raise AssertionError("a frame cut short")
        assert frame.opcode is Opcode.TEXT, "text frames"
        assert frame.fin, "one frame per message"
        messages.append(bytes(frame.data))
    return messages


class Handler:
    def __init__(self) -> None:
        self.operations: dict[str, Operation[Any, Any]] = {}


@dataclass
class Listener:
    connection: Connection
    yielded: list[int]  # what its own iterator gave (executed and sent by strawberry)
    timeline: list[int]  # everything it was given, written or yielded, in order
    task: asyncio.Task[None]
    operation: Operation[Any, Any]
    handler: Handler

    def written(self) -> list[int]:
        return [m["payload"]["data"]["n"] for m in self.connection.messages()]


async def listen(
    audiences: LiveAudiences,
    fanout: Fanout[Item, Everything],
    executor: Executor,
    *,
    op_id: str = "1",
    after: int | None = None,
    settled: bool = True,
) -> Listener:
    timeline: list[int] = []
    connection, yielded, handler = Connection(timeline), [], Handler()
    operation: Operation[Any, Any] = Operation(handler, op_id, "subscription", None, None)  # type: ignore[arg-type]
    handler.operations[op_id] = operation
    subscribed = asyncio.Event()

    async def run() -> None:
        # What LiveFramesHandler and SharingExecutor set in a real operation's task.
        target = live_audiences._Target(connection, operation, handler)  # type: ignore[arg-type]
        live_audiences._TARGET.set(target)
        SUBSCRIPTION_EXECUTOR.set(executor)  # type: ignore[arg-type]
        direct = audiences.direct(lambda item: item)
        stream = fanout.subscribe(Everything(), after, direct)
        subscribed.set()
        async for item in stream:
            yielded.append(item.id)
            timeline.append(item.id)
            await asyncio.sleep(0)  # strawberry sending it

    task = asyncio.create_task(run())
    await subscribed.wait()
    if settled:
        await settle()
    return Listener(connection, yielded, timeline, task, operation, handler)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture(autouse=True, scope="module")
def unpaced() -> Iterator[None]:
    """No pause after a slow write (a loaded machine can take 1 ms to write to a few
    stand-ins): `settle` would not wait for it. Pacing has a test of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(live_audiences, "_PACE_ABOVE", float("inf"))
        yield


def setup(
    buffer: int = 1000, *, catch_up: bool = False
) -> tuple[LiveAudiences, Fanout[Item, Everything], Log]:
    log = Log()
    fanout: Fanout[Item, Everything] = Fanout(log, buffer=buffer, requery="q", cursor="c")
    return LiveAudiences(buffer=buffer, catch_up=catch_up), fanout, log


def publish(fanout: Fanout[Item, Everything], log: Log, *items: Item) -> None:
    log.items.extend(items)
    fanout.deliver(items)


async def test_each_event_executed_once_and_written_to_every_listener() -> None:
    audiences, fanout, log = setup()
    executor = Executor()
    listeners = [await listen(audiences, fanout, executor, op_id=f"op-{n}") for n in range(3)]
    for n in range(1, 4):
        publish(fanout, log, Item(n))
        await settle()
    assert executor.executed == [1, 2, 3]
    for n, listener in enumerate(listeners):
        assert listener.written() == [1, 2, 3]
        assert listener.yielded == []  # none of it went through the iterator
        assert [m["id"] for m in listener.connection.messages()] == [f"op-{n}"] * 3
        assert listener.connection.messages()[0] == {
            "id": f"op-{n}",
            "type": "next",
            "payload": {"data": {"n": 1}},
        }


async def test_events_arriving_together_go_out_in_one_write_per_listener() -> None:
    audiences, fanout, log = setup()
    listeners = [await listen(audiences, fanout, Executor()) for _ in range(2)]
    publish(fanout, log, Item(1), Item(2))
    publish(fanout, log, Item(3))
    await settle()
    for listener in listeners:
        assert len(listener.connection.writes) == 1
        assert listener.written() == [1, 2, 3]


async def test_after_a_slow_write_events_gather_for_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_audiences, "_PACE_ABOVE", 0.001)
    audiences, fanout, log = setup()
    listener = await listen(audiences, fanout, Executor())
    real_write = listener.connection.write

    def slow_write(frames: bytes) -> int | None:
        time.sleep(0.01)  # like 1,000 subscribers' sends
        return real_write(frames)

    listener.connection.write = slow_write  # type: ignore[method-assign]
    publish(fanout, log, Item(1))
    await settle()  # written, and the audience pauses 15 ms
    for n in range(2, 5):
        publish(fanout, log, Item(n))
        await settle()
    assert [len(_messages(frames)) for frames in listener.connection.writes] == [1]
    await asyncio.sleep(0.1)
    assert [len(_messages(frames)) for frames in listener.connection.writes] == [1, 3]
    assert listener.timeline == [1, 2, 3, 4]


async def test_a_pass_rolls_through_the_listeners_and_later_ones_get_fresher_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_audiences, "_PACE_ABOVE", 0.001)
    monkeypatch.setattr(live_audiences, "_PACE", 5.0)  # a 15 ms pause after each listener
    audiences, fanout, log = setup()
    listeners = [await listen(audiences, fanout, Executor()) for _ in range(3)]
    for listener in listeners:
        real_write = listener.connection.write

        def slow_write(frames: bytes, real_write: Any = real_write) -> int | None:
            time.sleep(0.003)  # longer than a slice: one listener per slice
            return real_write(frames)

        listener.connection.write = slow_write  # type: ignore[method-assign]
    publish(fanout, log, Item(1))
    await settle()  # the first is written, then the audience pauses
    writes = [len(listener.connection.writes) for listener in listeners]
    assert writes == [1, 0, 0]
    publish(fanout, log, Item(2))  # arrives during the pass
    await asyncio.sleep(0.3)
    # The others got both events in one write; the first gets the second in the next pass.
    batches = [[len(_messages(w)) for w in listener.connection.writes] for listener in listeners]
    assert batches == [[1, 1], [2], [2]]
    for listener in listeners:
        assert listener.timeline == [1, 2]


async def _gaps_between_listeners(
    monkeypatch: pytest.MonkeyPatch, *, catch_up: bool
) -> list[float]:
    """Four listeners, each written in a slice of its own (3 ms), in a pass always behind
    its schedule: the time from each write to the next, in seconds."""
    monkeypatch.setattr(live_audiences, "_PACE_ABOVE", 0.001)
    monkeypatch.setattr(live_audiences, "_PACE", 10.0)  # 30 ms after each listener, at most 25
    monkeypatch.setattr(live_audiences, "_PASS", 0.0)  # every member due at once: behind
    audiences, fanout, log = setup(catch_up=catch_up)
    listeners = [await listen(audiences, fanout, Executor()) for _ in range(4)]
    written: list[float] = []
    all_written = asyncio.Event()
    for listener in listeners:
        real_write = listener.connection.write

        def slow_write(frames: bytes, real_write: Any = real_write) -> int | None:
            time.sleep(0.003)  # a slice's worth of sends, spent in the kernel
            written.append(time.perf_counter())
            if len(written) == 4:
                all_written.set()
            return real_write(frames)

        listener.connection.write = slow_write  # type: ignore[method-assign]
    publish(fanout, log, Item(1))
    await asyncio.wait_for(all_written.wait(), 5)
    return [after - before for before, after in itertools.pairwise(written)]


async def test_a_pass_running_late_catches_up_while_the_core_has_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first pause comes before any load is measured (taken as busy): the full 25 ms.
    # Then the process is seen idle (its CPU time standing still, whatever else runs on
    # this machine), and the pauses are half a slice.
    monkeypatch.setattr(live_audiences, "_cpu_time", lambda: 0.0)
    *_, last = await _gaps_between_listeners(monkeypatch, catch_up=True)
    assert last < 0.015
    *_, last = await _gaps_between_listeners(monkeypatch, catch_up=False)
    assert last >= 0.025


async def test_a_pass_running_late_keeps_its_pauses_while_the_core_is_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The process using a whole core (its CPU time going as fast as the clock): the rest
    # of it (webhooks) keeps its share, and every pause is the full one.
    monkeypatch.setattr(live_audiences, "_cpu_time", time.perf_counter)
    gaps = await _gaps_between_listeners(monkeypatch, catch_up=True)
    assert min(gaps) >= 0.025


async def test_different_documents_are_different_audiences() -> None:
    audiences, fanout, log = setup()
    first, second = Executor("a"), Executor("b")
    await listen(audiences, fanout, first)
    await listen(audiences, fanout, second)
    publish(fanout, log, Item(1))
    await settle()
    assert (first.executed, second.executed) == ([1], [1])
    assert len(audiences) == 2


async def test_an_event_with_errors_and_those_after_it_go_back_to_the_iterators() -> None:
    audiences, fanout, log = setup()
    listeners = [await listen(audiences, fanout, Executor()) for _ in range(2)]
    publish(fanout, log, Item(1))
    await settle()
    publish(fanout, log, Item(2, bad=True), Item(3))
    await settle()
    publish(fanout, log, Item(4))  # caught up again: written directly
    await settle()
    for listener in listeners:
        assert listener.written() == [1, 4]
        assert listener.yielded == [2, 3]


async def test_an_event_with_errors_among_good_ones_keeps_the_order() -> None:
    audiences, fanout, log = setup()
    listener = await listen(audiences, fanout, Executor())
    publish(fanout, log, Item(1), Item(2, bad=True), Item(3))
    await settle()
    assert listener.written() == [1]
    assert listener.timeline == [1, 2, 3]


async def test_a_fault_while_writing_loses_nothing_and_repeats_nothing() -> None:
    audiences, fanout, log = setup()
    listeners = [await listen(audiences, fanout, Executor()) for _ in range(3)]
    listeners[1].connection.fail = True  # written to after the first, before the third
    publish(fanout, log, Item(1))
    await settle()
    listeners[1].connection.fail = False
    publish(fanout, log, Item(2))
    await settle()
    for listener in listeners:
        assert listener.timeline == [1, 2]


async def test_a_listener_whose_connection_backs_up_is_cut_off_alone() -> None:
    audiences, fanout, log = setup(buffer=3)
    slow, quick = [await listen(audiences, fanout, Executor()) for _ in range(2)]
    slow.connection.backlog = 10_000  # far more than 3 events' worth unread
    publish(fanout, log, Item(1))
    await settle()
    with pytest.raises(SubscriberTooSlow):
        await slow.task
    publish(fanout, log, Item(2))
    await settle()
    assert quick.written() == [1, 2]
    assert slow.written() == [1]


async def test_a_completed_operation_gets_nothing_more_and_its_audience_goes() -> None:
    audiences, fanout, log = setup()
    listener = await listen(audiences, fanout, Executor())
    publish(fanout, log, Item(1))
    await settle()
    del listener.handler.operations[listener.operation.id]  # the client sent `complete`
    publish(fanout, log, Item(2))
    await settle()
    assert listener.written() == [1]
    listener.task.cancel()  # what strawberry does next
    await asyncio.gather(listener.task, return_exceptions=True)
    assert len(audiences) == 0
    assert fanout.subscriber_count == 0


async def test_a_new_listener_does_not_get_events_published_before_it_subscribed() -> None:
    audiences, fanout, log = setup()
    await listen(audiences, fanout, Executor())
    publish(fanout, log, Item(1))  # still being executed when the next one joins
    late = await listen(audiences, fanout, Executor())
    publish(fanout, log, Item(2))
    await settle()
    assert late.timeline == [2]


# Each step: publish one event, let the loop run, or a listener subscribes from a cursor.
_steps = st.lists(
    st.one_of(
        st.just(("publish", 0)),
        st.just(("run", 0)),
        st.tuples(st.just("subscribe"), st.integers(min_value=0, max_value=20)),
    ),
    min_size=1,
    max_size=30,
)


@pytest.mark.parametrize("sliced", [False, True], ids=["whole-passes", "one-per-slice"])
@settings(max_examples=60, deadline=None)
@given(steps=_steps)
def test_every_listener_gets_each_event_after_its_cursor_once(
    sliced: bool, steps: list[tuple[str, int]]
) -> None:
    """However publishing interleaves with listeners replaying, catching up and joining
    the audience, each gets every event after its cursor exactly once and in order,
    whether its iterator yielded it or the audience wrote it. `sliced`: the audience
    writes one listener per slice and lets the loop run after each, so events arrive and
    listeners join in the middle of its passes."""
    paced = {"_SLICE": 0.0, "_PACE_ABOVE": 0.0, "_PACE": 0.0, "_PASS": 0.0} if sliced else {}

    async def settle() -> None:
        for _ in range(200):
            await asyncio.sleep(0)

    async def scenario() -> None:
        audiences, fanout, log = setup()
        executor = Executor()
        listeners: list[tuple[int, Listener]] = []
        for action, value in steps:
            if action == "publish":
                publish(fanout, log, Item(len(log.items) + 1))
            elif action == "run":
                await settle()
            else:
                cursor = min(value, len(log.items))
                listener = await listen(audiences, fanout, executor, after=cursor, settled=False)
                listeners.append((cursor, listener))
        publish(fanout, log, Item(len(log.items) + 1))
        await settle()
        everything = [item.id for item in log.items]
        for cursor, listener in listeners:
            assert listener.timeline == everything[cursor:]
        for _, listener in listeners:
            listener.task.cancel()
        await asyncio.gather(*(listener.task for _, listener in listeners), return_exceptions=True)

    with pytest.MonkeyPatch.context() as patch:
        for name, value in paced.items():
            patch.setattr(live_audiences, name, value)
        asyncio.run(scenario())


def test_frames_carry_their_length_as_rfc_6455_says() -> None:
    for size in (0, 125, 126, 65535, 65536):
        message = b"x" * size
        assert _unframe(text_frame(message)) == [message]
    assert text_frame(b"hi") == b"\x81\x02hi"
    assert text_frame(b"x" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert text_frame(b"x" * 65536)[:10] == b"\x81\x7f" + (65536).to_bytes(8, "big")
