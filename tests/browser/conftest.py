"""GraphiQL in a real browser: Debian's Chromium driven by Playwright (never a browser of
Playwright's own), against the demo's API with a client key, on a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from callboard.app import create_app, server_options
from callboard.demo import build_demo
from callboard.graphiql.page import missing_assets
from callboard.settings import ClientSettings
from tests.harness import serving

KEY = "browser-test-key-0123456789"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # kept by CI; git-ignored


def _missing(reason: str) -> None:
    # CI installs both (make test): there a missing one is a failure, not a skip.
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        _missing("no Chromium (Debian's `chromium`; `make test` installs it as root)")
    if missing_assets():
        _missing("GraphiQL's files are not built (`make graphiql`)")
    assert found is not None
    return found


@dataclass
class Served:
    url: str
    simulators: dict[str, str]  # vendor label -> base URL


@pytest.fixture(scope="module")
def callboard() -> Iterator[Served]:
    """The demo's API and simulators, the API asking for a client key."""
    started = threading.Event()
    state: dict[str, object] = {}

    async def serve() -> None:
        rig = build_demo("127.0.0.1", 0, step_delay=0.05)
        settings = dataclasses.replace(rig.settings, clients=(ClientSettings("browser", KEY),))
        stop = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as stack:
                simulators = {}
                for label, simulator, sock in rig.simulators:
                    simulators[label] = await stack.enter_async_context(
                        serving(simulator.app, sock)
                    )
                url = await stack.enter_async_context(
                    serving(create_app(settings), rig.api_socket, **server_options(settings))
                )
                state.update(served=Served(url, simulators), stop=stop)
                state["loop"] = asyncio.get_running_loop()
                started.set()
                await stop.wait()
        finally:
            await rig.aclose()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(30), "Callboard did not start"
    try:
        yield state["served"]  # type: ignore[misc]
    finally:
        loop: asyncio.AbstractEventLoop = state["loop"]  # type: ignore[assignment]
        stop: asyncio.Event = state["stop"]  # type: ignore[assignment]
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the module's tests."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            # Belt and braces beside the tests' own blocking: no host but loopback resolves.
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
        )
        try:
            yield browser
        finally:
            browser.close()
