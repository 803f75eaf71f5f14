"""/graphql requests that cannot be read: each one a 400 (413 over a body limit) with a
GraphQL error body, never a 500 or a plain-text answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.harness import Api, running_callboard

KEY = "key-of-the-client-0123456789"
JSON = {"content-type": "application/json"}
DEEP = "[" * 1000 + "]" * 1000
UPLOAD = (
    "mutation($i: CreateAudioRecordInput!) { createAudioRecord(input: $i) { userErrors { code } } }"
)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    config = {
        "clients": [{"name": "crm", "key": KEY}],
        "graphql": {"max_body_bytes": 64 * 1024, "max_upload_bytes": 256 * 1024},
    }
    async with running_callboard(config, key=KEY) as api:
        api.http.headers["Authorization"] = f"Bearer {KEY}"
        yield api


def multipart(operations: str | bytes, files_map: str, **files: bytes) -> dict[str, Any]:
    return {
        "files": {
            "operations": (None, operations),
            "map": (None, files_map),
            **{name: (f"{name}.mp3", content, "audio/mpeg") for name, content in files.items()},
        }
    }


def upload_operations() -> str:
    return json.dumps({"query": UPLOAD, "variables": {"i": {"provider": "x", "name": "n"}}})


MALFORMED_POSTS: dict[str, dict[str, Any]] = {
    "a body that is not UTF-8": {"content": b'{"query": "{ __typename \xff }"}', "headers": JSON},
    "a body that is not JSON": {"content": b"{", "headers": JSON},
    "an empty body": {"content": b"", "headers": JSON},
    "a body null": {"content": b"null", "headers": JSON},
    'a body "x"': {"content": b'"x"', "headers": JSON},
    "a list of operations": {"json": [{"query": "{ __typename }"}]},
    "no query": {"json": {"variables": {}}},
    "a query not a string": {"json": {"query": ["{ __typename }"]}},
    "variables not an object": {"json": {"query": "{ __typename }", "variables": [1]}},
    "variables nested 1,000 deep": {
        "content": b'{"query": "{ __typename }", "variables": {"v": ' + DEEP.encode() + b"}}",
        "headers": JSON,
    },
    "extensions not an object": {"json": {"query": "{ __typename }", "extensions": "x"}},
    "operationName not a string": {"json": {"query": "{ __typename }", "operationName": 1}},
    "an unknown operationName": {"json": {"query": "{ __typename }", "operationName": "Nope"}},
    "a content type that is not JSON": {
        "content": b'{"query": "{ __typename }"}',
        "headers": {"content-type": "text/plain"},
    },
    "a map that is a list": multipart('{"query": "{ __typename }"}', "[1]"),
    "a map naming a missing file": multipart(upload_operations(), '{"0": ["variables.i.file"]}'),
    "a map path outside operations": multipart(
        upload_operations(), '{"0": ["variables.nowhere.file"]}', **{"0": b"ID3"}
    ),
    "a map path that is not a string": multipart(
        upload_operations(), '{"0": [1]}', **{"0": b"ID3"}
    ),
    "a map path onto a value": multipart(
        upload_operations(), '{"0": ["variables.i.name"]}', **{"0": b"ID3"}
    ),
    "operations not an object": multipart('"x"', "{}"),
    "operations null": multipart("null", "{}"),
    "a list of operations in a multipart request": multipart('[{"query": "{ __typename }"}]', "{}"),
    "operations not JSON": multipart("{", "{}"),
    "operations nested 1,000 deep": multipart(
        '{"query": "{ __typename }", "v": ' + DEEP + "}", "{}"
    ),
    "no map": {"files": {"operations": (None, '{"query": "{ __typename }"}')}},
    "operations sent as a file": {
        "files": {"operations": ("o.json", b'{"query": "{ __typename }"}'), "map": (None, "{}")}
    },
    "a multipart body without a boundary": {
        "content": b"x",
        "headers": {"content-type": "multipart/form-data"},
    },
    "a multipart body that is not multipart": {
        "content": b"x",
        "headers": {"content-type": "multipart/form-data; boundary=b"},
    },
}

MALFORMED_GETS: dict[str, dict[str, str]] = {
    "no query": {"variables": "{}"},
    "variables not JSON": {"query": "{ __typename }", "variables": "{"},
    "variables not an object": {"query": "{ __typename }", "variables": "[1]"},
    "variables nested 1,000 deep": {"query": "{ __typename }", "variables": DEEP},
    "extensions not JSON": {"query": "{ __typename }", "extensions": "x"},
    "a mutation": {"query": "mutation { __typename }"},
}


def assert_bad_request(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]
    return str(error["message"])


@pytest.mark.parametrize("request_", MALFORMED_POSTS.values(), ids=MALFORMED_POSTS.keys())
async def test_a_malformed_post_is_400_with_a_graphql_error(
    api: Api, request_: dict[str, Any]
) -> None:
    assert_bad_request(await api.http.post(f"{api.url}/graphql", **request_))


@pytest.mark.parametrize("params", MALFORMED_GETS.values(), ids=MALFORMED_GETS.keys())
async def test_a_malformed_get_is_400_with_a_graphql_error(
    api: Api, params: dict[str, str]
) -> None:
    response = await api.http.get(
        f"{api.url}/graphql", params=params, headers={"accept": "application/json"}
    )
    assert_bad_request(response)


async def test_the_messages_say_what_is_wrong(api: Api) -> None:
    deep = await api.http.post(
        f"{api.url}/graphql", **MALFORMED_POSTS["variables nested 1,000 deep"]
    )
    assert "nested deeper than" in assert_bad_request(deep)
    utf8 = await api.http.post(f"{api.url}/graphql", **MALFORMED_POSTS["a body that is not UTF-8"])
    assert "UTF-8" in assert_bad_request(utf8)
    files = await api.http.post(
        f"{api.url}/graphql", **MALFORMED_POSTS["a map naming a missing file"]
    )
    assert "'0'" in assert_bad_request(files)


async def test_the_server_answers_well_formed_requests_after_malformed_ones(api: Api) -> None:
    for request_ in MALFORMED_POSTS.values():
        await api.http.post(f"{api.url}/graphql", **request_)
    assert await api.query("{ __typename }") == {"__typename": "Query"}


async def test_a_json_body_over_its_limit_is_413(api: Api) -> None:
    response = await api.post("{ __typename }", {"padding": "x" * 100_000})
    message = assert_bad_request(response, 413)
    assert "65,536 bytes" in message
    assert "[graphql] max_body_bytes" in message


async def test_a_chunked_body_over_its_limit_is_413(api: Api) -> None:
    body = json.dumps({"query": "{ __typename }", "variables": {"padding": "x" * 100_000}})

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit is found while the body is read.
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192].encode()

    response = await api.http.post(f"{api.url}/graphql", content=chunks(), headers=JSON)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "[graphql] max_body_bytes" in assert_bad_request(response, 413)


async def test_an_upload_has_its_own_larger_limit(api: Api) -> None:
    files_map = '{"0": ["variables.i.file"]}'
    operations = json.dumps(
        {"query": UPLOAD, "variables": {"i": {"provider": "x", "name": "n", "file": None}}}
    )
    # over the JSON limit, under the upload's: it reaches the mutation
    fits = multipart(operations, files_map, **{"0": b"ID3" + b"\0" * 100_000})
    response = await api.http.post(f"{api.url}/graphql", **fits)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["createAudioRecord"]["userErrors"] == [{"code": "NOT_FOUND"}]
    too_large = multipart(operations, files_map, **{"0": b"ID3" + b"\0" * 300_000})
    response = await api.http.post(f"{api.url}/graphql", **too_large)
    assert "[graphql] max_upload_bytes" in assert_bad_request(response, 413)


async def test_a_request_without_a_key_is_refused_before_its_body_is_read(api: Api) -> None:
    response = await api.http.post(
        f"{api.url}/graphql",
        json={"query": "{ __typename }", "variables": {"padding": "x" * 100_000}},
        headers={"Authorization": ""},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
