"""Callboard with one LiraX provider (webhooks posted straight to it), a receiver on
loopback, and a clock the test moves."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from callboard.app import create_app, server_options
from callboard.demo import address, bind
from callboard.settings import parse_settings
from tests.harness import Api, serving
from tests.lirax_hooks import call_completed
from tests.outbound.documents import CREATE
from tests.outbound.receiver import Clock, Receiver

T = TypeVar("T")

PROVIDER = "lirax-main"
HOOK_TOKEN = "hook-token-0123456789"
# Retries and looks scaled down: the clock is moved on by the tests, the polling is real.
OUTBOUND = {"allow_private_networks": True, "poll_seconds": 0.05, "retry_schedule": [5, 30, 120]}


@dataclass
class Rig:
    api: Api
    receiver: Receiver
    receiver_url: str
    clock: Clock

    async def endpoint(self, name: str, subscription: str, **given: Any) -> dict[str, Any]:
        """An endpoint delivering to the receiver's `/hooks/{name}`."""
        fields = {"url": f"{self.receiver_url}/hooks/{name}", "subscription": subscription}
        made = (await self.api.query(CREATE, {"input": {**fields, **given}}))[
            "createWebhookEndpoint"
        ]
        assert made["userErrors"] == [], made
        self.receiver.secrets[name] = made["endpoint"]["secret"]
        return made["endpoint"]  # type: ignore[no-any-return]

    async def call_event(self, callid: str) -> None:
        """A LiraX webhook: a finished call, one event."""
        response = await self.api.http.post(
            f"{self.api.webhook_base}/{PROVIDER}", data=call_completed(callid, HOOK_TOKEN)
        )
        assert response.status_code == 200, response.text

    def wake(self) -> None:
        """The worker looks again now (after the clock moved)."""
        assert self.api.app is not None
        self.api.app.state.outbound.wake()


def config(
    storage: str = "sqlite://", clients: list[dict[str, Any]] | None = None, **outbound: Any
) -> dict[str, Any]:
    return {
        "storage": {"url": storage},
        "clients": clients or [],
        "outbound": {**OUTBOUND, **outbound},
        "providers": [
            {
                "id": PROVIDER,
                "kind": "lirax",
                "base_url": "http://127.0.0.1:9/general",
                "token": "command-token",
                "webhook_token": HOOK_TOKEN,
            }
        ],
    }


@contextlib.asynccontextmanager
async def outbound_rig(
    *,
    storage: str = "sqlite://",
    clients: list[dict[str, Any]] | None = None,
    receiver: tuple[Receiver, str] | None = None,
    **outbound: Any,
) -> AsyncIterator[Rig]:
    """`clients`: none (open access, the client `local`) unless given; `receiver`: one
    already serving at that URL (shared by several instances), else a new one."""
    clock = Clock()
    sock = bind("127.0.0.1", 0)
    raw = config(storage, clients, **outbound)
    raw["server"] = {"port": sock.getsockname()[1], "public_url": address(sock)}
    settings = parse_settings(raw, source="<test>", environ={})
    app = create_app(settings, clock=clock.now)
    async with contextlib.AsyncExitStack() as stack:
        if receiver is None:
            new = Receiver()
            receiver = new, await stack.enter_async_context(serving(new.app))
        url = await stack.enter_async_context(serving(app, sock, **server_options(settings)))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
        api = Api(url=url, settings=settings, http=http, app=app)
        yield Rig(api, receiver[0], receiver[1], clock)


async def eventually(probe: Callable[[], Awaitable[T]], timeout: float = 10) -> T:  # noqa: ASYNC109
    """`probe()`'s first true answer, asked every 20 ms (AssertionError after `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    for _ in itertools.count():
        found = await probe()
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "not within the time given"
        await asyncio.sleep(0.02)
    raise AssertionError("unreachable")


async def until(check: Callable[[], bool], timeout: float = 10) -> None:  # noqa: ASYNC109
    async def probe() -> bool:
        return check()

    await eventually(probe, timeout)
