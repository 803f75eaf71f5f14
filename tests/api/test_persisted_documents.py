"""Persisted documents over real HTTP: Apollo's automatic persisted queries (a hash not kept
is PersistedQueryNotFound, then the client registers it), trusted documents from a GraphQL
Codegen manifest (nothing else runs), and GET answers an HTTP cache may keep."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql.transport.exceptions import TransportQueryError

from callboard.app import CallboardGraphQL, create_app
from callboard.schema.documents import DocumentCache
from callboard.settings import ConfigError, parse_settings
from tests.harness import Api, running_callboard
from tests.queries import CALL, CALL_EVENTS, CALLS, PLACE_CALL, PROVIDERS
from tests.vendors import Rig

LISTED = "query Providers { providers { id kind } }"
OTHER = "query Other { providers { id } }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# The client preset's default id: SHA-1 names a document here, it secures nothing.
LISTED_ID = hashlib.sha1(LISTED.encode(), usedforsecurity=False).hexdigest()


def apq(text: str, *, version: int = 1, sha: str | None = None) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha or sha256(text)}}


async def post(api: Api, body: dict[str, Any]) -> httpx.Response:
    return await api.http.post(f"{api.url}/graphql", json=body)


async def get(api: Api, **params: Any) -> httpx.Response:
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.http.get(f"{api.url}/graphql", params=encoded)


def code(response: httpx.Response) -> str:
    (error,) = response.json()["errors"]
    return str(error["extensions"]["code"])


def view(api: Api) -> CallboardGraphQL:
    assert api.app is not None
    for route in api.app.routes:
        if isinstance(endpoint := getattr(route, "endpoint", None), CallboardGraphQL):
            return endpoint
    raise AssertionError("no /graphql view")


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_callboard({}) as api:
        yield api


@pytest.fixture
async def lirax_calls(lirax: Rig) -> Rig:
    """A LiraX behind Callboard with three calls placed through it, each at its end (its
    record ready), so that they no longer change between two requests."""
    ids = []
    for n in range(3):
        call = {"provider": lirax.provider_id, "agent": "101", "to": f"+7916000000{n}"}
        placed = await lirax.api.query(PLACE_CALL, {"input": call})
        ids.append(placed["placeCall"]["call"]["id"])
    for call_id in ids:
        for _ in range(200):
            events = (await lirax.api.query(CALL, {"id": call_id}))["call"]["events"]
            if any(event["kind"] == "RECORDING_READY" for event in events):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"call {call_id} never ended: {events}")
    return lirax


async def test_an_unknown_hash_is_not_found_then_registered_by_query_and_hash(api: Api) -> None:
    missing = await post(api, {"extensions": apq(PROVIDERS)})
    assert missing.status_code == 200  # what Apollo Client's persisted-queries link reads
    assert missing.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    registered = await post(api, {"query": PROVIDERS, "extensions": apq(PROVIDERS)})
    by_hash = await post(api, {"extensions": apq(PROVIDERS)})
    full = await post(api, {"query": PROVIDERS})
    assert registered.status_code == by_hash.status_code == 200
    assert by_hash.json() == full.json() == registered.json()
    assert by_hash.json()["data"]["providers"] == []
    # The GraphQL over HTTP proposal's `documentId` names the same document.
    by_id = await post(api, {"documentId": f"sha256:{sha256(PROVIDERS)}"})
    assert by_id.json() == full.json()


async def test_a_hash_that_is_not_the_querys_is_refused_and_registers_nothing(api: Api) -> None:
    wrong = await post(api, {"query": PROVIDERS, "extensions": apq(PROVIDERS, sha=sha256(OTHER))})
    assert wrong.status_code == 400
    assert code(wrong) == "PERSISTED_QUERY_HASH_MISMATCH"
    for text in (PROVIDERS, OTHER):
        assert code(await post(api, {"extensions": apq(text)})) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": "abc"},
        apq(PROVIDERS, version=2),
        {"persistedQuery": {"version": 1, "sha256Hash": 5}},
    ],
    ids=["not an object", "version 2", "a hash not a string"],
)
async def test_a_malformed_persisted_query_is_a_bad_request(
    api: Api, extensions: dict[str, Any]
) -> None:
    response = await post(api, {"extensions": extensions})
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


async def test_both_a_query_and_a_document_id_is_a_bad_request(api: Api) -> None:
    response = await post(api, {"query": PROVIDERS, "documentId": sha256(PROVIDERS)})
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


async def test_a_persisted_query_answers_exactly_as_the_same_query_in_full(
    lirax_calls: Rig,
) -> None:
    """Differential: the same bytes whichever way the document came, and the compiled path
    (issue 19) answers a persisted query as it answers the query sent in full."""
    api = lirax_calls.api
    compiled = view(api).compiled
    assert compiled is not None
    call_id = (await api.query(CALLS, {"first": 1}))["calls"]["edges"][0]["node"]["id"]
    cases = [
        (CALLS, {"first": 2}),
        (CALLS, {"first": 10, "phone": "+79160000001"}),
        (CALL, {"id": call_id}),
        (PROVIDERS, {}),
        ("query { calls(first: 3) { edges { node { id events { kind status } } } } }", {}),
    ]
    for text, variables in cases:
        full = await post(api, {"query": text, "variables": variables})  # the general path
        assert full.status_code == 200
        assert "errors" not in full.json(), full.text
        await post(api, {"query": text, "variables": variables, "extensions": apq(text)})
        before = compiled.answered
        again = await post(api, {"query": text, "variables": variables})
        in_full = compiled.answered - before  # 1 when the compiled path covers it
        by_hash = await post(api, {"variables": variables, "extensions": apq(text)})
        by_get = await get(api, variables=variables, extensions=apq(text))
        assert by_hash.content == by_get.content == again.content == full.content
        assert compiled.answered - before == 3 * in_full, text
    assert compiled.answered > 0  # a calls page is what the compiled path is for


async def test_a_get_querys_answer_is_cacheable_and_its_errors_are_not(api: Api) -> None:
    await post(api, {"query": PROVIDERS, "extensions": apq(PROVIDERS)})
    answer = await get(api, extensions=apq(PROVIDERS))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, max-age=5"
    assert "authorization" in answer.headers["vary"].lower()
    in_full = await get(api, query=PROVIDERS)
    assert in_full.headers["cache-control"] == "private, max-age=5"
    # Not yet registered: a cache must not keep the not-found, or the hash stays unknown.
    missing = await get(api, extensions=apq(OTHER))
    assert code(missing) == "PERSISTED_QUERY_NOT_FOUND"
    assert missing.headers["cache-control"] == "no-store"
    invalid = await get(api, query="{ nope }")
    assert invalid.headers["cache-control"] == "no-store"
    # POST answers are not for caches
    assert "cache-control" not in (await post(api, {"query": PROVIDERS})).headers


async def test_a_persisted_mutation_over_get_is_refused_and_not_run(lirax: Rig) -> None:
    api = lirax.api
    variables = {"input": {"provider": lirax.provider_id, "agent": "101", "to": "+79123456789"}}
    # Registered with a refusal (userErrors): the document is kept, no call is made.
    bad = {"input": {**variables["input"], "to": "12"}}
    await post(api, {"query": PLACE_CALL, "variables": bad, "extensions": apq(PLACE_CALL)})
    refused = await get(api, variables=variables, extensions=apq(PLACE_CALL))
    assert refused.status_code == 400  # as a GET mutation sent in full is
    assert code(refused) == "BAD_REQUEST"
    assert refused.headers["cache-control"] == "no-store"
    calls = await api.query(CALLS, {"first": 5})
    assert calls["calls"]["totalCount"] == 0
    by_post = await post(api, {"variables": variables, "extensions": apq(PLACE_CALL)})
    placed = by_post.json()["data"]["placeCall"]
    assert placed["userErrors"] == []
    assert placed["call"] is not None
    assert "cache-control" not in by_post.headers


async def test_no_cache_max_age_means_no_store() -> None:
    async with running_callboard({"graphql": {"cache_max_age": 0}}) as never:
        answer = await get(never, query=PROVIDERS)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"


def manifest(tmp_path: Path) -> str:
    """What GraphQL Codegen's client preset writes (its default hash, SHA-1, for one)."""
    path = tmp_path / "persisted-documents.json"
    subscription = "subscription Events($callId: ID) { callEvents(callId: $callId) { id } }"
    documents = {
        LISTED_ID: LISTED,
        sha256(subscription): subscription,
    }
    path.write_text(json.dumps(documents))
    return str(path)


