"""The demo (Callboard and every vendor simulator) served on a thread of its own, for
tests that throw many hostile requests at it with a plain, blocking client."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from callboard.app import server_options
from callboard.demo import build_demo
from callboard.providers.wiring import wired_kinds
from callboard.runtime import Runtime
from tests.harness import serving


@dataclass
class Demo:
    url: str
    runtime: Runtime
    http: httpx.Client

    def healthy(self) -> None:
        """Fails unless the server still answers, a query as well as its health check."""
        assert self.http.get(f"{self.url}/healthz").status_code == 200
        answer = self.http.post(f"{self.url}/graphql", json={"query": "{ providers { id } }"})
        assert answer.status_code == 200
        assert len(answer.json()["data"]["providers"]) == len(wired_kinds()) == 5


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    started = threading.Event()
    state: dict[str, object] = {}

    async def serve() -> None:
        rig = build_demo("127.0.0.1", 0, step_delay=0.01)
        stop = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as stack:
                for _, simulator, sock in rig.simulators:
                    await stack.enter_async_context(serving(simulator.app, sock))
                options = server_options(rig.settings)
                url = await stack.enter_async_context(serving(rig.app, rig.api_socket, **options))
                state.update(url=url, runtime=rig.app.state.runtime, stop=stop)
                state["loop"] = asyncio.get_running_loop()
                started.set()
                await stop.wait()
        finally:
            await rig.aclose()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(30), "the demo did not start"
    try:
        with httpx.Client(timeout=30) as http:
            yield Demo(str(state["url"]), state["runtime"], http)  # type: ignore[arg-type]
    finally:
        loop: asyncio.AbstractEventLoop = state["loop"]  # type: ignore[assignment]
        stop: asyncio.Event = state["stop"]  # type: ignore[assignment]
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
