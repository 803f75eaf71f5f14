"""The compiled path over real HTTP: when it answers, when it leaves a request to the general
path, and that the client cannot tell which one did (tests/test_compiled_differential.py
compares the two on many documents)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from callboard.app import CallboardGraphQL
from callboard.compiled import CompiledQueries
from tests.harness import Api, running_callboard

KEY = "compiled-test-key-0123456789"
TOKEN = "compiled-webhook-token"
LIST = "{ calls(first: 100) { edges { node { id status from to events { kind } } } } }"


def config(**graphql: Any) -> dict[str, Any]:
    return {
        "graphql": graphql,
        "clients": [{"name": "crm", "key": KEY, "providers": ["*"]}],
        "providers": [
            {
                "id": "pbx",
                "kind": "lirax",
                "base_url": "http://127.0.0.1:9/general",
                "token": "x",
                "webhook_token": TOKEN,
            }
        ],
    }


def compiled_of(api: Api) -> CompiledQueries | None:
    assert api.app is not None
    view = next(r.app for r in api.app.routes if getattr(r, "path", "") == "/graphql")
    assert isinstance(view, CallboardGraphQL)
    return view.compiled


async def fill(api: Api, calls: int) -> None:
    for i in range(calls):
        for event in ("INCOMING", "ACCEPTED", "COMPLETED", "CALL_COMPLETED"):
            form = {
                "cmd": "event",
                "type": "in",
                "event": event,
                "phone": f"38099123{i:04d}",
                "diversion": "380441234567",
                "ext": "101",
                "callid": f"call-{i}",
                "status": "Success",
                "duration": "42",
                "from_LiraX_token": TOKEN,
            }
            response = await api.http.post(
                f"{api.webhook_base}/pbx",
                content=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 200, response.text


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_callboard(config(), key=KEY) as api:
        await fill(api, 3)
        yield api


async def twice(api: Api, query: str, variables: dict[str, Any] | None = None) -> list[bytes]:
    """The bodies of the same request sent twice (the first one is never the compiled
    path's: the general path parses and validates it)."""
    return [(await api.post(query, variables)).content for _ in range(2)]


async def test_a_query_seen_before_is_answered_by_the_compiled_path(api: Api) -> None:
    compiled = compiled_of(api)
    assert compiled is not None
    first, second = await twice(api, LIST)
    assert compiled.answered == 1
    # The very same bytes: both paths encode with orjson.
    assert first == second
    assert second.count(b'"kind":"COMPLETED"') == 3


async def test_errors_are_the_general_paths(api: Api) -> None:
    compiled = compiled_of(api)
    assert compiled is not None
    for query in (
        "{ calls(first: 0) { nodes { id } } }",
        '{ calls(after: "bm90IGEgY3Vyc29y") { nodes { id } } }',
        '{ calls(provider: "nobody") { nodes { id } } }',
        '{ call(id: "garbage") { id } }',
    ):
        first, second = await twice(api, query)
        assert first == second
        assert b'"code":"BAD_INPUT"' in second or b'"code":"NOT_FOUND"' in second, second
    assert compiled.answered == 0


async def test_conditions_on_variables_pick_their_own_plan(api: Api) -> None:
    query = (
        "query ($events: Boolean!) { calls(first: 2) { nodes { id "
        "events @include(if: $events) { kind } } } }"
    )
    with_events = (await twice(api, query, {"events": True}))[1]
    without = (await twice(api, query, {"events": False}))[1]
    assert b"events" in with_events
    assert b"events" not in without
    # The same document: only its very first request went to the general path.
    assert compiled_of(api).answered == 3  # type: ignore[union-attr]


async def test_literal_arguments_serve_every_request_and_variables_each_their_own(
    api: Api,
) -> None:
    # The compiled path works out `first: 2` once for the document; `$n` every time.
    query = (
        "query ($n: Int) { a: calls(first: 2) { nodes { id } } "
        "b: calls(first: $n) { nodes { id } } }"
    )
    for n in (1, 3, 2):
        answer = (await api.post(query, {"n": n})).json()["data"]
        assert (len(answer["a"]["nodes"]), len(answer["b"]["nodes"])) == (2, n)
    assert compiled_of(api).answered == 2  # type: ignore[union-attr]


async def test_what_is_not_covered_runs_in_the_general_path(api: Api) -> None:
    compiled = compiled_of(api)
    assert compiled is not None
    for query in (
        "{ __schema { queryType { name } } }",  # introspection
        "{ calls(first: 1) { nodes { robocall { status } } } }",  # a vendor's field
        'mutation { hangupCall(id: "x") { userErrors { code } } }',
    ):
        first, second = await twice(api, query)
        assert first == second
    assert compiled.answered == 0
    assert compiled.declined >= 3


async def test_a_failure_inside_the_compiled_path_is_answered_by_the_general_path(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await twice(api, LIST)  # compiled now

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the projected read failed")

    monkeypatch.setattr(api.runtime.store.call_rows, "page", broken)
    response = await api.post(LIST)
    assert response.status_code == 200
    assert response.json()["data"]["calls"]["edges"][0]["node"]["events"]


async def test_it_can_be_switched_off() -> None:
    async with running_callboard(config(compiled=False), key=KEY) as api:
        await fill(api, 1)
        first, second = await twice(api, LIST)
        assert first == second
        assert compiled_of(api) is None
