"""Throughput and latency of Callboard's GraphQL API over real HTTP on loopback.

The API and the LiraX simulator each run under uvicorn in their own process; this process
is only the load generator (httpx, C workers sharing one connection pool).
Run: .venv/bin/python bench/bench_api.py [--seconds N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import secrets
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from callboard.app import create_app
from callboard.demo import address, bind
from callboard.providers.lirax.simulator import LiraxSimulator
from callboard.settings import parse_settings

PROVIDER = "lirax-bench"
STEP_DELAY = 3600.0  # the simulator's call scripts stay asleep: no webhooks during the run
PROVIDERS = "{ providers { id } }"
CALLS = "{ calls(first: 100) { edges { node { id status from to events { kind } } } } }"
PLACE = (
    "mutation($i: PlaceCallInput!) { placeCall(input: $i) { call { id } userErrors { message } } }"
)
PLACE_VARS = {"i": {"provider": PROVIDER, "agent": "101", "to": "+79123456789"}}
Request = Callable[[], Awaitable[None]]


def _serve(make_app: Callable[[], ASGIApp], sock: socket.socket, loop: str) -> None:
    """A child process: one uvicorn server on an already-listening socket, run the way
    `uvicorn.run` runs one (`loop="auto"` picks uvloop when installed, as `callboard serve`)."""
    config = uvicorn.Config(make_app(), loop=loop, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class Rig:
    api: str
    sim: str
    token: str
    procs: list[Any]  # multiprocessing processes

    def cpu_seconds(self) -> float:
        """User+system CPU of the server processes so far (Linux /proc; NaN elsewhere)."""
        try:
            total = 0
            for p in self.procs:
                with open(f"/proc/{p.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            return total / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            return float("nan")


def start_rig(loop: str) -> Rig:
    api_sock, sim_sock = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    api, sim = address(api_sock), address(sim_sock)
    token, hook = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    lirax = {"id": PROVIDER, "kind": "lirax", "base_url": f"{sim}/general", "token": token}
    server = {"host": "127.0.0.1", "port": api_sock.getsockname()[1], "public_url": api}
    providers = [{**lirax, "webhook_token": hook}]
    config = {"server": server, "storage": {"url": "sqlite://"}, "providers": providers}
    settings = parse_settings(config, source="<bench>", environ={})
    hook_url = f"{api}/webhooks/{PROVIDER}"

    def sim_app() -> ASGIApp:
        return LiraxSimulator(
            token=token, webhook_token=hook, webhook_url=hook_url, step_delay=STEP_DELAY
        ).app

    ctx = mp.get_context("fork")  # nothing async has started yet in this process
    procs = [
        ctx.Process(target=_serve, args=(lambda: create_app(settings), api_sock, loop)),
        ctx.Process(target=_serve, args=(sim_app, sim_sock, loop)),
    ]
    for p in procs:
        p.start()
    for sock in (api_sock, sim_sock):
        sock.close()  # the children hold them now
    return Rig(api, sim, token, procs)


async def graphql(http: httpx.AsyncClient, url: str, query: str, variables: Any = None) -> Any:
    r = await http.post(f"{url}/graphql", json={"query": query, "variables": variables or {}})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"GraphQL failed: HTTP {r.status_code} {body}")
    return body["data"]


@dataclass
class Result:
    name: str
    rps: float
    lat: list[float]  # seconds
    cpu: tuple[float, float]  # % of one core: client, servers

    def pct(self, q: int) -> float:
        return 1000 * statistics.quantiles(self.lat, n=100, method="inclusive")[q - 1]

    def line(self) -> str:
        c, s = self.cpu
        return (
            f"  {self.name:<22} {self.rps:8.0f} req/s  p50 {self.pct(50):7.2f} ms"
            f"  p99 {self.pct(99):7.2f} ms  n={len(self.lat):<6} CPU client {c:3.0f}%"
            f" servers {s:3.0f}%"
        )


async def load(name: str, request: Request, rig: Rig, seconds: float, workers: int) -> Result:
    """`workers` loops each sending `request` back to back for `seconds`."""
    lat: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while (t0 := time.perf_counter()) < deadline:
            await request()
            lat.append(time.perf_counter() - t0)

    cpu0, srv0, start = time.process_time(), rig.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    wall = time.perf_counter() - start
    cpu = (100 * (time.process_time() - cpu0) / wall, 100 * (rig.cpu_seconds() - srv0) / wall)
    return Result(name, len(lat) / wall, lat, cpu)


async def bench(rig: Rig, args: argparse.Namespace) -> list[Result]:
    pool = max(args.concurrency, args.latency_concurrency)
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=None)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        # The sockets listened before the children started: this waits in the backlog.
        await graphql(http, rig.api, PROVIDERS)
        make_call = {"cmd": "makeCall", "from": "101", "to": "79123456789", "token": rig.token}

        def query(text: str, variables: Any = None) -> Request:
            async def send() -> None:
                data = await graphql(http, rig.api, text, variables)
                if data.get("placeCall", {}).get("userErrors"):
                    raise RuntimeError(data["placeCall"]["userErrors"])

            return send

        async def direct() -> None:
            r = await http.post(f"{rig.sim}/general", data=make_call)
            if r.status_code != 200 or "id_makecall" not in r.json():
                raise RuntimeError(f"makeCall failed: HTTP {r.status_code} {r.text}")

        place = query(PLACE, PLACE_VARS)
        await asyncio.gather(*(place() for _ in range(args.calls)))  # fill the call log
        logged = len((await graphql(http, rig.api, CALLS))["calls"]["edges"])
        assert logged == min(args.calls, 100), f"calls(first: 100) returned {logged} edges"
        plan = [
            ("providers", query(PROVIDERS), args.concurrency),
            ("calls(first: 100)", query(CALLS), args.concurrency),
            ("LiraX makeCall direct", direct, args.latency_concurrency),
            ("placeCall", place, args.latency_concurrency),
        ]
        results = []
        for name, request, workers in plan:
            await load(name, request, rig, args.warmup, workers)
            results.append(await load(name, request, rig, args.seconds, workers))
        return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="measured duration of each run")
    ap.add_argument("--concurrency", type=int, default=16, help="workers for the query runs")
    ap.add_argument("--latency-concurrency", type=int, default=1, help="workers, placeCall runs")
    ap.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each")
    ap.add_argument("--calls", type=int, default=100, help="calls placed before the runs")
    ap.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    args = ap.parse_args()
    began = time.perf_counter()
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.platform()}")
    print(f"python:  {sys.version.split()[0]} ({platform.python_implementation()})")
    print(
        f"settings: {args.seconds:g} s per run after {args.warmup:g} s warm-up; workers: "
        f"{args.concurrency} for queries, {args.latency_concurrency} for makeCall/placeCall\n"
        f"  {args.calls} calls placed first; storage sqlite:// (temp-file SQLite); uvicorn "
        f"loop={args.loop}\n  API, LiraX simulator and load generator in 3 processes; "
        f"simulator step_delay {STEP_DELAY:g} s:\n  webhook_url points at the API, "
        "but no webhooks fire during the run"
    )
    rig = start_rig(args.loop)
    try:
        results = asyncio.run(bench(rig, args))
    finally:
        for p in rig.procs:
            p.terminate()  # SIGTERM: uvicorn shuts down gracefully, lifespans included
            p.join(10)
    for r in results:
        print(r.line())
    direct, place = results[2], results[3]
    print(
        f"  placeCall overhead over direct makeCall: p50 {place.pct(50) - direct.pct(50):+.2f} ms"
        f"  p99 {place.pct(99) - direct.pct(99):+.2f} ms"
    )
    print(f"total wall time {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
