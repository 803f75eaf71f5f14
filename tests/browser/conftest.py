"""GraphiQL in a real browser: Debian's Chromium driven by Playwright (never a browser of
Playwright's own), against the demo's API with a client key, on a thread of its own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from callboard.graphiql.page import missing_assets
from callboard.settings import ClientSettings
from tests.harness import ThreadedDemo, demo_on_a_thread

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


@pytest.fixture(scope="module")
def callboard() -> Iterator[ThreadedDemo]:
    """The demo's API and simulators, the API asking for a client key."""
    with demo_on_a_thread(step_delay=0.05, clients=(ClientSettings("browser", KEY),)) as served:
        yield served


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
