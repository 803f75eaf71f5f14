"""Claims on the outbox: each due delivery taken by exactly one instance, only an
endpoint's oldest, and a dead instance's claims handed on when their lease runs out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection

from callboard.domain.calls import CallEvent, CallEventKind
from callboard.domain.webhook_endpoints import (
    CALL_STREAM,
    Attempt,
    DeliveryStatus,
    Endpoint,
    EndpointFilter,
)
from callboard.store.engine import Store
from callboard.store.webhook_outbox import Settled
from tests.services import BOTH_DATABASES, database

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LEASE = timedelta(seconds=10)


@pytest.fixture(params=BOTH_DATABASES)
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Store, Store]]:
    """Two instances' stores on one database."""
    async with database(request.param) as url:
        if url == "sqlite://":
            # one file both open (memory would give each its own)
            url = f"sqlite:///{request.getfixturevalue('tmp_path')}/outbox.db"
        first = await Store.open(url)
        second = await Store.open(url)
        try:
            yield first, second
        finally:
            await second.close()
            await first.close()


async def seed(store: Store, *, endpoints: int, events: int) -> list[str]:
    """Endpoints taking every call event, and `events` events for each of them."""
    ids = []
    for n in range(endpoints):
        endpoint = Endpoint(
            id=str(uuid.uuid4()),
            client="local",
            url=f"https://crm.example/{n}",
            subscription="subscription { callEvents { id } }",
            variables=None,
            description=None,
            filter=EndpointFilter(CALL_STREAM),
            disabled_reason=None,
            created_at=T0,
            secret="whsec_c2VjcmV0",
        )
        ids.append((await store.webhook_endpoints.add(endpoint)).id)
    made = [
        CallEvent(n, "call", "lirax-main", CallEventKind.COMPLETED, T0)
        for n in range(1, events + 1)
    ]

    def write(conn: Connection) -> int:
        return store.outbox.enqueue(conn, made, T0)

    assert await store._transactions.run(write) == endpoints * events
    return ids


def done(at: datetime) -> Settled:
    return Settled(Attempt(at, 200, 1.0), DeliveryStatus.SUCCEEDED, None, None)


async def test_each_delivery_is_claimed_once_and_in_order(stores: tuple[Store, Store]) -> None:
    await seed(stores[0], endpoints=4, events=15)
    sent: dict[str, list[int]] = {}
    now = T0

    async def instance(store: Store, owner: str) -> list[int]:
        claimed = await store.outbox.claim(owner, now, now + LEASE, skip=[], limit=10)
        for delivery in claimed:
            assert await store.outbox.settle(delivery, owner, done(now))
            sent.setdefault(delivery.endpoint_id, []).append(delivery.event_id)
        return [d.id for d in claimed]

    for _ in range(100):
        first, second = await asyncio.gather(instance(stores[0], "a"), instance(stores[1], "b"))
        assert not set(first) & set(second)
        if not first and not second:
            break
    assert all(events == list(range(1, 16)) for events in sent.values())
    assert len(sent) == 4


async def test_only_an_endpoints_oldest_is_claimed(stores: tuple[Store, Store]) -> None:
    await seed(stores[0], endpoints=1, events=3)
    [head] = await stores[0].outbox.claim("a", T0, T0 + LEASE, skip=[], limit=10)
    assert head.event_id == 1
    # in flight: nobody else takes it, nor the next one
    assert await stores[1].outbox.claim("b", T0, T0 + LEASE, skip=[], limit=10) == []


async def test_a_dead_instances_claim_is_taken_over_after_its_lease(
    stores: tuple[Store, Store],
) -> None:
    await seed(stores[0], endpoints=1, events=2)
    [held] = await stores[0].outbox.claim("dead", T0, T0 + LEASE, skip=[], limit=10)
    later = T0 + timedelta(seconds=5)
    assert await stores[1].outbox.claim("b", later, later + LEASE, skip=[], limit=10) == []
    expired = T0 + LEASE + timedelta(seconds=1)
    [taken] = await stores[1].outbox.claim("b", expired, expired + LEASE, skip=[], limit=10)
    assert taken.id == held.id
    # the dead one's late answer no longer counts; the new holder's does
    assert not await stores[0].outbox.settle(held, "dead", done(expired))
    assert await stores[1].outbox.settle(taken, "b", done(expired))
    [following] = await stores[1].outbox.claim("b", expired, expired + LEASE, skip=[], limit=1)
    assert following.event_id == 2


async def test_retention_removes_settled_deliveries_only(stores: tuple[Store, Store]) -> None:
    store = stores[0]
    await seed(store, endpoints=1, events=2)
    [first] = await store.outbox.claim("a", T0, T0 + LEASE, skip=[], limit=1)
    assert await store.outbox.settle(first, "a", done(T0))
    assert await store.outbox.prune(T0 + timedelta(days=8)) == 1
    [left] = await store.outbox.claim("a", T0, T0 + LEASE, skip=[], limit=1)
    assert left.event_id == 2  # still owed


async def test_settling_claims_the_endpoints_next_when_it_is_due(
    stores: tuple[Store, Store],
) -> None:
    await seed(stores[0], endpoints=1, events=3)
    [first] = await stores[0].outbox.claim("a", T0, T0 + LEASE, skip=[], limit=1)
    held, following = await stores[0].outbox.settle_then_claim(first, "a", done(T0), T0, T0 + LEASE)
    assert held
    assert following is not None
    assert following.event_id == 2
    assert await stores[1].outbox.claim("b", T0, T0 + LEASE, skip=[], limit=10) == []
    early = T0 - timedelta(seconds=1)  # the third is not due yet at this time
    held, following = await stores[0].outbox.settle_then_claim(
        following, "a", done(T0), early, early + LEASE
    )
    assert (held, following) == (True, None)
