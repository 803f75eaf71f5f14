"""Real servers on loopback for tests: Callboard and vendor simulators under uvicorn,
queried with real clients (httpx over HTTP, gql over WebSocket)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
import websockets
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from opentelemetry.sdk.trace.export import SpanExporter
from starlette.applications import Starlette
from starlette.types import ASGIApp

from callboard.app import create_app, server_options
from callboard.demo import address, bind, build_demo
from callboard.runtime import Runtime
from callboard.settings import ClientSettings, Settings, parse_settings

TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # graphql-transport-ws
LEGACY_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL  # graphql-ws


@contextlib.asynccontextmanager
async def serving(
    app: ASGIApp, sock: socket.socket | None = None, **options: Any
) -> AsyncIterator[str]:
    """Run `app` under uvicorn on a loopback socket (with Callboard's `server_options`,
    for the API); yields its base URL."""
    sock = sock or bind("127.0.0.1", 0)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", lifespan="on", **{"proxy_headers": False, **options}
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield address(sock)
    finally:
        server.should_exit = True
        await task
        sock.close()


class GraphQLFailed(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> list[str | None]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


@dataclass
class Api:
    """A running Callboard: its URL and real clients for it."""

    url: str
    settings: Settings
    http: httpx.AsyncClient
    key: str | None = None
    app: Starlette | None = None

    @property
    def runtime(self) -> Runtime:
        """What the running app holds (its providers, its store)."""
        assert self.app is not None
        return self.app.state.runtime  # type: ignore[no-any-return]

    @property
    def webhook_base(self) -> str:
        return f"{self.url}/webhooks"

    async def post(
        self, query: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> httpx.Response:
        key = key if key is not None else self.key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return await self.http.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": dict(variables or {})},
            headers=headers,
        )

    async def query(
        self, query: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a successful answer; `GraphQLFailed` with the errors otherwise."""
        response = await self.post(query, variables, key=key)
        body = response.json()
        if body.get("errors"):
            raise GraphQLFailed(body["errors"])
        assert response.status_code == 200, response.text
        return body["data"]  # type: ignore[no-any-return]

    @contextlib.asynccontextmanager
    async def subscription(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        protocol: str = TRANSPORT_WS,
    ) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """An open subscription: iterate it for each event's `data`."""
        key = key if key is not None else self.key
        transport = WebsocketsTransport(
            url=self.url.replace("http://", "ws://") + "/graphql",
            init_payload={"Authorization": f"Bearer {key}"} if key else {},
            subprotocols=[protocol],
        )
        async with Client(transport=transport) as session:
            request = GraphQLRequest(query, variable_values=dict(variables or {}))
            agen = session.subscribe(request)
            try:
                yield agen  # type: ignore[misc]
            finally:
                await agen.aclose()  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def running_callboard(
    config: Mapping[str, Any],
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    api_socket: socket.socket | None = None,
    key: str | None = None,
    span_exporter: SpanExporter | None = None,
) -> AsyncIterator[Api]:
    """Callboard for `config` (TOML as a dict); storage defaults to a fresh SQLite;
    `span_exporter` gets its traces."""
    sock = api_socket or bind("127.0.0.1", 0)
    config = {**config}
    server = {"host": "127.0.0.1", "port": sock.getsockname()[1], "public_url": address(sock)}
    config["server"] = {**server, **config.get("server", {})}
    config.setdefault("storage", {"url": "sqlite://"})
    settings = parse_settings(config, source="<test>", environ={})
    app = create_app(settings, transports=transports, span_exporter=span_exporter)
    async with (
        serving(app, sock, **server_options(settings)) as url,
        httpx.AsyncClient(timeout=10) as http,
    ):
        yield Api(url=url, settings=settings, http=http, key=key, app=app)


async def next_event(events: AsyncIterator[dict[str, Any]], timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        return await anext(events)


async def next_message(ws: websockets.ClientConnection) -> dict[str, Any]:
    """The next message on a raw WebSocket (the `websockets` client), as JSON."""
    async with asyncio.timeout(10):
        message = json.loads(await ws.recv())
    assert isinstance(message, dict)
    return message


# The cursor before the first event: a subscription with `after: FROM_START` misses
# nothing, however late its WebSocket is set up relative to what the test does next.
FROM_START = base64.b64encode(b"CallEvent:0").decode()


@dataclass
class ThreadedDemo:
    """The demo served on a thread of its own: the API's URL and runtime, and each
    simulator's base URL by its vendor's label."""

    url: str
    runtime: Runtime
    simulators: dict[str, str]


@contextlib.contextmanager
def demo_on_a_thread(
    *, step_delay: float, clients: tuple[ClientSettings, ...] = ()
) -> Iterator[ThreadedDemo]:
    """The demo (Callboard and every vendor simulator) on a thread of its own, for tests
    with blocking clients (a browser, a stream of hostile requests); with `clients`, the
    API asks for their keys."""
    started = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        rig = build_demo("127.0.0.1", 0, step_delay=step_delay)
        settings = dataclasses.replace(rig.settings, clients=clients)
        app = create_app(settings) if clients else rig.app
        stop = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as stack:
                simulators = {}
                for label, simulator, sock in rig.simulators:
                    simulators[label] = await stack.enter_async_context(
                        serving(simulator.app, sock)
                    )
                options = server_options(settings)
                url = await stack.enter_async_context(serving(app, rig.api_socket, **options))
                state.update(demo=ThreadedDemo(url, app.state.runtime, simulators), stop=stop)
                state["loop"] = asyncio.get_running_loop()
                started.set()
                await stop.wait()
        finally:
            await rig.aclose()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(30), "the demo did not start"
    try:
        yield state["demo"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(30)
