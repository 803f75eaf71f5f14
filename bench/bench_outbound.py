"""Outgoing webhooks: deliveries per second from one instance to a fast receiver, and the
latency they add, from a vendor's webhook posted to Callboard to the receiver having it.

Callboard runs as `callboard serve` in a child process (SQLite, one LiraX provider); this
process posts LiraX webhooks and runs the receiver (a bare ASGI app under uvicorn on
loopback, answering 204 at once), noting when each event arrives at each endpoint.
Run: .venv/bin/python bench/bench_outbound.py [--rate 50] [--seconds 5] [--burst 1000]
        [--endpoints 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import secrets
import socket
import statistics
import time
from typing import Any

import httpx
import uvicorn

# The child process and the LiraX webhooks are bench_events.py's (its folder is on the path).
from bench_events import callboard, delivery

RUN = secrets.token_hex(4)
DOCUMENT = "subscription { callEvents { id kind raw call { id status } } }"
CREATE = """
mutation($url: String!, $doc: String!) {
  createWebhookEndpoint(input: {url: $url, subscription: $doc}) {
    endpoint { id } userErrors { message }
  }
}"""
CALLID = re.compile(rb'"callid":"([^"]+)"')


class Receiver:
    """A bare ASGI receiver: when each call id reached each endpoint (`/hooks/{n}`)."""

    def __init__(self) -> None:
        self.arrived: dict[tuple[str, str], float] = {}
        self.changed = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        found = CALLID.search(body)
        if found:
            self.arrived.setdefault((scope["path"], found.group(1).decode()), time.perf_counter())
            self.changed.set()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def wait_for(self, count: int, timeout: float = 120) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self.arrived) < count:
                self.changed.clear()
                await self.changed.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def latency(
    http: httpx.AsyncClient, url: str, receiver: Receiver, rate: float, seconds: float
) -> None:
    sent: dict[str, float] = {}
    interval, count = 1 / rate, int(rate * seconds)
    start = time.perf_counter()
    posts = []
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
        callid = f"L-{RUN}-{n}"
        sent[callid] = time.perf_counter()
        posts.append(asyncio.create_task(http.post(f"{url}/webhooks/pbx", data=delivery(callid))))
    await asyncio.gather(*posts)
    before = len(receiver.arrived) - sum(1 for p, c in receiver.arrived if c in sent)
    await receiver.wait_for(before + count)
    added = [(receiver.arrived[("/hooks/0", c)] - t) * 1000 for c, t in sent.items()]
    print(
        f"added latency, webhook posted -> endpoint has it ({rate:g}/s for {seconds:g} s, "
        f"1 endpoint): p50 {statistics.median(added):.1f} ms, p99 {percentile(added, 0.99):.1f} ms"
    )


async def throughput(
    http: httpx.AsyncClient, url: str, receiver: Receiver, burst: int, endpoints: int, tag: str
) -> None:
    expected = len(receiver.arrived) + burst * endpoints
    start = time.perf_counter()
    limit = asyncio.Semaphore(16)

    async def post(n: int) -> None:
        async with limit:
            await http.post(f"{url}/webhooks/pbx", data=delivery(f"{tag}-{RUN}-{n}"))

    await asyncio.gather(*(post(n) for n in range(burst)))
    posted = time.perf_counter() - start
    await receiver.wait_for(expected)
    took = time.perf_counter() - start
    print(
        f"deliveries/s, a burst of {burst} webhooks to {endpoints} endpoint(s): "
        f"{burst * endpoints / took:,.0f} ({burst * endpoints} in {took:.2f} s; "
        f"the webhooks were answered in {posted:.2f} s)"
    )


async def main(args: argparse.Namespace) -> None:
    receiver = Receiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    hooks = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with callboard("", "memory://", "[outbound]\nallow_private_networks = true\n") as (url, _):
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=32)) as http:

            async def endpoint(n: int) -> None:
                answer = await http.post(
                    f"{url}/graphql",
                    json={"query": CREATE, "variables": {"url": f"{hooks}/{n}", "doc": DOCUMENT}},
                )
                assert not answer.json()["data"]["createWebhookEndpoint"]["userErrors"]

            await endpoint(0)
            await latency(http, url, receiver, args.rate, args.seconds)
            await throughput(http, url, receiver, args.burst, 1, "T1")
            for n in range(1, args.endpoints):
                await endpoint(n)
            await throughput(http, url, receiver, args.burst, args.endpoints, "TN")
    server.should_exit = True
    await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=10)
    asyncio.run(main(parser.parse_args()))
