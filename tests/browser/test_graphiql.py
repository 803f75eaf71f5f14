"""GraphiQL as a person uses it, offline: the page loads from Callboard alone, runs a
query over HTTP and a subscription over WebSocket with the key typed in its header editor."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, WebSocket

from callboard.graphiql.tour import TOUR
from tests.browser.conftest import ARTIFACTS, KEY
from tests.harness import ThreadedDemo

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


class Offline:
    """What the page asked for: every request but to loopback is refused and kept."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.requested: list[str] = []
        self.frames_sent: list[str] = []
        self.sockets: list[str] = []
        self.page_errors: list[str] = []

    def route(self, route: Route, request: Request) -> None:
        self.requested.append(request.url)
        if urlsplit(request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.refused.append(request.url)
            route.abort("internetdisconnected")

    def websocket(self, socket: WebSocket) -> None:
        self.sockets.append(socket.url)
        socket.on("framesent", lambda payload: self.frames_sent.append(str(payload)))


@pytest.fixture
def offline(browser: Browser) -> Iterator[tuple[Page, Offline]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    seen = Offline()
    context.route("**/*", seen.route)
    page = context.new_page()
    page.on("websocket", seen.websocket)
    page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
    try:
        yield page, seen
    finally:
        context.close()


def _editor(page: Page, where: str) -> Any:
    return page.locator(f"{where} .CodeMirror").first


def _type_into(page: Page, where: str, text: str) -> None:
    """Replace an editor's text as a person would: click, select all, type."""
    _editor(page, where).click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def _result(page: Page) -> Any:
    text = _editor(page, ".result-window").evaluate("e => e.CodeMirror.getValue()")
    return json.loads(text) if text.strip() else None


def _wait_for_result(page: Page, found: Any, timeout: float = 20_000) -> Any:
    """The result pane once `found(result)` holds."""
    page.wait_for_function(
        f"""() => {{
            const text = document.querySelector('.result-window .CodeMirror')
                .CodeMirror.getValue();
            try {{ return ({found})(JSON.parse(text)); }} catch (e) {{ return false; }}
        }}""",
        timeout=timeout,
    )
    return _result(page)


QUERY_EDITOR = ".graphiql-query-editor"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
RUN = ".graphiql-execute-button"
PROVIDERS = {"lirax-demo", "zvonobot-demo", "twin24-demo", "liner-demo", "while1-demo"}


def test_graphiql_runs_the_tour_offline_with_the_key_from_its_header_editor(
    callboard: ThreadedDemo, offline: tuple[Page, Offline]
) -> None:
    page, seen = offline
    page.goto(f"{callboard.url}/graphql")
    page.wait_for_selector(".graphiql-tab", timeout=20_000)

    # The tour's operations open as tabs, named as in the README.
    titles = [t.strip() for t in page.locator(".graphiql-tab").all_inner_texts()]
    assert titles == [re.split(r"[ {(]", op)[1] for op in TOUR]

    # The header editor opens with the header to fill in; as it is, the key is refused.
    headers = _editor(page, HEADERS_EDITOR).evaluate("e => e.CodeMirror.getValue()")
    assert "Bearer <your client key>" in headers
    _type_into(page, QUERY_EDITOR, "{ providers { id } }")
    page.click(RUN)
    refused = _wait_for_result(page, "r => r.errors !== undefined")
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # With the key typed in, the query runs over HTTP.
    _type_into(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {KEY}"}))
    page.click(RUN)
    answer = _wait_for_result(page, "r => r.data !== undefined")
    assert {p["id"] for p in answer["data"]["providers"]} == PROVIDERS

    # The subscription tab, with the key, over WebSocket; a call placed by another client
    # shows its events in the result pane as they come, the last one RECORDING_READY.
    page.locator(".graphiql-tab", has_text="WatchCalls").click()
    _type_into(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {KEY}"}))
    page.click(RUN)
    placed = httpx.post(
        f"{callboard.url}/graphql",
        headers={"Authorization": f"Bearer {KEY}"},
        json={
            "query": 'mutation { placeCall(input: {provider: "lirax-demo", agent: "101", '
            'to: "8 912 345-67-89"}) { call { id } userErrors { message } } }'
        },
    ).json()["data"]["placeCall"]
    assert placed["userErrors"] == []
    event = _wait_for_result(
        page, "r => r.data && r.data.callEvents && r.data.callEvents.kind === 'RECORDING_READY'"
    )["data"]["callEvents"]
    assert event["call"]["id"] == placed["call"]["id"]
    assert event["call"]["status"] == "COMPLETED"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graphiql.png"))

    # The key went in the socket's connection_init, from the header editor.
    (init,) = [json.loads(f) for f in seen.frames_sent if '"connection_init"' in f]
    assert init["payload"] == {"Authorization": f"Bearer {KEY}"}
    assert seen.sockets
    assert all(urlsplit(u).hostname in LOOPBACK for u in seen.sockets)
    # Everything the page needed came from Callboard: nothing else was even asked for.
    assert seen.refused == []
    assert seen.page_errors == []  # no script of the page failed (the explorer plugin too)
    assert any(re.search(r"/graphiql/graphiql\.min\.js$", u) for u in seen.requested)
