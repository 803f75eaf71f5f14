"""LiraX's `contact` webhook: it asks who is calling, Callboard answers from its directory."""

from __future__ import annotations

from tests.harness import FROM_START, next_event
from tests.queries import CALL_EVENTS, CALLS
from tests.vendors import Rig, post_webhook

UPSERT = """mutation($i: ContactInput!) { upsertContact(input: $i) { userErrors { message } } }"""
ASK = {
    "cmd": "contact",
    "phone": "79123456789",
    "diversion": "74950000000",
    "callid": "D12D0EB124F4E64AF4EA-1511",
    "from_LiraX_token": "lirax-webhook-token",
}


async def test_a_known_caller_is_named_with_the_responsible_agent(lirax: Rig) -> None:
    await lirax.api.query(
        UPSERT, {"i": {"phone": "8 912 345-67-89", "name": "Иван Петров", "responsible": "103"}}
    )
    response = await post_webhook(lirax.api, lirax.provider_id, data=ASK)
    assert response.status_code == 200
    assert response.json() == {"contact_name": "Иван Петров", "responsible": 103}


async def test_an_unknown_caller_is_named_by_the_number(lirax: Rig) -> None:
    response = await post_webhook(lirax.api, lirax.provider_id, data=ASK)
    assert response.json() == {"contact_name": "+79123456789"}


async def test_the_call_that_asked_is_recorded_once(lirax: Rig) -> None:
    for _ in range(2):  # a resend is answered again but is not a second event
        assert (await post_webhook(lirax.api, lirax.provider_id, data=ASK)).status_code == 200
    calls = (await lirax.api.query(CALLS))["calls"]
    assert calls["totalCount"] == 1
    incoming = {
        "cmd": "event",
        "event": "INCOMING",
        "type": "in",
        "phone": "79123456789",
        "diversion": "74950000000",
        "ext": "101",
        "callid": ASK["callid"],
        "from_LiraX_token": "lirax-webhook-token",
    }
    await post_webhook(lirax.api, lirax.provider_id, data=incoming)
    async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        first = (await next_event(events))["callEvents"]
        second = (await next_event(events))["callEvents"]
    assert first["raw"]["cmd"] == "contact"
    assert first["call"]["from"] == "+79123456789"
    assert first["call"]["to"] == "+74950000000"
    assert second["kind"] == "RINGING"
    assert second["call"]["id"] == first["call"]["id"]


async def test_a_forged_lookup_is_refused(lirax: Rig) -> None:
    response = await post_webhook(
        lirax.api, lirax.provider_id, data={**ASK, "from_LiraX_token": "forged"}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid token"}
