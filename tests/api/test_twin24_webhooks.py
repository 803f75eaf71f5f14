"""Twin24's webhooks for calls to numbers added through Callboard: one Call per incoming
call, the incoming-call hook that comes twice, resends ignored, odd shapes kept."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import FROM_START, next_event
from tests.queries import CALL, CALL_EVENTS
from tests.vendors import Rig, post_webhook, vendor_rig

ADD = """
mutation($i: AddIncomingNumbersInput!) {
  addIncomingNumbers(input: $i) { numbers { number } userErrors { field message code } }
}"""

NUMBER, CALLER = "+74951234501", "+79123456789"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with vendor_rig("twin24") as rig:
        number = {"number": NUMBER, "name": "Sales", "did": "123"}
        options = {
            "provider": rig.provider_id,
            "numbers": [number],
            "action": "ROBOT",
            "botId": "bot-1",
            "recordCalls": True,
        }
        assert (await rig.api.query(ADD, {"i": options}))["addIncomingNumbers"]["userErrors"] == []
        yield rig


def hook_key(rig: Rig) -> str:
    rule = rig.vendor.simulator.rule(NUMBER)
    ours = next(u for u in rule["webhookUrls"] if u.startswith(rig.api.webhook_base))
    return parse_qs(urlsplit(ours).query)["key"][0]


async def test_an_incoming_call_is_one_inbound_call_from_ringing_to_its_recording(
    rig: Rig,
) -> None:
    watch = {"provider": rig.provider_id, "after": FROM_START}
    async with rig.api.subscription(CALL_EVENTS, watch) as events:
        await rig.vendor.simulator.ring(NUMBER, CALLER)
        kinds, call_ids = [], set()
        while "RECORDING_READY" not in kinds:
            event = (await next_event(events))["callEvents"]
            kinds.append(event["kind"])
            call_ids.add(event["call"]["id"])
    assert kinds == ["RINGING", "ANSWERED", "COMPLETED", "RECORDING_READY"]
    (call_id,) = call_ids
    call = (await rig.api.query(CALL, {"id": call_id}))["call"]
    assert (call["direction"], call["from"], call["to"]) == ("INBOUND", CALLER, NUMBER)
    assert call["status"] == "COMPLETED"
    assert call["recordingUrl"].endswith(".mp3")
    assert call["answeredAt"] is not None
    assert call["endedAt"] is not None


async def test_an_unanswered_call_ends_without_a_recording(rig: Rig) -> None:
    await rig.vendor.simulator.ring(NUMBER, CALLER, answer=False)
    await rig.vendor.simulator.wait_idle()
    data = await rig.api.query("{ calls { nodes { status recordingUrl events { kind } } } }")
    (call,) = data["calls"]["nodes"]
    assert call["status"] == "NO_ANSWER"
    assert call["recordingUrl"] is None
    assert "RECORDING_READY" not in [e["kind"] for e in call["events"]]


async def test_every_delivery_is_answered_200_and_a_resend_adds_nothing(rig: Rig) -> None:
    await rig.vendor.simulator.ring(NUMBER, CALLER)
    await rig.vendor.simulator.wait_idle()
    deliveries = rig.vendor.simulator.deliveries
    assert deliveries
    assert {d.status_code for d in deliveries} == {200}
    before = await rig.api.query("{ calls { nodes { events { id } } } }")
    key = hook_key(rig)
    for delivery in deliveries:  # Twin24 resending everything, as after a lost answer
        response = await post_webhook(
            rig.api, rig.provider_id, params={"key": key}, json=delivery.body
        )
        assert response.status_code == 200
    assert await rig.api.query("{ calls { nodes { events { id } } } }") == before


async def test_the_second_incoming_call_hook_adds_only_the_recording(rig: Rig) -> None:
    key = hook_key(rig)
    first = {"callId": "c-42", "number": NUMBER[1:], "caller": CALLER[1:], "name": "Sales"}
    second = {**first, "recordPath": "https://files.twin24.example/rec/c-42.mp3"}
    for body in (first, second, second):
        response = await post_webhook(rig.api, rig.provider_id, params={"key": key}, json=body)
        assert response.status_code == 200
    data = await rig.api.query("{ calls { nodes { recordingUrl events { kind } } } }")
    (call,) = data["calls"]["nodes"]
    assert [e["kind"] for e in call["events"]] == ["RINGING", "RECORDING_READY"]
    assert call["recordingUrl"] == "https://files.twin24.example/rec/c-42.mp3"


@pytest.mark.parametrize(
    "body",
    [
        {"type": "CANDIDATE_CHANGED", "candidateId": 7, "stage": "qualified"},
        {"something": ["we", "do", "not", "know"]},
    ],
)
async def test_shapes_callboard_does_not_know_are_kept_and_answered_200(
    rig: Rig, body: dict[str, Any]
) -> None:
    response = await post_webhook(
        rig.api, rig.provider_id, params={"key": hook_key(rig)}, json=body
    )
    assert response.status_code == 200


async def test_a_body_that_is_not_json_is_refused_and_a_wrong_key_forbidden(rig: Rig) -> None:
    bad = await post_webhook(
        rig.api, rig.provider_id, params={"key": hook_key(rig)}, content=b"<xml/>"
    )
    assert bad.status_code == 400
    forged = await post_webhook(
        rig.api, rig.provider_id, params={"key": "guess"}, json={"callId": "c-1"}
    )
    assert forged.status_code == 403
    assert "guess" not in forged.text
    assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 0
    assert json.loads(forged.text)
