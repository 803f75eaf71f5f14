"""Deliveries: the body a WebSocket subscriber gets, signed; retried, given up, sent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.harness import FROM_START, next_event
from tests.outbound.documents import CALL_EVENTS, DELIVERIES, ENDPOINTS, REDELIVER, ROTATE
from tests.outbound.rig import PROVIDER, Rig, eventually, outbound_rig, until


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with outbound_rig() as rig:
        yield rig


async def deliveries(rig: Rig, endpoint: dict[str, str]) -> list[dict[str, Any]]:
    data = await rig.api.query(DELIVERIES, {"endpoint": endpoint["id"]})
    return data["webhookDeliveries"]["nodes"]  # type: ignore[no-any-return]


async def tried(
    rig: Rig, endpoint: dict[str, str], done: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The endpoint's deliveries once the newest is `done` (else empty)."""
    found = await deliveries(rig, endpoint)
    return found if found and done(found[0]) else []


async def test_the_body_is_what_a_websocket_subscriber_gets(rig: Rig) -> None:
    endpoint = await rig.endpoint("crm", CALL_EVENTS, variables={"p": PROVIDER})
    await rig.call_event("A1")
    # The same selection from the first event on (`after` as a literal: ID or String).
    replaying = CALL_EVENTS.replace(
        "callEvents(provider: $p)", f'callEvents(provider: $p, after: "{FROM_START}")'
    )
    async with rig.api.subscription(replaying, {"p": PROVIDER}) as events:
        live = await next_event(events)
    await until(lambda: len(rig.receiver.got["crm"]) == 1)
    [got] = rig.receiver.got["crm"]
    assert got.payload == {"data": live}
    assert rig.receiver.refused == []
    # The receiver has answered; the worker records the answer just after.
    [delivery] = await eventually(lambda: tried(rig, endpoint, lambda d: d["attempts"] == 1))
    assert delivery["id"] == got.webhook_id
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["lastStatusCode"] == 200


async def test_a_failing_receiver_is_retried_with_backoff_then_gets_it(rig: Rig) -> None:
    failing = True
    rig.receiver.answer = lambda name: 503 if failing else 200
    endpoint = await rig.endpoint("crm", CALL_EVENTS)
    await rig.call_event("B1")
    [pending] = await eventually(lambda: tried(rig, endpoint, lambda d: d["attempts"] == 1))
    assert pending["status"] == "PENDING"
    assert pending["lastStatusCode"] == 503
    assert pending["lastError"] == "HTTP 503"
    assert pending["nextAttemptAt"] is not None
    await asyncio.sleep(0.2)
    assert len((await deliveries(rig, endpoint))[0]["history"]) == 1  # not before its time
    failing = False
    rig.clock.advance(7)  # past the first wait (5 s, jittered by at most a fifth)
    rig.wake()
    await until(lambda: len(rig.receiver.got["crm"]) == 1)
    [done] = await deliveries(rig, endpoint)
    assert done["status"] == "SUCCEEDED"
    assert [a["statusCode"] for a in done["history"]] == [503, 200]


async def test_a_refusal_is_final_and_the_next_one_goes(rig: Rig) -> None:
    rig.receiver.answer = lambda name: 410
    endpoint = await rig.endpoint("crm", CALL_EVENTS)
    await rig.call_event("C1")
    await eventually(lambda: tried(rig, endpoint, lambda d: d["status"] == "FAILED"))
    rig.receiver.answer = lambda name: 200
    await rig.call_event("C2")
    await until(lambda: len(rig.receiver.got["crm"]) == 1)
    newest, oldest = await deliveries(rig, endpoint)
    assert (newest["status"], oldest["status"]) == ("SUCCEEDED", "FAILED")
    assert oldest["lastStatusCode"] == 410
    again = (await rig.api.query(REDELIVER, {"delivery": oldest["id"]}))["redeliverWebhook"]
    assert again["userErrors"] == []
    await until(lambda: len(rig.receiver.got["crm"]) == 2)
    assert rig.receiver.got["crm"][-1].webhook_id == oldest["id"]


async def test_an_endpoint_failing_for_the_whole_window_is_disabled(rig: Rig) -> None:
    rig.receiver.answer = lambda name: 500
    endpoint = await rig.endpoint("crm", CALL_EVENTS)
    await rig.call_event("D1")
    async with asyncio.timeout(15):
        while True:
            listed = (await rig.api.query(ENDPOINTS))["webhookEndpoints"][0]
            if not listed["enabled"]:
                break
            rig.clock.advance(3600)
            rig.wake()
            await asyncio.sleep(0.05)
    assert "Deliveries failed for 24 h" in listed["disabledReason"]
    assert "HTTP 500" in listed["disabledReason"]
    [failed] = await deliveries(rig, endpoint)
    assert failed["status"] == "FAILED"


async def test_during_a_rotation_both_secrets_sign(rig: Rig) -> None:
    endpoint = await rig.endpoint("crm", CALL_EVENTS)
    old = rig.receiver.secrets["crm"]
    rotated = (await rig.api.query(ROTATE, {"id": endpoint["id"]}))["rotateWebhookSecret"]
    new = rotated["endpoint"]["secret"]
    for secret in (old, new):  # a receiver with either verifies
        rig.receiver.secrets["crm"] = secret
        before = len(rig.receiver.got["crm"])
        await rig.call_event(f"E-{secret[-6:]}")
        await until(lambda n=before + 1: len(rig.receiver.got["crm"]) == n)
    assert rig.receiver.refused == []
    rig.clock.advance(25 * 3600)  # the overlap is over: the old one no longer signs
    rig.receiver.secrets["crm"] = old
    await rig.call_event("E-late")
    await until(lambda: len(rig.receiver.refused) == 1)


async def test_pending_deliveries_are_on_the_metrics_page(rig: Rig) -> None:
    def pending(page: str) -> float:
        (line,) = [x for x in page.splitlines() if x.startswith("callboard_outbound_pending ")]
        return float(line.split()[1])

    failing = True
    rig.receiver.answer = lambda name: 503 if failing else 200
    endpoint = await rig.endpoint("crm", CALL_EVENTS)
    await rig.call_event("M1")
    await eventually(lambda: tried(rig, endpoint, lambda d: d["attempts"] == 1))
    assert pending((await rig.api.http.get(f"{rig.api.url}/metrics")).text) == 1
    failing = False
    rig.clock.advance(seconds=60)
    rig.wake()
    await eventually(lambda: tried(rig, endpoint, lambda d: d["status"] == "SUCCEEDED"))
    assert pending((await rig.api.http.get(f"{rig.api.url}/metrics")).text) == 0
