"""Documents as every transport (POST, GET, both WebSocket protocols) takes them: refused
when too long or when they do not say which operation to run, answered when malformed,
kept parsed within a budget of bytes, and without introspection or suggestions in
production."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosedError

from callboard.schema import CallboardSchema
from tests.harness import LEGACY_WS, TRANSPORT_WS, Api, running_callboard

TWO_QUERIES = "query A { a: __typename } query B { b: __typename }"
TWO_SUBSCRIPTIONS = (
    "subscription A { callEvents { id } } subscription B { agentStatusChanged { cursor } }"
)
# A comment says nothing, but it is read: 200 KB of it is twice the default limit.
COMMENTS = "# " + "x" * 200_000 + "\n"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_callboard({}) as api:
        yield api


def errors_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body.get("data") is None, body
    return body["errors"]  # type: ignore[no-any-return]


async def first_answer(api: Api, protocol: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The first message answering `payload` on a new WebSocket; a close is returned as
    {"type": "close", "code": ..., "reason": ...}."""
    url = api.url.replace("http://", "ws://") + "/graphql"
    async with (
        asyncio.timeout(10),
        websockets.connect(url, subprotocols=[protocol]) as ws,  # type: ignore[list-item]
    ):
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        start = "subscribe" if protocol == TRANSPORT_WS else "start"
        await ws.send(json.dumps({"type": start, "id": "1", "payload": payload}))
        try:
            return json.loads(await ws.recv())  # type: ignore[no-any-return]
        except ConnectionClosedError as closed:
            frame = closed.rcvd
    return {"type": "close", "code": frame and frame.code, "reason": frame and frame.reason}


def ws_errors(answer: dict[str, Any]) -> list[dict[str, Any]]:
    assert answer["type"] == "error", answer
    payload = answer["payload"]
    return payload if isinstance(payload, list) else [payload]  # legacy: one error


