"""Parallel endpoints: up to `[outbound] parallel_deliveries` deliveries in flight at once,
each still claimed by one instance; ordered endpoints keep one at a time, in order; a
database made before the setting gains its column."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from callboard.store.engine import Store
from tests.outbound.documents import CALL_EVENTS, ENDPOINTS, UPDATE
from tests.outbound.rig import outbound_rig, until
from tests.outbound.test_claims import LEASE, T0, done, seed, stores  # noqa: F401
from tests.outbound.test_proof import check_all_once_in_order, event_number

WIDTH = 4  # `[outbound] parallel_deliveries` in these tests
# How long the receiver waits for WIDTH requests of an endpoint before answering anyway:
# an ordered endpoint never sends them, so each of its requests waits this long.
HOLD = 0.3


class Gate:
    """Holds each request until WIDTH of its endpoint are in, and counts the most in
    at once per endpoint."""

    def __init__(self) -> None:
        self.inside: dict[str, int] = defaultdict(int)
        self.most: dict[str, int] = defaultdict(int)
        self._full: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    async def arrive(self, name: str) -> None:
        self.inside[name] += 1
        self.most[name] = max(self.most[name], self.inside[name])
        if self.inside[name] >= WIDTH:
            self._full[name].set()
        try:
            async with asyncio.timeout(HOLD):
                await self._full[name].wait()
        except TimeoutError:
            pass
        finally:
            self.inside[name] -= 1
            if self.inside[name] == 0:
                self._full[name] = asyncio.Event()


async def test_a_parallel_endpoint_has_several_in_flight_an_ordered_one_one() -> None:
    async with outbound_rig(parallel_deliveries=WIDTH) as rig:
        gate = Gate()
        rig.receiver.arrive = gate.arrive
        wide = await rig.endpoint("wide", CALL_EVENTS, parallel=True)
        narrow = await rig.endpoint("narrow", CALL_EVENTS)
        assert (wide["parallel"], narrow["parallel"]) == (True, False)
        calls = [f"P{n}" for n in range(2 * WIDTH)]
        for callid in calls:
            await rig.call_event(callid)
        await until(lambda: len(rig.receiver.got["wide"]) == len(calls))
        await until(lambda: len(rig.receiver.got["narrow"]) == len(calls))
        assert gate.most["wide"] == WIDTH  # never more than the setting
        assert gate.most["narrow"] == 1
        # the ordered one in event order; the parallel one got each event once
        check_all_once_in_order(rig.receiver, "narrow", len(calls))
        wide_events = {event_number(r.payload) for r in rig.receiver.got["wide"]}
        assert wide_events == {event_number(r.payload) for r in rig.receiver.got["narrow"]}
        assert rig.receiver.refused == []


async def test_parallel_is_changed_by_update() -> None:
    async with outbound_rig() as rig:
        made = await rig.endpoint("crm", CALL_EVENTS)
        change = {"id": made["id"], "parallel": True}
        changed = (await rig.api.query(UPDATE, {"input": change}))["updateWebhookEndpoint"]
        assert changed["endpoint"]["parallel"] is True
        [listed] = (await rig.api.query(ENDPOINTS))["webhookEndpoints"]
        assert listed["parallel"] is True
        null = {"id": made["id"], "parallel": None}
        refused = (await rig.api.query(UPDATE, {"input": null}))["updateWebhookEndpoint"]
        assert refused["userErrors"][0]["field"] == "parallel"


async def test_a_parallel_endpoints_window_is_claimed_once_across_instances(
    stores: tuple[Store, Store],  # noqa: F811
) -> None:
    [endpoint] = await seed(stores[0], endpoints=1, events=WIDTH + 3)
    for store in stores:
        store.outbox.parallel_deliveries = WIDTH
    await stores[0].webhook_endpoints.change(endpoint, "local", {"parallel": True}, now=T0)
    first, second = await asyncio.gather(
        stores[0].outbox.claim("a", T0, T0 + LEASE, skip=[], limit=10),
        stores[1].outbox.claim("b", T0, T0 + LEASE, skip=[], limit=10),
    )
    # the window: the oldest WIDTH, each taken by one instance only
    assert sorted(d.event_id for d in first + second) == list(range(1, WIDTH + 1))
    assert not {d.id for d in first} & {d.id for d in second}
    assert await stores[1].outbox.claim("b", T0, T0 + LEASE, skip=[], limit=10) == []
    # one settled: the next enters the window, claimed with the settling
    held, following = await stores[0].outbox.settle_then_claim(
        (first or second)[0], "a" if first else "b", done(T0), T0, T0 + LEASE, parallel=True
    )
    assert held
    assert following is not None
    assert following.event_id == WIDTH + 1
    # a dead holder's claims are taken over after the lease, as an ordered head's are
    expired = T0 + LEASE + timedelta(seconds=1)
    taken = await stores[1].outbox.claim("b", expired, expired + LEASE, skip=[], limit=10)
    assert len(taken) == WIDTH


async def test_an_ordered_endpoint_still_has_only_its_head_claimed(
    stores: tuple[Store, Store],  # noqa: F811
) -> None:
    await seed(stores[0], endpoints=1, events=3)
    stores[0].outbox.parallel_deliveries = WIDTH
    [head] = await stores[0].outbox.claim("a", T0, T0 + LEASE, skip=[], limit=10)
    assert head.event_id == 1
    assert await stores[1].outbox.claim("b", T0, T0 + LEASE, skip=[], limit=10) == []


async def test_a_database_made_before_parallel_gains_the_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    store = await Store.open(url)
    [endpoint] = await seed(store, endpoints=1, events=2)
    await store.close()
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("ALTER TABLE webhook_endpoints DROP COLUMN parallel")
    store = await Store.open(url)
    try:
        found = await store.webhook_endpoints.get(endpoint)
        assert found is not None
        assert found.parallel is False  # NULL in the added column: ordered, as before
        [head] = await store.outbox.claim("a", T0, T0 + LEASE, skip=[], limit=10)
        assert head.event_id == 1
        await store.webhook_endpoints.change(endpoint, "local", {"parallel": True}, now=T0)
        found = await store.webhook_endpoints.get(endpoint)
        assert found is not None
        assert found.parallel is True
    finally:
        await store.close()
