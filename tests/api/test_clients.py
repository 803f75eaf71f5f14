"""Client keys and scopes: who may call the API, and which providers each one sees."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from gql.transport.exceptions import TransportConnectionFailed, TransportError

from tests.harness import FROM_START, LEGACY_WS, TRANSPORT_WS, GraphQLFailed, next_event
from tests.queries import CALL, CALL_EVENTS, CALLS, HANGUP, PLACE_CALL, PROVIDERS
from tests.vendors import PROVIDER_ID, Rig, post_webhook, vendor_rig

KEY_A = "key-of-client-a-0123456789"
KEY_B = "key-of-client-b-0123456789"
OTHER = "lirax-other"

CONFIG = {
    "providers": [
        {
            "id": OTHER,
            "kind": "lirax",
            "base_url": "http://127.0.0.1:9/general",
            "token": "other-token",
            "webhook_token": "other-webhook-token",
        }
    ],
    "clients": [
        {"name": "a", "key": KEY_A, "providers": [PROVIDER_ID]},
        {"name": "b", "key": KEY_B, "providers": [OTHER]},
    ],
}


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with vendor_rig("lirax", config=CONFIG, key=KEY_A) as rig:
        yield rig


async def test_no_key_is_401_with_a_clear_message(rig: Rig) -> None:
    response = await rig.api.http.post(f"{rig.api.url}/graphql", json={"query": PROVIDERS})
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in error["message"]


async def test_an_unknown_key_is_401(rig: Rig) -> None:
    response = await rig.api.post(PROVIDERS, key="not-a-key-of-anyone")
    assert response.status_code == 401


async def test_graphiql_page_opens_without_a_key(rig: Rig) -> None:
    response = await rig.api.http.get(f"{rig.api.url}/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_each_client_sees_only_its_providers(rig: Rig) -> None:
    a = await rig.api.query(PROVIDERS, key=KEY_A)
    b = await rig.api.query(PROVIDERS, key=KEY_B)
    assert [p["id"] for p in a["providers"]] == [PROVIDER_ID]
    assert [p["id"] for p in b["providers"]] == [OTHER]


async def test_another_clients_provider_is_not_found_even_by_id(rig: Rig) -> None:
    data = await rig.api.query(
        PLACE_CALL, {"input": {"provider": OTHER, "agent": "101", "to": "+79123456789"}}
    )
    unknown = await rig.api.query(
        PLACE_CALL, {"input": {"provider": "no-such", "agent": "101", "to": "+79123456789"}}
    )
    (error,) = data["placeCall"]["userErrors"]
    assert error["code"] == "NOT_FOUND"
    # the same answer as for an id nobody configured: nothing tells that it exists
    assert error["message"].replace(OTHER, "X") == unknown["placeCall"]["userErrors"][0][
        "message"
    ].replace("no-such", "X")
    with pytest.raises(GraphQLFailed) as failed:
        await rig.api.query(CALLS, {"provider": OTHER})
    assert failed.value.codes == ["NOT_FOUND"]


async def test_another_clients_calls_are_invisible(rig: Rig) -> None:
    placed = await rig.api.query(
        PLACE_CALL, {"input": {"provider": PROVIDER_ID, "agent": "101", "to": "+79123456789"}}
    )
    call_id = placed["placeCall"]["call"]["id"]
    assert (await rig.api.query(CALL, {"id": call_id}, key=KEY_B))["call"] is None
    assert (await rig.api.query(CALLS, key=KEY_B))["calls"]["totalCount"] == 0
    assert (await rig.api.query(CALLS, key=KEY_A))["calls"]["totalCount"] == 1
    hangup = await rig.api.query(HANGUP, {"id": call_id}, key=KEY_B)
    assert hangup["hangupCall"]["userErrors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_websocket_takes_the_key_in_connection_init(rig: Rig, protocol: str) -> None:
    form = {
        "cmd": "record",
        "callid": "C-1",
        "record_link": "https://r.example/1.mp3",
        "from_LiraX_token": "lirax-webhook-token",
    }
    assert (await post_webhook(rig.api, PROVIDER_ID, data=form)).status_code == 200
    watch = {"after": FROM_START}
    async with rig.api.subscription(CALL_EVENTS, watch, key=KEY_A, protocol=protocol) as events:
        event = (await next_event(events))["callEvents"]
    assert event["kind"] == "RECORDING_READY"


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_websocket_without_a_valid_key_is_refused(rig: Rig, protocol: str) -> None:
    with pytest.raises((TransportError, TransportConnectionFailed)) as refused:
        async with rig.api.subscription(
            CALL_EVENTS, {}, key="wrong-key-0123456789", protocol=protocol
        ) as events:
            await next_event(events, timeout=5)
    if protocol == LEGACY_WS:  # graphql-ws carries a reason; graphql-transport-ws just closes
        assert "UNAUTHENTICATED" in str(refused.value)


async def test_a_subscriber_does_not_get_another_clients_events(rig: Rig) -> None:
    mine = {
        "cmd": "record",
        "callid": "MINE",
        "record_link": "https://r.example/m.mp3",
        "from_LiraX_token": "lirax-webhook-token",
    }
    theirs = {**mine, "callid": "THEIRS", "from_LiraX_token": "other-webhook-token"}
    assert (await post_webhook(rig.api, OTHER, data=theirs)).status_code == 200
    assert (await post_webhook(rig.api, PROVIDER_ID, data=mine)).status_code == 200
    async with rig.api.subscription(CALL_EVENTS, {"after": FROM_START}, key=KEY_A) as events:
        event = (await next_event(events))["callEvents"]
    assert event["raw"]["callid"] == "MINE"
