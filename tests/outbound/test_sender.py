"""One attempt on the wire: no SSRF, no redirects, answers read within 64 KiB, the timeout;
and a receiver that hangs holds up neither the webhook route nor other endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from callboard.outbound.sender import MAX_ANSWER_BYTES, Sender
from callboard.settings import OutboundSettings
from tests.harness import serving
from tests.outbound.documents import CALL_EVENTS
from tests.outbound.rig import outbound_rig, until


async def hang(request: Request) -> Response:
    await asyncio.sleep(2)  # longer than the attempts that time out; ends before shutdown
    return Response()


async def redirect(request: Request) -> Response:
    return RedirectResponse("http://127.0.0.1:9/elsewhere", status_code=307)


async def ok(request: Request) -> Response:
    return Response("{}")


RECEIVER = Starlette(
    routes=[
        Route("/hang", hang, methods=["POST"]),
        Route("/redirect", redirect, methods=["POST"]),
        Route("/ok", ok, methods=["POST"]),
    ]
)


@pytest.fixture
async def receiver() -> AsyncIterator[str]:
    async with serving(RECEIVER) as url:
        yield url


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_private_addresses_are_refused_when_connecting(receiver: str, host: str) -> None:
    sender = Sender(OutboundSettings(allow_private_networks=False))
    url = receiver.replace("127.0.0.1", host) + "/ok"
    status, error, _ = await sender.send(url, b"{}", {})
    await sender.aclose()
    assert status is None
    assert error is not None
    assert "refused" in error
    assert "loopback" in error
    allowed = Sender(OutboundSettings(allow_private_networks=True))
    assert (await allowed.send(url, b"{}", {}))[0] == 200
    await allowed.aclose()


async def test_redirects_are_not_followed(receiver: str) -> None:
    sender = Sender(OutboundSettings(allow_private_networks=True))
    status, error, _ = await sender.send(f"{receiver}/redirect", b"{}", {})
    await sender.aclose()
    assert status == 307
    assert error == "HTTP 307 (redirects are not followed)"


class _Endless(httpx.AsyncByteStream):
    """An answer that never ends, counting what was read of it."""

    def __init__(self) -> None:
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.read += 1024
            yield b"x" * 1024


async def test_an_answer_is_read_no_further_than_64_kib() -> None:
    answer = _Endless()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=answer))
    sender = Sender(OutboundSettings(), transport)
    status, error, _ = await sender.send("https://crm.example/hooks", b"{}", {})
    await sender.aclose()
    assert (status, error) == (200, None)
    assert answer.read == MAX_ANSWER_BYTES


async def test_an_attempt_ends_at_the_timeout(receiver: str) -> None:
    sender = Sender(OutboundSettings(allow_private_networks=True, timeout_seconds=0.3))
    started = time.monotonic()
    status, error, took = await sender.send(f"{receiver}/hang", b"{}", {})
    await sender.aclose()
    assert (status, error) == (None, "no answer within 0.3 s")
    assert time.monotonic() - started < 2
    assert took >= 300


async def test_a_hanging_receiver_slows_neither_webhooks_nor_other_endpoints(
    receiver: str,
) -> None:
    async with outbound_rig(timeout_seconds=5, lease_seconds=10) as rig:
        created = await rig.api.query(
            "mutation($i: CreateWebhookEndpointInput!) "
            "{ createWebhookEndpoint(input: $i) { endpoint { id } } }",
            {"i": {"url": f"{receiver}/hang", "subscription": CALL_EVENTS}},
        )
        assert created["createWebhookEndpoint"]["endpoint"]
        await rig.endpoint("fast", CALL_EVENTS)
        times = []
        for n in range(20):
            started = time.perf_counter()
            await rig.call_event(f"S{n}")
            times.append(time.perf_counter() - started)
        await until(lambda: len(rig.receiver.got["fast"]) == 20, timeout=5)
    assert max(times) < 0.5  # each webhook answered at once, the hung one waiting
