"""Subscriptions over HTTP, read off the wire as curl shows them: GraphQL over SSE
(distinct connections), Apollo's multipart subscriptions, and the BAD_REQUEST a request
gets that asks for one JSON answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.rig import Rig, client_rig
from tests.clients.test_gql_client import (
    CALL_EVENTS,
    FROM_START,
    LAST_KIND,
    place_call,
    stored_events,
)

MULTIPART = 'multipart/mixed;subscriptionSpec="1.0",application/json'


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with client_rig(tmp_path) as running:
        yield running


def subscribe(rig: Rig, call_id: str, accept: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {rig.key}"}
    if accept:
        headers["Accept"] = accept
    body = {"query": CALL_EVENTS, "variables": {"callId": call_id, "after": FROM_START}}
    return {"url": f"{rig.url}/graphql", "json": body, "headers": headers}


async def test_sse_streams_every_event_of_a_call(rig: Rig) -> None:
    call_id = await place_call(rig)
    ids = []
    async with (
        httpx.AsyncClient(timeout=15) as http,
        http.stream("POST", **subscribe(rig, call_id, "text/event-stream")) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "next":
                found = json.loads(line.removeprefix("data: "))["data"]["callEvents"]
                ids.append(found["id"])
                if found["kind"] == LAST_KIND:
                    break
    assert ids == [e["id"] for e in await stored_events(rig, call_id)]


async def test_multipart_streams_every_event_of_a_call(rig: Rig) -> None:
    call_id = await place_call(rig)
    ids = []
    async with (
        httpx.AsyncClient(timeout=15) as http,
        http.stream("POST", **subscribe(rig, call_id, MULTIPART)) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/mixed;boundary=graphql")
        text = ""
        async for chunk in response.aiter_text():
            text += chunk
            parts = [p.partition("\r\n\r\n")[2].strip() for p in text.split("--graphql")]
            payloads = [json.loads(p)["payload"] for p in parts if p.startswith('{"payload"')]
            ids = [p["data"]["callEvents"]["id"] for p in payloads]
            if any(p["data"]["callEvents"]["kind"] == LAST_KIND for p in payloads):
                break
    assert ids == [e["id"] for e in await stored_events(rig, call_id)]


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_asking_for_one_json_answer_is_told_how_to_subscribe(
    rig: Rig, method: str
) -> None:
    request = subscribe(rig, "Q2FsbDox", None)
    async with httpx.AsyncClient(timeout=15) as http:
        if method == "POST":
            response = await http.post(**request)
        else:
            operation = request["json"]
            response = await http.get(
                request["url"],
                params={
                    "query": operation["query"],
                    "variables": json.dumps(operation["variables"]),
                },
                headers=request["headers"],
            )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in error["message"]
    assert "text/event-stream" in error["message"]
