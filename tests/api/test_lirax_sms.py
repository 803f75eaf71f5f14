"""SMS through the simulated LiraX: the modem's 5-second rule kept by Callboard, delivery
and incoming messages as events, resumable with a cursor."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.test_lirax_sms_wire import CHECK, EVENTS, SEND
from tests.harness import next_event
from tests.vendors import Rig, vendor_rig

MODEM = "380123456789"
FOLLOW = """subscription($after: ID) {
  smsEvents(after: $after) { id direction status text cursor } }"""
FROM_START = base64.b64encode(b"SmsEvent:0").decode()  # the cursor before the first change


def message(rig: Rig, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "i": {
            "provider": rig.provider_id,
            "modem": MODEM,
            "agent": "101",
            "to": "+79123456789",
            "text": text,
            **extra,
        }
    }


@pytest.fixture
async def quick() -> AsyncIterator[Rig]:
    """The 5-second rule scaled to 0.2 s on both sides."""
    async with vendor_rig("lirax", credentials={"sms_interval": 0.2}) as rig:  # type: ignore[dict-item]
        rig.vendor.simulator.modem_interval = 0.2
        yield rig


async def test_a_burst_of_five_at_the_real_five_seconds(lirax: Rig) -> None:
    """The issue's own figure: 5 SMS through one modem take >= 20 s and none is refused."""
    lirax.api.http.timeout = httpx.Timeout(60)  # the fifth waits its turn for 20 s
    started = time.monotonic()
    results = await asyncio.gather(
        *(lirax.api.query(SEND, message(lirax, f"n{n}")) for n in range(5))
    )
    elapsed = time.monotonic() - started
    assert [r["sendSms"]["userErrors"] for r in results] == [[]] * 5
    assert len(lirax.vendor.simulator.sms) == 5
    assert elapsed >= 20


async def test_delivery_is_followed_live(quick: Rig) -> None:
    async with quick.api.subscription(EVENTS) as events:
        pending = asyncio.ensure_future(next_event(events))
        await asyncio.sleep(0.5)  # the subscription starts when first asked for an event
        sent = (await quick.api.query(SEND, message(quick, "hello")))["sendSms"]["sms"]
        statuses = [(await pending)["smsEvents"]["status"]]
        while statuses[-1] != "DELIVERED":
            statuses.append((await next_event(events))["smsEvents"]["status"])
    assert statuses[0] == "ACCEPTED"
    checked = await quick.api.query(CHECK, {"id": sent["id"]})
    assert checked["checkSms"]["sms"]["status"] == "DELIVERED"


async def test_an_unconnected_modem_is_a_clear_user_error(quick: Rig) -> None:
    quick.vendor.simulator.modems[MODEM].connected = False
    data = await quick.api.query(SEND, message(quick, "x"))
    (error,) = data["sendSms"]["userErrors"]
    assert (error["field"], error["vendorCode"]) == ("modem", "402")


async def test_an_expired_message(quick: Rig) -> None:
    quick.vendor.simulator.set_next_sms_outcome("expired")
    sent = (await quick.api.query(SEND, message(quick, "late")))["sendSms"]["sms"]
    await quick.vendor.simulator.wait_idle()
    await asyncio.sleep(0.25)  # checkSMS waits its turn on the modem
    checked = await quick.api.query(CHECK, {"id": sent["id"]})
    assert checked["checkSms"]["sms"]["status"] == "EXPIRED"


async def test_an_incoming_message_is_an_event(quick: Rig) -> None:
    async with quick.api.subscription(EVENTS) as events:
        pending = asyncio.ensure_future(next_event(events))
        await asyncio.sleep(0.5)
        await quick.vendor.simulator.receive_sms("79161234567", MODEM, "Привет")
        received = (await pending)["smsEvents"]
    assert (received["direction"], received["text"], received["phone"]) == (
        "INBOUND",
        "Привет",
        "+79161234567",
    )


async def test_a_resumed_subscription_gets_the_messages_it_missed_once_then_live(
    quick: Rig,
) -> None:
    sim = quick.vendor.simulator

    async def take(events: AsyncIterator[dict[str, Any]], count: int) -> list[dict[str, Any]]:
        return [(await next_event(events))["smsEvents"] for _ in range(count)]

    async def receive(text: str) -> None:
        await sim.receive_sms("79161234567", MODEM, text)
        await sim.wait_idle()  # the smsReceived webhook has been answered: it is stored

    await quick.api.query(SEND, message(quick, "out"))
    await sim.wait_idle()  # ACCEPTED, then DELIVERED by the smsDelivered webhook
    await receive("in 1")
    async with quick.api.subscription(FOLLOW, {"after": FROM_START}) as events:
        seen = await take(events, 3)
    await receive("in 2")  # while the client is away, after it saw the first one only
    async with quick.api.subscription(FOLLOW, {"after": seen[0]["cursor"]}) as events:
        resumed = await take(events, 3)
        await sim.receive_sms("79161234567", MODEM, "in 3")
        live = await take(events, 1)
        with pytest.raises(TimeoutError):
            await next_event(events, timeout=0.5)  # nothing twice at the seam
    assert resumed[:2] == seen[1:]
    assert [(m["status"], m["text"]) for m in [*seen, *resumed[2:], *live]] == [
        ("ACCEPTED", "out"),
        ("DELIVERED", "out"),
        ("RECEIVED", "in 1"),
        ("RECEIVED", "in 2"),
        ("RECEIVED", "in 3"),
    ]
