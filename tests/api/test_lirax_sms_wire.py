"""SMS through LiraX's GSM modems on the wire: the 5-second rule, 402/403, statuses, webhooks."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from callboard import inbox
from tests.api.conftest import Lirax
from tests.harness import Api, next_event

SEND = """mutation($i: SendSmsInput!) { sendSms(input: $i) {
  sms { id status phone modem direction } userErrors { field code message vendorCode } } }"""
CHECK = """mutation($id: ID!) { checkSms(id: $id) { sms { id status } userErrors { code } } }"""
EVENTS = """subscription { smsEvents { id direction status phone text modem } }"""
HOOK = {"from_LiraX_token": "hook-token"}


def message(to: str = "+79123456789", text: str = "Hi") -> dict[str, object]:
    return {
        "i": {"provider": "crm", "modem": "380123456789", "agent": "101", "to": to, "text": text}
    }


async def test_send_sms_form_and_id(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["sendSMS"] = httpx.Response(200, json={"id_sms": 1910})
    data = await api.query(SEND, message(to="8 912 345-67-89", text="Подготовить"))
    assert data["sendSms"]["sms"]["status"] == "ACCEPTED"
    assert lirax.forms[-1] == {
        "cmd": "sendSMS",
        "ext": "101",
        "provider": "380123456789",
        "phone": "79123456789",
        "text": "Подготовить",
        "token": "command-token",
    }


async def test_a_burst_through_one_modem_is_spaced_and_none_refused(
    rig: tuple[Api, Lirax],
) -> None:
    api, lirax = rig
    lirax.queued["sendSMS"] = [httpx.Response(200, json={"id_sms": n}) for n in range(5)]
    results = await asyncio.gather(*(api.query(SEND, message(text=str(n))) for n in range(5)))
    assert all(r["sendSms"]["userErrors"] == [] for r in results)
    gaps = [b - a for a, b in zip(lirax.times, lirax.times[1:], strict=False)]
    interval = 0.2  # the fixture's sms_interval (LiraX's 5 s, scaled)
    assert all(gap >= interval * 0.95 for gap in gaps), gaps
    assert lirax.times[-1] - lirax.times[0] >= 4 * interval * 0.95


async def test_modem_not_connected_and_busy(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["sendSMS"] = httpx.Response(402)
    data = await api.query(SEND, message())
    (error,) = data["sendSms"]["userErrors"]
    assert (error["field"], error["vendorCode"]) == ("modem", "402")
    assert "not connected" in error["message"]
    # busy once (someone else used the modem): Callboard waits its turn and tries again
    lirax.queued["sendSMS"] = [httpx.Response(403)]
    lirax.replies["sendSMS"] = httpx.Response(200, json={"id_sms": 7})
    retried = await api.query(SEND, message())
    assert retried["sendSms"]["userErrors"] == []
    lirax.queued["sendSMS"] = [httpx.Response(403), httpx.Response(403)]
    busy = await api.query(SEND, message())
    assert busy["sendSms"]["userErrors"][0]["vendorCode"] == "403"


async def test_statuses_from_check_sms_and_the_delivered_webhook(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["sendSMS"] = httpx.Response(200, json={"id_sms": 55})
    sms_id = (await api.query(SEND, message()))["sendSms"]["sms"]["id"]
    lirax.replies["checkSMS"] = httpx.Response(200, json={"sms_status": 2})
    checked = await api.query(CHECK, {"id": sms_id})
    assert checked["checkSms"]["sms"]["status"] == "SENDING"
    assert lirax.forms[-1]["cmd"] == "checkSMS"
    assert lirax.forms[-1]["id_sms"] == "55"
    async with api.subscription(EVENTS) as events:
        # the subscription starts when first asked for an event; give it time to be live
        pending = asyncio.ensure_future(next_event(events))
        await asyncio.sleep(0.5)
        hook = {**HOOK, "cmd": "smsDelivered", "id_sms": "55"}
        assert (await api.http.post(f"{api.webhook_base}/crm", data=hook)).status_code == 200
        delivered = (await pending)["smsEvents"]
    assert (delivered["id"], delivered["status"]) == (sms_id, "DELIVERED")
    lirax.replies["checkSMS"] = httpx.Response(200, json={"sms_status": 2})
    late = await api.query(CHECK, {"id": sms_id})
    assert late["checkSms"]["sms"]["status"] == "DELIVERED"  # never back to SENDING


async def test_an_incoming_sms_with_the_pages_typos(rig: tuple[Api, Lirax]) -> None:
    api, _ = rig
    # the page's example, as written: id_sms for id, and "text>Hello"
    body = (
        "cmd=smsReceived&from_LiraX_token=hook-token&id_sms=121&ani=38012345679"
        "&provider=380112345678&text>Hello"
    )
    async with api.subscription(EVENTS) as events:
        pending = asyncio.ensure_future(next_event(events))
        await asyncio.sleep(0.5)
        response = await api.http.post(
            f"{api.webhook_base}/crm",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
        received = (await pending)["smsEvents"]
    assert received["direction"] == "INBOUND"
    assert received["status"] == "RECEIVED"
    assert received["text"] == "Hello"
    assert received["phone"] == "38012345679"  # a digit short: kept as written


async def test_a_delivery_whose_processing_fails_is_kept_and_processed_later(
    rig: tuple[Api, Lirax], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delivery is on disk before the answer; its SMS is written with its events in
    one transaction: a failure there leaves nothing half done, the vendor still gets its
    200, and the inbox loop processes the delivery in full."""
    api, _ = rig
    real = inbox.apply_sms
    failures = iter([RuntimeError("disk full")])

    def flaky(*args: Any, **kwargs: Any) -> Any:
        for failure in failures:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(inbox, "apply_sms", flaky)
    hook = {
        **HOOK,
        "cmd": "smsReceived",
        "id": "9",
        "ani": "79161234567",
        "provider": "380112345678",
        "text": "again",
    }
    async with api.subscription(EVENTS) as events:
        pending = asyncio.ensure_future(next_event(events, timeout=15))
        await asyncio.sleep(0.5)
        first = await api.http.post(f"{api.webhook_base}/crm", data=hook)
        assert first.status_code == 200, "kept: the vendor must not resend"
        received = (await pending)["smsEvents"]
    assert received["text"] == "again"
    resend = await api.http.post(f"{api.webhook_base}/crm", data=hook)
    assert resend.status_code == 200