async def test_several_operations_without_a_name_are_an_error_over_http(api: Api) -> None:
    posted = errors_of((await api.post(TWO_QUERIES)).json())
    got = await api.http.get(f"{api.url}/graphql", params={"query": TWO_QUERIES})
    for errors in (posted, errors_of(got.json())):
        (error,) = errors
        assert "operationName" in error["message"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_the_operation_named_is_the_one_run(api: Api) -> None:
    posted = await api.http.post(
        f"{api.url}/graphql", json={"query": TWO_QUERIES, "operationName": "B"}
    )
    got = await api.http.get(
        f"{api.url}/graphql", params={"query": TWO_QUERIES, "operationName": "A"}
    )
    assert posted.json() == {"data": {"b": "Query"}}
    assert got.json() == {"data": {"a": "Query"}}


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_several_subscriptions_without_a_name_are_an_error_over_websocket(
    api: Api, protocol: str
) -> None:
    (error,) = ws_errors(await first_answer(api, protocol, {"query": TWO_SUBSCRIPTIONS}))
    assert "operationName" in error["message"]


async def test_a_query_over_legacy_graphql_ws_is_a_clear_error(api: Api) -> None:
    (error,) = ws_errors(await first_answer(api, LEGACY_WS, {"query": "{ __typename }"}))
    assert error["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_syntax_error_over_websocket_is_answered(api: Api, protocol: str) -> None:
    answer = await first_answer(api, protocol, {"query": "subscription {"})
    if protocol == TRANSPORT_WS:  # the protocol closes the socket (4400) with the error
        assert answer == {
            "type": "close",
            "code": 4400,
            "reason": "Syntax Error: Expected Name, found <EOF>.",
        }
    else:
        (error,) = ws_errors(answer)
        assert error["message"].startswith("Syntax Error")


async def test_a_long_comment_only_document_is_refused_before_it_is_parsed(api: Api) -> None:
    # Comments only: were it parsed, the answer would be a syntax error ("Unexpected <EOF>").
    (error,) = errors_of((await api.post(COMMENTS)).json())
    assert error["message"] == (
        "The document is 200,003 bytes; at most 102,400 are accepted "
        "([graphql] max_document_bytes)."
    )
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    (padded,) = errors_of((await api.post("{ __typename }\n" + COMMENTS)).json())
    assert "max_document_bytes" in padded["message"]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_long_document_is_refused_over_websocket(api: Api, protocol: str) -> None:
    query = "subscription { callEvents { id } }\n" + COMMENTS
    (error,) = ws_errors(await first_answer(api, protocol, {"query": query}))
    assert "max_document_bytes" in error["message"]


async def test_the_document_limit_is_a_key() -> None:
    async with running_callboard({"graphql": {"max_document_bytes": 64}}) as api:
        assert await api.query("{ __typename }") == {"__typename": "Query"}
        (error,) = errors_of((await api.post("{ __typename " + " " * 64 + "}")).json())
        assert "at most 64 are accepted" in error["message"]


def document_cache(api: Api) -> Any:
    assert api.app is not None
    (schema,) = (
        getattr(route, "endpoint", None).schema  # type: ignore[union-attr]
        for route in api.app.routes
        if getattr(route, "path", None) == "/graphql" and hasattr(route, "methods")
    )
    assert isinstance(schema, CallboardSchema)
    return schema.documents


async def test_kept_documents_stay_within_their_bytes() -> None:
    async with running_callboard({"graphql": {"document_cache_bytes": 4_000_000}}) as api:
        cache = document_cache(api)
        for n in range(30):
            # distinct documents of ~500 tokens each, half of them comments
            fields = "".join(f"__typename # {n}.{i}\n" for i in range(250))
            assert await api.query("{ " + fields + " }") == {"__typename": "Query"}
            assert cache.bytes <= 4_000_000
        assert 5 <= len(cache) < 30
        assert cache.misses == 30


async def test_introspection_and_suggestions_are_on_by_default(api: Api) -> None:
    data = await api.query("{ __schema { queryType { name } } }")
    assert data == {"__schema": {"queryType": {"name": "Query"}}}
    (error,) = errors_of((await api.post("{ cals }")).json())
    assert "Did you mean" in error["message"]


MISTAKES = [
    "{ cals }",  # a field
    "{ calls(frist: 1) { totalCount } }",  # an argument
    "{ calls(status: BUZY) { totalCount } }",  # an enum value
    "query($s: CallStatu) { calls(status: $s) { totalCount } }",  # a type
    "mutation { placeCall(input: {provder: 1, agent: 1, to: 1}) { call { id } } }",  # a field
]


async def test_introspection_off_hides_the_schema_and_every_suggestion() -> None:
    async with running_callboard({"graphql": {"introspection": False}}) as api:
        for query in ("{ __schema { types { name } } }", '{ __type(name: "Call") { name } }'):
            (error, *_) = errors_of((await api.post(query)).json())
            assert "introspection has been disabled" in error["message"]
        messages = [
            e["message"] for query in MISTAKES for e in errors_of((await api.post(query)).json())
        ]
        # ... variables included, checked as the operation runs
        varied = "query($s: CallStatus) { calls(status: $s) { totalCount } }"
        messages += [
            e["message"] for e in errors_of((await api.post(varied, {"s": "BUZY"})).json())
        ]
        answer = await first_answer(
            api, TRANSPORT_WS, {"query": "subscription { callEvent { id } }"}
        )
        messages += [e["message"] for e in ws_errors(answer)]
        assert len(messages) >= len(MISTAKES) + 2
        assert not [m for m in messages if "Did you mean" in m]
        assert await api.query("{ __typename }") == {"__typename": "Query"}


async def test_a_spread_of_an_undefined_fragment_is_a_validation_error(api: Api) -> None:
    # It was INTERNAL: the depth limit looked the fragment up before validation said it
    # was missing.
    for document in (
        "{ calls { ...Missing } }",
        "{ calls { nodes { ...Row ...Missing } } } fragment Row on Call { id }",
    ):
        (error,) = errors_of((await api.post(document)).json())
        assert error["message"] == "Unknown fragment 'Missing'."
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
