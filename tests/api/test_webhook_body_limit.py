"""The webhook route keeps to its 1 MiB: a body over it is refused as soon as that is
known (by its Content-Length, or as it streams in), its rest never read, nothing kept.
For every kind: the limit is the route's, before any vendor sees the body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from starlette.types import Message

from callboard.app import create_app
from callboard.webhooks import MAX_BODY
from tests.raw_http import unfinished_request
from tests.vendors import KINDS, Rig, vendor_rig

CHUNK = b" " * 65536


@pytest.fixture(params=KINDS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    async with vendor_rig(request.param) as rig:
        yield rig


def webhook_url(rig: Rig) -> str:
    return f"{rig.api.webhook_base}/{rig.provider_id}?{urlencode(rig.vendor.webhook_auth)}"


async def assert_nothing_kept_and_well(rig: Rig) -> None:
    data = await rig.api.query("{ calls { totalCount } }")
    assert data["calls"]["totalCount"] == 0
    assert (await rig.api.http.get(f"{rig.api.url}/healthz")).status_code == 200


async def test_over_1_mib_by_its_content_length_is_413_before_the_body_is_sent(rig: Rig) -> None:
    # The head and a first part only: the server must answer without the rest.
    answer = await unfinished_request(
        webhook_url(rig),
        {"Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1)},
        [CHUNK],
    )
    assert answer.status == 413
    assert json.loads(answer.body) == {"error": "Body too large."}
    await assert_nothing_kept_and_well(rig)


async def test_a_client_that_sends_all_of_a_larger_body_still_gets_its_413(rig: Rig) -> None:
    # Answered early, but the connection is not cut under the client's feet: an
    # ordinary client, which reads only once it has sent everything, gets the 413.
    response = await rig.api.http.post(webhook_url(rig), content=b" " * (4 * MAX_BODY))
    assert response.status_code == 413
    await assert_nothing_kept_and_well(rig)


async def test_a_chunked_body_is_413_as_soon_as_it_passes_1_mib(rig: Rig) -> None:
    # No Content-Length; the body goes one byte past the limit and never ends.
    parts = [CHUNK] * (MAX_BODY // len(CHUNK)) + [b"x"]
    answer = await unfinished_request(
        webhook_url(rig),
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        parts,
    )
    assert answer.status == 413
    await assert_nothing_kept_and_well(rig)


async def test_a_content_length_that_lies_does_not_get_past_1_mib(rig: Rig) -> None:
    # uvicorn keeps to the Content-Length; a server or proxy that passes on whatever
    # the client streams does not: the app itself must stop at the limit. The body
    # claims 100 bytes and streams 62.5 MiB.
    app = create_app(rig.api.settings)
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        await asyncio.sleep(0)
        return {"type": "http.request", "body": CHUNK, "more_body": pulled < 1_000}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/webhooks/{rig.provider_id}",
        "raw_path": f"/webhooks/{rig.provider_id}".encode(),
        "query_string": urlencode(rig.vendor.webhook_auth).encode(),
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    async with app.router.lifespan_context(app), asyncio.timeout(10):
        await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert pulled == MAX_BODY // len(CHUNK) + 1  # not one part more than it took to know
