"""LiraX webhooks through the real route: auth, malformed bodies, duplicates, answers."""

from __future__ import annotations

from typing import Any

import pytest

from callboard import webhooks
from tests.harness import FROM_START, next_event
from tests.lirax_hooks import call_completed
from tests.queries import CALL_EVENTS, CALLS
from tests.vendors import Rig, post_webhook, vendor_rig

TOKEN = "lirax-webhook-token"

# The page's own example of a finished incoming call, with its typo-free fields.
CALL_COMPLETED = {
    **call_completed("5E3A2B1C-0001"),
    "record_link": "https://records.example/5E3A2B1C-0001.mp3",
    "utm_source": "google",
    "keys": '[{"ivr_name":"Main","ivr_entry":"0","key":"1"}]',
}


async def send(rig: Rig, form: dict[str, str], **extra: Any) -> Any:
    return await post_webhook(rig.api, rig.provider_id, data=form, **extra)


async def total_calls(rig: Rig) -> int:
    return int((await rig.api.query(CALLS))["calls"]["totalCount"])


async def test_a_valid_webhook_is_answered_200_json_and_becomes_a_call(lirax: Rig) -> None:
    response = await send(lirax, {**CALL_COMPLETED, "from_LiraX_token": TOKEN})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = await lirax.api.query(CALLS)
    (edge,) = data["calls"]["edges"]
    assert edge["node"]["status"] == "COMPLETED"


async def test_the_token_field_is_matched_whatever_its_case(lirax: Rig) -> None:
    response = await send(lirax, {**CALL_COMPLETED, "From_LiraX_token": TOKEN})
    assert response.status_code == 200


async def test_wrong_or_missing_token_is_401_invalid_token(lirax: Rig) -> None:
    for form in ({**CALL_COMPLETED, "from_LiraX_token": "nope"}, dict(CALL_COMPLETED)):
        response = await send(lirax, form)
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid token"}
    assert await total_calls(lirax) == 0


async def test_malformed_delivery_is_400_invalid_parameters(lirax: Rig) -> None:
    missing_callid = {k: v for k, v in CALL_COMPLETED.items() if k != "callid"}
    bodies: list[dict[str, Any]] = [
        {"data": {**missing_callid, "from_LiraX_token": TOKEN}},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"data": {"from_LiraX_token": TOKEN}},  # no cmd at all
    ]
    for body in bodies:
        response = await post_webhook(lirax.api, lirax.provider_id, **body)
        assert response.status_code in (400, 401), body
        if response.status_code == 400:
            assert response.json() == {"error": "Invalid parameters"}
    assert await total_calls(lirax) == 0


@pytest.mark.parametrize("depth", [1_000, 100_000])
async def test_a_deep_body_is_401_without_the_token_and_400_with_it(lirax: Rig, depth: int) -> None:
    deep = '{"cmd": "event", "x": ' + "[" * depth + "]" * depth + "}"
    headers = {"content-type": "application/json"}
    stranger = await post_webhook(lirax.api, lirax.provider_id, content=deep, headers=headers)
    assert stranger.status_code == 401
    assert stranger.json() == {"error": "Invalid token"}
    params = {"from_LiraX_token": TOKEN}
    lirax_itself = await post_webhook(
        lirax.api, lirax.provider_id, content=deep, headers=headers, params=params
    )
    assert lirax_itself.status_code == 400
    assert lirax_itself.json() == {"error": "Invalid parameters"}
    assert await total_calls(lirax) == 0
    response = await send(lirax, {**CALL_COMPLETED, "from_LiraX_token": TOKEN})
    assert response.status_code == 200, "and the server is well"


