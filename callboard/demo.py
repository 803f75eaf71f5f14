"""`callboard demo`: the API with every provider kind backed by its simulator, on loopback.

Each simulator is a real HTTP server on its own loopback port speaking its vendor's wire
format, and posts its webhooks back to the API the way the vendor would.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from callboard.app import create_app, server_options, tune_garbage_collection
from callboard.outbound.echo import EchoReceiver
from callboard.providers.simulator_base import Simulator
from callboard.providers.wiring import SimulatorSetup, wired_kinds, wiring_of
from callboard.settings import Settings, parse_settings

__all__ = ["DemoRig", "build_demo", "run_demo"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound now so its port is known before the server starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio's default loop sets TCP_NODELAY on accepted
    # connections only when the listening socket says TCP; without it Nagle plus delayed
    # ACKs add ~40 ms to every response (measured: 44 ms vs 1.2 ms per request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass
class DemoRig:
    """The demo's parts: the settings, the API app, and each simulator with its socket."""

    settings: Settings
    app: ASGIApp
    api_socket: socket.socket
    simulators: list[tuple[str, Simulator, socket.socket]]  # (vendor, simulator, socket)
    # The built-in webhook receiver the demo's endpoint delivers to (outbound/echo.py).
    echo: EchoReceiver | None = None
    echo_socket: socket.socket | None = None

    async def aclose(self) -> None:
        for _, simulator, _ in self.simulators:
            await simulator.aclose()
        if self.echo_socket is not None:
            self.echo_socket.close()


def _fresh_secret(example: str) -> str:
    return secrets.token_urlsafe(16)


def build_demo(host: str = "127.0.0.1", port: int = 8000, *, step_delay: float = 1.5) -> DemoRig:
    """Every built-in kind as the provider `<kind>-demo`, behind its simulator on a
    loopback port of its own, with secrets drawn for this run."""
    api_socket = bind(host, port)
    public = address(api_socket)
    entries: list[dict[str, Any]] = []
    simulators: list[tuple[str, Simulator, socket.socket]] = []
    for kind in wired_kinds():
        wiring, sock, provider_id = wiring_of(kind), bind(host, 0), f"{kind}-demo"
        credentials = wiring.credentials(_fresh_secret)
        entry = wiring.entry(provider_id, kind, address(sock), credentials)
        entries.append({**entry, **wiring.demo_options})
        webhook_url = f"{public}/webhooks/{provider_id}"
        simulator = wiring.simulator(SimulatorSetup(credentials, webhook_url, step_delay))
        simulators.append((wiring.label, simulator, sock))
    settings = parse_settings(
        {
            "server": {"host": host, "port": api_socket.getsockname()[1], "public_url": public},
            "storage": {"url": "sqlite://"},
            # The demo's endpoint (and any a newcomer adds) may be on this machine.
            "outbound": {"allow_private_networks": True},
            "providers": entries,
        },
        source="<demo>",
        environ={},
    )
    return DemoRig(
        settings=settings,
        app=create_app(settings),
        api_socket=api_socket,
        simulators=simulators,
        echo=EchoReceiver(),
        echo_socket=bind(host, 0),
    )


# The endpoint the demo makes at start: every call event, to the echo receiver.
_DEMO_ENDPOINT = """
mutation($url: String!) {
  createWebhookEndpoint(input: {
    url: $url
    subscription: "subscription { callEvents { id kind status call { id from to status } } }"
    description: "The demo's echo receiver"
  }) { endpoint { id } userErrors { message } }
}"""


async def _make_demo_endpoint(rig: DemoRig, api: uvicorn.Server) -> None:
    """Once the API is up, an endpoint on the echo receiver, made as a client would."""
    if rig.echo_socket is None:
        return
    while not api.started:  # noqa: ASYNC110 - uvicorn says so with a flag only
        await asyncio.sleep(0.05)
    public = rig.settings.server.public_url
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            f"{public}/graphql",
            json={
                "query": _DEMO_ENDPOINT,
                "variables": {"url": f"{address(rig.echo_socket)}/hooks"},
            },
        )
    answer.raise_for_status()


async def serve_rig(rig: DemoRig, *, announce: Callable[[str], None] | None = None) -> None:
    servers = [
        (
            uvicorn.Server(
                uvicorn.Config(
                    simulator.app, log_level="warning", lifespan="on", proxy_headers=False
                )
            ),
            sock,
        )
        for _, simulator, sock in rig.simulators
    ]
    if rig.echo is not None and rig.echo_socket is not None:
        echo = uvicorn.Config(rig.echo.app, log_level="warning", lifespan="off")
        servers.append((uvicorn.Server(echo), rig.echo_socket))
    api = uvicorn.Server(
        uvicorn.Config(rig.app, log_level="info", lifespan="on", **server_options(rig.settings))
    )
    if announce:
        announce(_banner(rig))
    try:
        await asyncio.gather(
            api.serve(sockets=[rig.api_socket]),
            *(server.serve(sockets=[sock]) for server, sock in servers),
            _make_demo_endpoint(rig, api),
        )
    finally:
        await rig.aclose()


def _banner(rig: DemoRig) -> str:
    public = rig.settings.server.public_url
    lines = [
        "Callboard demo: every provider is a simulator on this machine.",
        f"  GraphiQL:  {public}/graphql",
        f"  Metrics:   {public}/metrics  (Prometheus' text format)",
        "  No client keys: anyone who can reach this loopback address may use the API.",
        "  Storage:   SQLite in a temporary directory, removed when the demo stops.",
        "  Providers:",
    ]
    lines += [f"    {p.id:<14} {p.kind:<9} -> {p.options.base_url}" for p in rig.settings.providers]
    if rig.echo_socket is not None:
        lines.append(
            f"  Webhooks:  every call event is POSTed, signed, to the echo receiver at "
            f"{address(rig.echo_socket)} (see webhookEndpoints, webhookDeliveries)"
        )
    lines.append("  Try the tour in README.md; stop with Ctrl+C.")
    return "\n".join(lines)


def run_demo(host: str, port: int, step_delay: float) -> None:
    rig = build_demo(host, port, step_delay=step_delay)
    tune_garbage_collection()
    asyncio.run(serve_rig(rig, announce=lambda text: print(text, file=sys.stderr, flush=True)))
