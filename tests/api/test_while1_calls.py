"""While1 PBX calls through GraphQL: placeCall with its options and api_hash, waiting for
the agent's answer, the PBX's refusals, and its GET event notifications."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.harness import FROM_START, next_event
from tests.queries import CALL, CALL_EVENTS
from tests.vendors import Rig, post_webhook, vendor_rig

PLACE = """
mutation($i: PlaceCallInput!) {
  placeCall(input: $i) {
    call { id status providerCallId direction to agent raw }
    agentAnswer
    userErrors { field message code vendorCode }
  }
}"""

CUSTOMER = "+40 21 234 5678"
TOKEN = "while1-webhook-token"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with vendor_rig("while1") as rig:
        yield rig


async def place(rig: Rig, **fields: Any) -> dict[str, Any]:
    variables = {"i": {"provider": rig.provider_id, "agent": "101", "to": CUSTOMER, **fields}}
    return (await rig.api.query(PLACE, variables))["placeCall"]  # type: ignore[no-any-return]


async def test_every_option_reaches_the_pbx_in_its_documented_parameters(rig: Rig) -> None:
    result = await place(
        rig,
        agent="test-queue",
        agentType="QUEUE",
        callerIdName="Ana Popescu",
        outboundNumber="+40 21 234 5600",
        outboundTrunk="default-trunk",
        variables=[
            {"name": "SKIP_WELCOME", "value": "1"},
            {"name": "BACKEND_LINK", "value": "https://crm.example.com/?lead=1234"},
        ],
    )
    assert result["userErrors"] == []
    assert result["agentAnswer"] is None, "not waited for"
    call = result["call"]
    assert (call["status"], call["direction"], call["to"], call["agent"]) == (
        "DIALING",
        "OUTBOUND",
        "+40212345678",
        "test-queue",
    )
    (sent,) = rig.vendor.simulator.originations
    assert sent["api_username"] == "while1-user"
    assert sent["data"] == {
        "project_id": "1",
        "caller_id": "+40212345678",
        "caller_id_name": "Ana Popescu",
        "type": "queue",
        "destination": "test-queue",
        "external_id": call["providerCallId"],
        "async": "1",
        "outbound_number": "+40212345600",
        "outbound_trunk": "default-trunk",
        "vars": {"SKIP_WELCOME": "1", "BACKEND_LINK": "https://crm.example.com/?lead=1234"},
    }
    assert "while1-password" not in str(call["raw"])


async def test_waiting_for_the_agent_says_answered(rig: Rig) -> None:
    result = await place(rig, waitForAnswer=True)
    assert result["userErrors"] == []
    assert result["agentAnswer"] == "ANSWERED"
    assert result["call"]["status"] == "RINGING", "the agent answered; the customer rings"
    (sent,) = rig.vendor.simulator.originations
    assert sent["data"]["async"] == "0"


@pytest.mark.parametrize(
    ("behaviour", "answer", "status", "code"),
    [
        ("reject", "REJECTED", "REJECTED", "AGENT_REJECTED"),
        ("no_answer", "TIMED_OUT", "NO_ANSWER", "AGENT_NO_ANSWER"),
    ],
)
async def test_waiting_for_an_agent_who_does_not_take_it_says_so_and_keeps_the_call(
    rig: Rig, behaviour: str, answer: str, status: str, code: str
) -> None:
    rig.vendor.simulator.set_agent("101", behaviour)
    result = await place(rig, waitForAnswer=True)
    assert result["agentAnswer"] == answer
    assert result["call"]["status"] == status
    (error,) = result["userErrors"]
    assert (error["code"], error["field"]) == (code, "agent")
    kept = (await rig.api.query(CALL, {"id": result["call"]["id"]}))["call"]
    assert kept["status"] == status


async def test_a_retry_with_the_key_replays_the_agents_answer(rig: Rig) -> None:
    rig.vendor.simulator.set_agent("101", "reject")
    first = await place(rig, waitForAnswer=True, idempotencyKey="w1-1")
    again = await place(rig, waitForAnswer=True, idempotencyKey="w1-1")
    assert again == first
    assert len(rig.vendor.simulator.originations) == 1


@pytest.mark.parametrize(
    ("fields", "behaviour", "message"),
    [
        ({"agent": "no-such-queue", "agentType": "QUEUE"}, None, "Invalid Queue"),
        ({}, "offline", "User is not logged in"),
    ],
)
async def test_the_pbx_refusing_is_a_user_error_with_its_messages(
    rig: Rig, fields: dict[str, Any], behaviour: str | None, message: str
) -> None:
    if behaviour:
        rig.vendor.simulator.set_agent("101", behaviour)
    result = await place(rig, **fields)
    assert result["call"] is None
    (error,) = result["userErrors"]
    assert error["code"] == "PROVIDER_REJECTED"
    assert error["message"].startswith("While1: ")
    assert message in error["message"]
    assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 0


async def test_events_are_answered_empty_and_become_events_of_the_call(rig: Rig) -> None:
    watch = {"provider": rig.provider_id, "after": FROM_START}
    async with rig.api.subscription(CALL_EVENTS, watch) as events:
        call = (await place(rig))["call"]
        seen = []
        while not seen or seen[-1] != "COMPLETED":
            event = (await next_event(events))["callEvents"]
            assert event["call"]["id"] == call["id"]
            seen.append(event["kind"])
    assert seen == ["PLACED", "ANSWERED", "COMPLETED"]
    await rig.vendor.simulator.wait_idle()
    assert set(rig.vendor.simulator.event_replies) == {200}


async def test_a_later_event_with_only_the_uniqueid_finds_the_call(rig: Rig) -> None:
    call = (await place(rig))["call"]
    await rig.vendor.simulator.wait_idle()
    uniqueid = rig.vendor.simulator.events_sent[0]["uniqueid"]
    params = {"token": TOKEN, "event": "call_forward_answer", "uniqueid": uniqueid}
    response = await post_webhook(rig.api, rig.provider_id, method="GET", params=params)
    assert (response.status_code, response.content) == (200, b"")
    kept = (await rig.api.query(CALL, {"id": call["id"]}))["call"]
    assert kept["events"][-1]["raw"]["event"] == "call_forward_answer"
    assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 1


async def test_a_repeated_notification_makes_one_event(rig: Rig) -> None:
    params = {
        "token": TOKEN,
        "event": "missed_calls",
        "uniqueid": "1700000000.77",
        "telephone": "0212345678",
        "queue": "test-queue",
    }
    for _ in range(2):
        response = await post_webhook(rig.api, rig.provider_id, method="GET", params=params)
        assert (response.status_code, response.content) == (200, b"")
    data = await rig.api.query("{ calls { nodes { status direction events { kind } } } }")
    (call,) = data["calls"]["nodes"]
    assert (call["status"], call["direction"]) == ("NO_ANSWER", "INBOUND")
    assert len(call["events"]) == 1


async def test_without_a_webhook_token_no_notification_is_accepted() -> None:
    async with vendor_rig("while1", credentials={"webhook_token": ""}) as rig:
        params = {"token": "", "event": "outgoing_end", "uniqueid": "1.2"}
        response = await post_webhook(rig.api, rig.provider_id, method="GET", params=params)
        assert response.status_code == 403
        await asyncio.sleep(0)
        assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 0


async def test_a_variable_given_twice_is_refused_before_sending(rig: Rig) -> None:
    twice = [{"name": "LEAD", "value": "1"}, {"name": "LEAD", "value": "2"}]
    result = await place(rig, variables=twice)
    (error,) = result["userErrors"]
    assert (error["code"], error["field"]) == ("BAD_INPUT", "variables[1].name")
    assert rig.vendor.simulator.originations == []


async def test_the_clients_external_id_goes_to_the_pbx_and_its_events_find_the_call(
    rig: Rig,
) -> None:
    rig.vendor.simulator.event_url = None  # only the event below reaches Callboard
    result = await place(rig, externalId="crm-lead-1234")
    assert result["userErrors"] == []
    call = result["call"]
    assert call["status"] == "DIALING"
    (sent,) = rig.vendor.simulator.originations
    assert sent["data"]["external_id"] == "crm-lead-1234"
    params = {"token": TOKEN, "event": "dial_answer", "external_id": "crm-lead-1234"}
    response = await post_webhook(rig.api, rig.provider_id, method="GET", params=params)
    assert (response.status_code, response.content) == (200, b"")
    kept = (await rig.api.query(CALL, {"id": call["id"]}))["call"]
    assert kept["status"] == "IN_PROGRESS"
    assert kept["events"][-1]["raw"]["external_id"] == "crm-lead-1234"
    assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 1


async def test_the_pbxs_own_events_under_the_clients_external_id_reach_the_call(
    rig: Rig,
) -> None:
    call = (await place(rig, externalId="crm-lead-77"))["call"]
    await rig.vendor.simulator.wait_idle()
    assert {e["external_id"] for e in rig.vendor.simulator.events_sent} == {"crm-lead-77"}
    kept = (await rig.api.query(CALL, {"id": call["id"]}))["call"]
    assert [e["kind"] for e in kept["events"]] == ["PLACED", "ANSWERED", "COMPLETED"]
    assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 1


async def test_without_an_external_id_callboard_names_the_call_itself(rig: Rig) -> None:
    call = (await place(rig, externalId="  "))["call"]
    (sent,) = rig.vendor.simulator.originations
    assert sent["data"]["external_id"] == call["providerCallId"]
    assert call["providerCallId"].startswith("cb-")


async def test_an_external_id_already_naming_a_call_is_refused_but_a_retry_gets_its_call(
    rig: Rig,
) -> None:
    first = await place(rig, externalId="lead-77", idempotencyKey="k-77")
    assert first["userErrors"] == []
    again = await place(rig, externalId="lead-77", idempotencyKey="k-77")
    assert again["call"]["id"] == first["call"]["id"], "the key's first call, not a refusal"
    other = await place(rig, externalId="lead-77")
    (error,) = other["userErrors"]
    assert (error["field"], error["code"]) == ("externalId", "BAD_INPUT")
    assert "lead-77" in error["message"]
    assert len(rig.vendor.simulator.originations) == 1, "nothing sent for the refused one"
    assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 1
