"""Subscribers sending the same document share one execution per live event
(callboard/live/shared_results.py); everyone else executes their own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import strawberry

from callboard.live.shared_results import (
    SharedData,
    SharedResults,
    SharingExecutor,
    encode_shared,
)


@dataclass
class Counter:
    executions: int = 0
    events: asyncio.Queue[int] = field(default_factory=asyncio.Queue)


@strawberry.type
class Tick:
    id: int
    _counter: strawberry.Private[Counter]
    _shared: strawberry.Private[bool] = True

    def shared_key(self) -> tuple[str, int] | None:
        return ("Tick", self.id) if self._shared else None

    @strawberry.field
    async def label(self, prefix: str = "") -> str:
        self._counter.executions += 1
        await asyncio.sleep(0)  # an async resolver: the execution is under way a while
        return f"{prefix}{self.id}"

    @strawberry.field
    def failing(self) -> str:
        raise ValueError("this field always fails")


@strawberry.type
class Query:
    ok: bool = True


def make_schema(counter: Counter, *, shared: bool = True) -> strawberry.Schema:
    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def ticks(self, count: int) -> AsyncGenerator[Tick, None]:
            for i in range(count):
                yield Tick(id=i, _counter=counter, _shared=shared)

    return strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=SharingExecutor
    )


async def collect(
    schema: strawberry.Schema, query: str, cache: SharedResults, **variables: object
) -> list[object]:
    stream = await schema.stream(
        query,
        variable_values=variables or None,
        context_value=SimpleNamespace(shared_results=cache),
    )
    return [result.data async for result in stream]  # type: ignore[union-attr]


DOC = "subscription ($n: Int!, $p: String!) { ticks(count: $n) { id label(prefix: $p) } }"


async def test_one_execution_per_event_for_subscribers_sending_the_same_document() -> None:
    counter = Counter()
    schema = make_schema(counter)
    cache = SharedResults()
    results = await asyncio.gather(*(collect(schema, DOC, cache, n=5, p="#") for _ in range(40)))
    expected = [{"ticks": {"id": i, "label": f"#{i}"}} for i in range(5)]
    assert all(r == expected for r in results)
    assert counter.executions == 5  # not 40 * 5


async def test_other_variables_get_their_own_execution() -> None:
    counter = Counter()
    schema = make_schema(counter)
    cache = SharedResults()
    a, b = await asyncio.gather(
        collect(schema, DOC, cache, n=3, p="a"), collect(schema, DOC, cache, n=3, p="b")
    )
    assert [r["ticks"]["label"] for r in a] == ["a0", "a1", "a2"]  # type: ignore[index]
    assert [r["ticks"]["label"] for r in b] == ["b0", "b1", "b2"]  # type: ignore[index]
    assert counter.executions == 6


async def test_events_without_a_shared_key_are_executed_for_each_subscriber() -> None:
    counter = Counter()
    schema = make_schema(counter, shared=False)
    cache = SharedResults()
    await asyncio.gather(*(collect(schema, DOC, cache, n=2, p="x") for _ in range(3)))
    assert counter.executions == 6


async def test_another_app_shares_nothing_with_this_one() -> None:
    # Event ids are unique only within one store: two apps in one process (tests, or an
    # app restarted on another database) must not hand each other results.
    first, second = Counter(), Counter()
    a = await collect(make_schema(first), DOC, SharedResults(), n=2, p="a")
    b = await collect(make_schema(second), DOC, SharedResults(), n=2, p="a")
    assert a == b
    assert (first.executions, second.executions) == (2, 2)


async def test_results_with_errors_are_not_shared() -> None:
    counter = Counter()
    schema = make_schema(counter)
    query = "subscription { ticks(count: 2) { id failing } }"
    cache = SimpleNamespace(shared_results=SharedResults())
    streams = [await schema.stream(query, context_value=cache) for _ in range(3)]
    for stream in streams:
        results = [r async for r in stream]  # type: ignore[union-attr]
        assert [r.errors[0].message for r in results] == ["this field always fails"] * 2
        assert not any(isinstance(r.data, SharedData) for r in results)


def test_shared_data_is_encoded_once_around_each_subscribers_operation_id() -> None:
    data = SharedData({"ticks": {"id": 1, "label": "é"}})
    first = encode_shared({"id": "op-1", "type": "next", "payload": {"data": data}})
    second = encode_shared({"id": "op-2", "type": "next", "payload": {"data": data}})
    assert first is not None
    assert second is not None
    assert json.loads(first) == {"id": "op-1", "type": "next", "payload": {"data": data}}
    assert json.loads(second)["id"] == "op-2"
    assert data.json() is data.json()  # one text, reused


@pytest.mark.parametrize(
    "message",
    [
        {"id": "1", "type": "next", "payload": {"data": {"plain": "dict"}}},
        {"id": "1", "type": "next", "payload": {"data": SharedData(), "errors": []}},
        {"type": "ping"},
        "not a message",
    ],
)
def test_other_messages_are_left_to_the_ordinary_encoder(message: object) -> None:
    assert encode_shared(message) is None
