"""The Python `gql` client against a real `callboard serve`: the cases the Node suite runs
with Apollo Client and graphql-ws (clients/node/), as a Python team would write them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportClosed,
    TransportConnectionFailed,
    TransportQueryError,
)
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

from tests.clients.rig import Rig, client_rig

FROM_START = base64.b64encode(b"CallEvent:0").decode()
LAST_KIND = "RECORDING_READY"

PLACE_CALL = """mutation PlaceCall($input: PlaceCallInput!) {
  placeCall(input: $input) { call { id status } userErrors { field code message } } }"""
CALL_EVENTS = """subscription CallEvents($callId: ID, $after: ID) {
  callEvents(callId: $callId, after: $after) { id kind status call { id } } }"""
CALL = "query Call($id: ID!) { call(id: $id) { id events { id kind } } }"


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with client_rig(tmp_path) as running:
        yield running


def http_client(rig: Rig) -> Client:
    return Client(
        transport=HTTPXAsyncTransport(
            url=f"{rig.url}/graphql", headers={"Authorization": f"Bearer {rig.key}"}
        )
    )


def ws_transport(rig: Rig, init_payload: dict[str, Any] | None = None) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=rig.url.replace("http://", "ws://") + "/graphql",
        init_payload={"Authorization": f"Bearer {rig.key}"}
        if init_payload is None
        else init_payload,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )


async def place_call(rig: Rig) -> str:
    async with http_client(rig) as session:
        placed = await session.execute(
            GraphQLRequest(
                PLACE_CALL,
                variable_values={
                    "input": {"provider": rig.provider, "agent": "101", "to": "+7 912 345-67-89"}
                },
            )
        )
    assert placed["placeCall"]["userErrors"] == []
    return str(placed["placeCall"]["call"]["id"])


async def stored_events(rig: Rig, call_id: str) -> list[dict[str, Any]]:
    """The call's events as the call log keeps them, once it has them all."""
    async with http_client(rig) as session, asyncio.timeout(10):
        while True:
            found = await session.execute(GraphQLRequest(CALL, variable_values={"id": call_id}))
            events: list[dict[str, Any]] = found["call"]["events"]
            if any(event["kind"] == LAST_KIND for event in events):
                return events
            await asyncio.sleep(0.05)


async def take(
    events: AsyncIterator[dict[str, Any]], *, count: int | None = None
) -> list[dict[str, Any]]:
    """Events until `count` of them, or until the call's last."""
    taken: list[dict[str, Any]] = []
    async with asyncio.timeout(15):
        async for result in events:
            taken.append(result["callEvents"])
            if len(taken) == count or taken[-1]["kind"] == LAST_KIND:
                return taken
    pytest.fail(f"the subscription ended after {taken}")


async def test_a_query_lists_the_configured_provider(rig: Rig) -> None:
    async with http_client(rig) as session:
        data = await session.execute(GraphQLRequest("{ providers { id kind } }"))
    assert data["providers"] == [{"id": rig.provider, "kind": "LIRAX"}]


async def test_a_mutations_refusal_is_user_errors(rig: Rig) -> None:
    async with http_client(rig) as session:
        data = await session.execute(
            GraphQLRequest(
                PLACE_CALL,
                variable_values={"input": {"provider": rig.provider, "agent": "101", "to": "12"}},
            )
        )
    assert data["placeCall"]["call"] is None
    assert [(e["field"], e["code"]) for e in data["placeCall"]["userErrors"]] == [
        ("to", "BAD_INPUT")
    ]


async def test_a_subscription_gets_all_of_a_calls_events(rig: Rig) -> None:
    call_id = await place_call(rig)
    async with Client(transport=ws_transport(rig)) as session:
        request = GraphQLRequest(
            CALL_EVENTS, variable_values={"callId": call_id, "after": FROM_START}
        )
        events = await take(session.subscribe(request))  # type: ignore[arg-type]
    stored = await stored_events(rig, call_id)
    assert [(e["id"], e["kind"]) for e in events] == [(e["id"], e["kind"]) for e in stored]
    assert {e["call"]["id"] for e in events} == {call_id}


async def test_resuming_after_a_dropped_connection_gets_each_event_once_in_order(
    rig: Rig,
) -> None:
    call_id = await place_call(rig)
    transport = ws_transport(rig)
    seen: list[dict[str, Any]] = []
    with contextlib.suppress(TransportClosed, TransportConnectionFailed):
        async with Client(transport=transport) as session:
            request = GraphQLRequest(
                CALL_EVENTS, variable_values={"callId": call_id, "after": FROM_START}
            )
            seen = await take(session.subscribe(request), count=2)  # type: ignore[arg-type]
            # Dropped, not closed: the TCP connection goes with no close frame, as a
            # network failure would, while the call goes on.
            websocket = transport.adapter.websocket  # type: ignore[attr-defined]
            websocket.transport.abort()
    assert len(seen) == 2
    async with Client(transport=ws_transport(rig)) as session:
        request = GraphQLRequest(
            CALL_EVENTS, variable_values={"callId": call_id, "after": seen[-1]["id"]}
        )
        rest = await take(session.subscribe(request))  # type: ignore[arg-type]
    stored = await stored_events(rig, call_id)
    assert [e["id"] for e in seen + rest] == [e["id"] for e in stored]


async def subscribe_with(
    transport: WebsocketsTransport,
    document: str = CALL_EVENTS,
    variables: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    async with Client(transport=transport) as session:
        request = GraphQLRequest(document, variable_values=variables or {})
        return await take(session.subscribe(request))  # type: ignore[arg-type]


@pytest.mark.parametrize("init_payload", [{}, {"Authorization": "Bearer not-a-key-of-ours"}])
async def test_a_socket_without_a_valid_key_is_refused(
    rig: Rig, init_payload: dict[str, Any]
) -> None:
    with pytest.raises(TransportConnectionFailed) as refused:
        await subscribe_with(ws_transport(rig, init_payload))
    closed = refused.value.__cause__
    assert isinstance(closed, ConnectionClosed)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (4403, "Forbidden")


async def test_after_is_an_id_and_a_string_variable_for_it_fails_validation(rig: Rig) -> None:
    # `after` was a String before: a document that still declares it so is refused
    # before anything runs (README, "Ids").
    with pytest.raises(TransportQueryError) as refused:
        await subscribe_with(
            ws_transport(rig),
            CALL_EVENTS.replace("$after: ID", "$after: String"),
            {"after": FROM_START},
        )
    assert refused.value.errors is not None
    (error,) = refused.value.errors
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "String" in error["message"]
    assert "ID" in error["message"]
