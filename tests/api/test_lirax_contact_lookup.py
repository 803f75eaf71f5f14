"""LiraX's `contact` webhook: it asks who is calling, Callboard answers from the contacts
saved through that provider."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.harness import FROM_START, Api, next_event, running_callboard
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
    saved = {"phone": "8 912 345-67-89", "name": "Иван Петров", "responsible": "103"}
    await lirax.api.query(UPSERT, {"i": {**saved, "provider": lirax.provider_id}})
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


@pytest.fixture
async def two_pbxs() -> AsyncIterator[Api]:
    """Two LiraX PBXs behind one Callboard, each accepting every contact."""
    providers = [
        {
            "id": pid,
            "kind": "lirax",
            "base_url": "https://lira.invalid/general",
            "token": "command-token",
            "webhook_token": f"{pid}-hook-token",
        }
        for pid in ("pbx-a", "pbx-b")
    ]
    accepts = {p["id"]: httpx.MockTransport(lambda _: httpx.Response(200)) for p in providers}
    async with running_callboard({"providers": providers}, transports=accepts) as api:
        yield api


async def ask(api: Api, provider_id: str, phone: str = ASK["phone"]) -> object:
    form = {**ASK, "phone": phone, "from_LiraX_token": f"{provider_id}-hook-token"}
    response = await post_webhook(api, provider_id, data=form)
    assert response.status_code == 200
    return response.json()


async def test_each_pbx_routes_the_caller_to_its_own_contacts_agent(two_pbxs: Api) -> None:
    phone = "+7 912 345-67-89"
    for provider, agent in (("pbx-a", "101"), ("pbx-b", "102"), (None, "103")):
        given = {"phone": phone, "name": f"Ivan ({agent})", "responsible": agent}
        if provider is not None:
            given["provider"] = provider
        data = await two_pbxs.query(UPSERT, {"i": given})
        assert data["upsertContact"]["userErrors"] == []
    # saved later, the other PBX's contact and the client's own change nothing for pbx-a
    assert await ask(two_pbxs, "pbx-a") == {"contact_name": "Ivan (101)", "responsible": 101}
    assert await ask(two_pbxs, "pbx-b") == {"contact_name": "Ivan (102)", "responsible": 102}


async def test_a_clients_own_contact_never_answers_a_pbx(two_pbxs: Api) -> None:
    given = {"phone": "+7 912 345-67-89", "name": "Ivan", "responsible": "103"}
    await two_pbxs.query(UPSERT, {"i": given})
    await two_pbxs.query(UPSERT, {"i": {**given, "provider": "pbx-b"}})
    assert await ask(two_pbxs, "pbx-a") == {"contact_name": "+79123456789"}