@pytest.fixture
async def trusted(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_callboard({"graphql": {"trusted_documents": manifest(tmp_path)}}) as api:
        yield api


async def test_only_the_manifests_documents_run(trusted: Api) -> None:
    listed = await post(trusted, {"query": LISTED})
    assert listed.status_code == 200
    assert listed.json() == {"data": {"providers": []}}
    by_id = await post(trusted, {"documentId": LISTED_ID})
    by_apq = await post(trusted, {"extensions": apq(LISTED)})  # Apollo Client's SHA-256
    by_get = await get(trusted, documentId=LISTED_ID)
    assert by_id.json() == by_apq.json() == by_get.json() == listed.json()
    other = await post(trusted, {"query": OTHER})
    assert other.status_code == 400
    assert code(other) == "PERSISTED_QUERY_REQUIRED"
    assert code(await post(trusted, {"documentId": sha256(OTHER)})) == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_documents_register_nothing(trusted: Api) -> None:
    registering = await post(trusted, {"query": OTHER, "extensions": apq(OTHER)})
    assert code(registering) == "PERSISTED_QUERY_REQUIRED"
    assert code(await post(trusted, {"extensions": apq(OTHER)})) == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_documents_hold_over_websocket_too(trusted: Api) -> None:
    with pytest.raises(TransportQueryError) as refused:
        async with trusted.subscription(CALL_EVENTS) as events:
            await anext(events)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("{", "not valid JSON"),
        ('["query { providers { id } }"]', "must be a JSON object"),
        ('{"abc": 5}', "must be a JSON object"),
    ],
)
def test_a_manifest_that_cannot_be_read_is_one_clear_message(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "manifest.json"
    if content is not None:
        path.write_text(content)
    settings = parse_settings({"graphql": {"trusted_documents": str(path)}})
    with pytest.raises(ConfigError, match=problem) as error:
        create_app(settings)
    assert "[graphql] trusted_documents" in str(error.value)


@pytest.mark.parametrize("value", [-1, True, "5"])
def test_cache_max_age_must_be_whole_seconds(value: object) -> None:
    with pytest.raises(ConfigError, match="cache_max_age"):
        parse_settings({"graphql": {"cache_max_age": value}})


def test_registered_documents_are_kept_within_the_document_caches_budget() -> None:
    cache = DocumentCache(64 * 1024)
    texts = [f"query Q{n} {{ providers {{ id }} }}" for n in range(1_000)]
    for text in texts:
        cache.register(sha256(text), text)
    assert cache.bytes <= cache.max_bytes
    assert cache.registered(sha256(texts[0])) is None  # the oldest went first
    assert cache.registered(sha256(texts[-1])) == texts[-1]