async def test_the_same_delivery_twice_is_one_event(lirax: Rig) -> None:
    form = {**CALL_COMPLETED, "from_LiraX_token": TOKEN, "record_link": ""}
    first = await send(lirax, form)
    second = await send(lirax, form)
    assert first.status_code == second.status_code == 200
    async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        event = (await next_event(events))["callEvents"]
        assert event["kind"] == "COMPLETED"
        # a fresh, different delivery follows: the next event must be it, not a copy
        await send(lirax, {**form, "callid": "another-call"})
        following = (await next_event(events))["callEvents"]
    assert following["call"]["id"] != event["call"]["id"]


async def test_an_unknown_provider_id_is_404(lirax: Rig) -> None:
    response = await post_webhook(lirax.api, "nobody", data={**CALL_COMPLETED})
    assert response.status_code == 404


async def test_unparseable_numbers_are_kept_as_written(lirax: Rig) -> None:
    form = {**CALL_COMPLETED, "phone": "anonymous", "from_LiraX_token": TOKEN}
    assert (await send(lirax, form)).status_code == 200
    async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        event = (await next_event(events))["callEvents"]
    assert event["call"]["from"] == "anonymous"
    assert event["raw"]["utm_source"] == "google"
    assert event["raw"]["keys"] == [{"ivr_name": "Main", "ivr_entry": "0", "key": "1"}]
    assert "from_LiraX_token" not in event["raw"]


async def test_inbound_call_from_the_simulator_arrives_as_events(lirax: Rig) -> None:
    async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        await lirax.vendor.simulator.start_inbound(phone="79161234567", ext="102")
        kinds = []
        while "RECORDING_READY" not in kinds:
            event = (await next_event(events))["callEvents"]
            kinds.append(event["kind"])
    # LiraX first asks who is calling (contact), then rings the agent
    assert kinds[:4] == ["STATUS_CHANGED", "RINGING", "ANSWERED", "ENDED"]
    assert event["call"]["from"] == "+79161234567"
    assert event["call"]["recordingUrl"]


async def test_events_before_makecall_finished_still_make_one_call(lirax: Rig) -> None:
    """A leg's events can overtake the message that ties the leg to the placed call."""
    lirax.vendor.simulator.step_delay = 30  # the simulator stays quiet; we play LiraX
    placed = await lirax.api.query(
        'mutation { placeCall(input: {provider: "vendor-under-test", agent: "101", '
        'to: "+79123456789"}) { call { id providerCallId } } }'
    )
    call = placed["placeCall"]["call"]
    leg = "LEG-77"
    ringing = {
        "cmd": "event",
        "event": "INCOMING",
        "type": "out",
        "callid": leg,
        "phone": "79123456789",
        "ext": "101",
        "from_LiraX_token": TOKEN,
    }
    tie = {
        "cmd": "makecall_finished",
        "id_makecall": call["providerCallId"],
        "Call_id": leg,
        "success": "1",
        "from_LiraX_token": TOKEN,
    }
    assert (await send(lirax, ringing)).status_code == 200
    assert (await send(lirax, tie)).status_code == 200
    calls = (await lirax.api.query(CALLS))["calls"]
    assert calls["totalCount"] == 1
    (edge,) = calls["edges"]
    assert edge["node"]["id"] == call["id"]
    assert edge["node"]["status"] == "RINGING"


async def test_a_delivery_whose_processing_fails_is_answered_and_processed_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("processing broke")

    async with vendor_rig("lirax", config={"inbox": {"recover_seconds": 0.2}}) as lirax:
        monkeypatch.setattr(webhooks, "keep_and_process", broken)
        form = {**CALL_COMPLETED, "from_LiraX_token": TOKEN}
        assert (await send(lirax, form)).status_code == 200, "kept: no resend needed"
        monkeypatch.undo()
        assert await total_calls(lirax) == 0
        # the housekeeping loop processes it once it is no longer in flight (2 s)
        async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            event = (await next_event(events))["callEvents"]
        assert event["kind"] == "COMPLETED"
        assert (await send(lirax, form)).status_code == 200
        assert await total_calls(lirax) == 1, "a resend of the kept delivery adds nothing"
