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

import uvicorn
from starlette.types import ASGIApp

from callboard.app import create_app, server_options, tune_garbage_collection
from callboard.providers.liner.simulator import LinerSimulator
from callboard.providers.lirax.simulator import LiraxSimulator
from callboard.providers.twin24.simulator import AUTH_PATH as TWIN24_AUTH_PATH
from callboard.providers.twin24.simulator import Twin24Simulator
from callboard.providers.while1.simulator import While1Simulator
from callboard.providers.zvonobot.simulator import ZvonobotSimulator
from callboard.settings import Settings, parse_settings

__all__ = ["DemoRig", "build_demo", "run_demo"]

DEMO_TRUNK = "demo-trunk"  # the Twin24 trunk numbers use when they name none


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
    simulators: list[tuple[str, Any, socket.socket]]
    lirax: LiraxSimulator
    zvonobot: ZvonobotSimulator
    twin24: Twin24Simulator
    liner: LinerSimulator
    while1: While1Simulator

    async def aclose(self) -> None:
        for simulator in (self.lirax, self.zvonobot, self.twin24, self.liner, self.while1):
            await simulator.aclose()


def build_demo(host: str = "127.0.0.1", port: int = 8000, *, step_delay: float = 1.5) -> DemoRig:
    api_socket = bind(host, port)
    public = address(api_socket)
    lirax_socket, zvonobot_socket = bind(host, 0), bind(host, 0)
    twin24_socket, liner_socket, while1_socket = bind(host, 0), bind(host, 0), bind(host, 0)
    zvonobot_key = secrets.token_urlsafe(16)
    lirax_token, lirax_hook = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    history_password = secrets.token_urlsafe(16)
    twin24_password, liner_key = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    while1_password, while1_key = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    while1_hook = secrets.token_urlsafe(16)
    settings = parse_settings(
        {
            "server": {"host": host, "port": api_socket.getsockname()[1], "public_url": public},
            "storage": {"url": "sqlite://"},
            "providers": [
                {
                    "id": "lirax-demo",
                    "kind": "lirax",
                    "base_url": f"{address(lirax_socket)}/general",
                    "token": lirax_token,
                    "webhook_token": lirax_hook,
                    "history_url": address(lirax_socket),
                    "history_login": "demo",
                    "history_password": history_password,
                },
                {
                    "id": "zvonobot-demo",
                    "kind": "zvonobot",
                    "base_url": address(zvonobot_socket),
                    "api_key": zvonobot_key,
                    # The simulator posts from this machine, not from Zvonobot's address.
                    "allowed_ips": ["127.0.0.0/8", "::1"],
                    "moderation_lifted": True,
                },
                {
                    "id": "twin24-demo",
                    "kind": "twin24",
                    "base_url": address(twin24_socket),
                    "auth_url": f"{address(twin24_socket)}{TWIN24_AUTH_PATH}",
                    "email": "demo@callboard.local",
                    "password": twin24_password,
                    "default_provider_id": DEMO_TRUNK,
                },
                {
                    "id": "liner-demo",
                    "kind": "liner",
                    "base_url": address(liner_socket),
                    "api_key": liner_key,
                },
                {
                    "id": "while1-demo",
                    "kind": "while1",
                    "base_url": address(while1_socket),
                    "api_username": "demo",
                    "api_password": while1_password,
                    "api_key": while1_key,
                    "project_id": 1,
                    "webhook_token": while1_hook,
                },
            ],
        },
        source="<demo>",
        environ={},
    )
    lirax = LiraxSimulator(
        token=lirax_token,
        webhook_token=lirax_hook,
        webhook_url=f"{public}/webhooks/lirax-demo",
        step_delay=step_delay,
        history_login="demo",
        history_password=history_password,
    )
    zvonobot = ZvonobotSimulator(zvonobot_key, step_delay=step_delay)
    twin24 = Twin24Simulator(
        email="demo@callboard.local", password=twin24_password, step_delay=step_delay
    )
    liner = LinerSimulator(liner_key)
    while1 = While1Simulator(
        "demo",
        while1_password,
        while1_key,
        project_id=1,
        event_url=f"{public}/webhooks/while1-demo?token={while1_hook}",
        step_delay=step_delay,
    )
    return DemoRig(
        settings=settings,
        app=create_app(settings),
        api_socket=api_socket,
        simulators=[
            ("LiraX", lirax.app, lirax_socket),
            ("Zvonobot", zvonobot.app, zvonobot_socket),
            ("Twin24", twin24.app, twin24_socket),
            ("Liner", liner.app, liner_socket),
            ("While1", while1.app, while1_socket),
        ],
        lirax=lirax,
        zvonobot=zvonobot,
        twin24=twin24,
        liner=liner,
        while1=while1,
    )


async def serve_rig(rig: DemoRig, *, announce: Callable[[str], None] | None = None) -> None:
    servers = [
        (
            uvicorn.Server(
                uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)
            ),
            sock,
        )
        for _, app, sock in rig.simulators
    ]
    api = uvicorn.Server(
        uvicorn.Config(rig.app, log_level="info", lifespan="on", **server_options(rig.settings))
    )
    if announce:
        announce(_banner(rig))
    try:
        await asyncio.gather(
            api.serve(sockets=[rig.api_socket]),
            *(server.serve(sockets=[sock]) for server, sock in servers),
        )
    finally:
        await rig.aclose()


def _banner(rig: DemoRig) -> str:
    public = rig.settings.server.public_url
    lines = [
        "Callboard demo: every provider is a simulator on this machine.",
        f"  GraphiQL:  {public}/graphql",
        "  No client keys: anyone who can reach this loopback address may use the API.",
        "  Storage:   SQLite in a temporary directory, removed when the demo stops.",
        "  Providers:",
    ]
    lines += [f"    {p.id:<14} {p.kind:<9} -> {p.options.base_url}" for p in rig.settings.providers]
    lines.append("  Try the tour in README.md; stop with Ctrl+C.")
    return "\n".join(lines)


def run_demo(host: str, port: int, step_delay: float) -> None:
    rig = build_demo(host, port, step_delay=step_delay)
    tune_garbage_collection()
    asyncio.run(serve_rig(rig, announce=lambda text: print(text, file=sys.stderr, flush=True)))
