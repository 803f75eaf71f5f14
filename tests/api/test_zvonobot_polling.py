"""Zvonobot calls made from a template: Zvonobot sends no webhook for them
(createWithTemplate takes no URL), so Callboard asks for them while they are unfinished
and turns what changed into the same call events."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.zvonobot_queries import START
from tests.harness import FROM_START, next_event
from tests.queries import CALL_EVENTS
from tests.vendors import Rig, vendor_rig

PHONE = "+7 912 345-67-89"
ASKED = "/apiCalls/getWithTemplates"


def template_call(rig: Rig, phone: str = PHONE) -> dict[str, Any]:
    return {"i": {"provider": rig.provider_id, "phones": [phone], "message": {"templateId": 1}}}


async def test_a_template_call_is_followed_to_its_end_without_a_webhook() -> None:
    options = {"moderation_lifted": True, "template_poll_seconds": 0.05}
    async with vendor_rig("zvonobot", credentials=options) as rig:
        sim = rig.vendor.simulator
        sim.set_outcome("79123456789", "answered")
        watch = {"provider": rig.provider_id, "after": FROM_START}
        async with rig.api.subscription(CALL_EVENTS, watch) as events:
            payload = (await rig.api.query(START, template_call(rig)))["startRobocall"]
            assert payload["userErrors"] == []
            (call,) = payload["calls"]
            statuses = []
            while not statuses or statuses[-1] != "COMPLETED":
                event = (await next_event(events, timeout=10))["callEvents"]
                assert event["call"]["id"] == call["id"]
                statuses.append(event["status"])
        assert not [d for d in sim.deliveries if d.call_id == int(call["providerCallId"])]
        assert sim.requests[ASKED] >= 1
        assert statuses[0] == "QUEUED"
        assert statuses[-1] == "COMPLETED"
        assert len(statuses) == len(set(statuses)), "each change once"
        # Finished: nothing is asked any more.
        asked = sim.requests[ASKED]
        await asyncio.sleep(0.3)
        assert sim.requests[ASKED] == asked


async def test_without_unfinished_template_calls_zvonobot_is_not_asked() -> None:
    options = {"moderation_lifted": True, "template_poll_seconds": 0.05}
    async with vendor_rig("zvonobot", credentials=options) as rig:
        await asyncio.sleep(0.3)
        assert rig.vendor.simulator.requests[ASKED] == 0


async def test_polling_off_asks_nothing() -> None:
    options = {"moderation_lifted": True, "template_poll_seconds": 0}
    async with vendor_rig("zvonobot", credentials=options) as rig:
        payload = (await rig.api.query(START, template_call(rig)))["startRobocall"]
        assert payload["userErrors"] == []
        await asyncio.sleep(0.3)
        assert rig.vendor.simulator.requests[ASKED] == 0
