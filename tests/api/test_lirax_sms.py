"""SMS through the simulated LiraX: the modem's 5-second rule kept by Callboard, delivery
and incoming messages as events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.test_lirax_sms_wire import CHECK, EVENTS, SEND
from tests.harness import next_event
from tests.vendors import Rig, vendor_rig

MODEM = "380123456789"


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
