"""How many requests Callboard makes to Zvonobot for robocalls, and how long they take.

Callboard and the Zvonobot simulator run under uvicorn in this process, on loopback;
the simulator counts the requests it gets. For each size: start a robocall to that
many phones (planned for later, so no webhooks run), then read them all back with one
`robocalls(ids: ...)` query, and two aliased halves in one document.
Run: .venv/bin/python bench/bench_robocalls.py [--sizes 1000,12000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import socket
import time
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.types import ASGIApp

from callboard.app import create_app
from callboard.demo import address, bind
from callboard.providers.zvonobot.simulator import ZvonobotSimulator
from callboard.settings import parse_settings

KEY = "bench-api-key"
PROVIDER = "zvonobot-bench"
START = """
mutation($i: StartRobocallInput!) {
  startRobocall(input: $i) { calls { providerCallId } userErrors { message } }
}"""
READ = 'query($ids: [String!]!) { robocalls(provider: "%s", ids: $ids) { id status } }'
HALVES = """
query($a: [String!]!, $b: [String!]!) {
  a: robocalls(provider: "%s", ids: $a) { id }
  b: robocalls(provider: "%s", ids: $b) { id }
}"""


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, sock: socket.socket) -> AsyncIterator[None]:
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def graphql(http: httpx.AsyncClient, url: str, query: str, variables: dict) -> dict:  # type: ignore[type-arg]
    response = await http.post(f"{url}/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL errors: {body['errors']}")
    return body["data"]  # type: ignore[no-any-return]


async def run(sizes: list[int]) -> None:
    api_sock, sim_sock = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    sim = ZvonobotSimulator(KEY, max_phones=5000)
    settings = parse_settings(
        {
            "server": {"port": api_sock.getsockname()[1], "public_url": address(api_sock)},
            "storage": {"url": "sqlite://"},
            "providers": [
                {
                    "id": PROVIDER,
                    "kind": "zvonobot",
                    "base_url": address(sim_sock),
                    "api_key": KEY,
                    "moderation_lifted": True,
                }
            ],
        },
        environ={},
    )
    api = address(api_sock)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )
    print(
        f"{'calls':>7} {'create reqs':>11} {'start s':>8} | {'get reqs':>8} {'read s':>7}"
        f" | {'halves: get reqs':>16}"
    )
    async with (
        serving(sim.app, sim_sock),
        serving(create_app(settings), api_sock),
        httpx.AsyncClient(timeout=300) as http,
    ):
        for size in sizes:
            sim.requests.clear()
            phones = [f"+79{n:09d}" for n in range(10**8, 10**8 + size)]
            began = time.perf_counter()
            started = await graphql(
                http,
                api,
                START,
                {
                    "i": {
                        "provider": PROVIDER,
                        "phones": phones,
                        "outgoingPhone": "+74950000001",
                        "message": {"text": "Benchmark"},
                        "plannedAt": "2030-01-01T09:00:00+03:00",
                    }
                },
            )
            start_s = time.perf_counter() - began
            ids = [c["providerCallId"] for c in started["startRobocall"]["calls"]]
            creates = sim.requests["/apiCalls/create"]
            began = time.perf_counter()
            read = await graphql(http, api, READ % PROVIDER, {"ids": ids})
            read_s = time.perf_counter() - began
            assert len(read["robocalls"]) == size
            assert None not in read["robocalls"]
            gets = sim.requests["/apiCalls/get"]
            half = size // 2
            await graphql(
                http, api, HALVES % (PROVIDER, PROVIDER), {"a": ids[:half], "b": ids[half:]}
            )
            halves = sim.requests["/apiCalls/get"] - gets
            print(
                f"{size:>7} {creates:>11} {start_s:>8.2f} | {gets:>8} {read_s:>7.2f} | {halves:>16}"
            )
    await sim.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,12000", help="comma-separated call counts")
    args = parser.parse_args()
    asyncio.run(run([int(s) for s in args.sizes.split(",")]))


if __name__ == "__main__":
    main()
