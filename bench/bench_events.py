"""Webhook -> subscriber latency, events per second, memory per idle subscription.

Callboard runs as `callboard serve` in a child process (one core's worth: one event loop)
with a LiraX provider; this process posts LiraX webhooks at a steady rate and holds N
graphql-transport-ws subscriptions to `callEvents`, timing each event from the moment its
webhook was sent to the moment each subscriber has it.
Run: .venv/bin/python bench/bench_events.py [--subscribers 1,100,1000] [--rate 100]
        [--seconds 5] [--redis redis://127.0.0.1:6379/0 --postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import h11
import httpx
import uvloop
from websockets.client import ClientProtocol
from websockets.frames import Frame
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

TOKEN = "bench-webhook-token"
# Call ids unique to this run: a database kept from an earlier run would take the same
# deliveries for resends.
RUN = secrets.token_hex(4)
_SCENARIOS = itertools.count()
QUERY = "subscription { callEvents { id kind raw call { id status } } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def callboard(storage: str, events: str, extra: str = "") -> Iterator[tuple[str, int]]:
    """`callboard serve` in a child process with one LiraX provider, `pbx`; `extra` is
    TOML added to its configuration (bench_vs_yoga.py's `[[clients]]`)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "callboard.toml"
        config.write_text(
            f'[server]\nhost = "127.0.0.1"\nport = {port}\n\n'
            f'[storage]\nurl = "{storage or f"sqlite:///{scratch}/cb.db"}"\n\n'
            f'[events]\nurl = "{events}"\nstream = "bench:{secrets.token_hex(4)}"\n'
            "subscriber_buffer = 100000\n\n"
            '[[providers]]\nid = "pbx"\nkind = "lirax"\nbase_url = "http://127.0.0.1:9/general"\n'
            f'token = "x"\nwebhook_token = "{TOKEN}"\n\n{extra}'
        )
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "callboard", "serve", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            yield url, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# The load generator does not parse the server's messages: at 100,000 messages a second
# on one core, a WebSocket client library (~15 µs a frame) would be the bottleneck and
# its queueing would be measured as the server's latency. The handshake and the client's
# two messages go through websockets' sans-I/O protocol; then the byte stream is scanned
# for call ids (a server's text frames are unmasked, and uncompressed here: the server
# runs without permessage-deflate), one per event message.
CALLID = re.compile(rb'"callid":"([^"]+)"')
_TAIL = 256  # bytes kept from one read to the next: a call id split between two reads


class Listener(asyncio.Protocol):
    """One graphql-transport-ws subscription to QUERY, noting when each event arrives."""

    def __init__(self, url: str, ready: asyncio.Event, arrived: dict[str, list[float]]) -> None:
        self._ws = ClientProtocol(
            parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")]
        )
        self._ready = ready
        self._arrived = arrived
        self._scanning = False
        self._tail = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._ws.send_request(self._ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        if self._scanning:
            now = time.perf_counter()
            buffer = self._tail + data
            seen = len(self._tail)
            for found in CALLID.finditer(buffer):
                if found.end() > seen:  # not counted with the previous read
                    self._arrived.setdefault(found.group(1).decode(), []).append(now)
            self._tail = buffer[-_TAIL:]
            return
        self._ws.receive_data(data)
        for event in self._ws.events_received():
            if isinstance(event, Response):
                self._ws.send_text(json.dumps({"type": "connection_init", "payload": {}}).encode())
            elif isinstance(event, Frame) and b"connection_ack" in event.data:
                message = {"id": "1", "type": "subscribe", "payload": {"query": QUERY}}
                self._ws.send_text(json.dumps(message).encode())
                self._scanning = True
                self._ready.set()
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self._ws.data_to_send():
            self.transport.write(chunk)


class _Exchange(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection for webhooks, one request at a time (h11)."""

    def __init__(self) -> None:
        self.http = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self.answered: asyncio.Future[int] | None = None
        self._status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.http.receive_data(data)
        while (event := self.http.next_event()) is not h11.NEED_DATA:
            if isinstance(event, h11.Response):
                self._status = event.status_code
            elif isinstance(event, h11.EndOfMessage) and self.answered is not None:
                self.answered.set_result(self._status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answered is not None and not self.answered.done():
            self.answered.set_exception(exc or ConnectionError("closed before the answer"))


class WebhookSender:
    """Posts LiraX webhooks over kept-alive connections, a new one whenever all are busy,
    so nothing queues here: what queues is the server's. A webhook is timed from just
    before its connection is picked (a new connection's set-up counts) and its bytes go
    out at once: httpx, on the generator's busy core, added ~2 ms of its own before they
    left, counted as the server's latency."""

    def __init__(self, url: str) -> None:
        where = urlsplit(url)
        self._host, self._port = where.hostname or "127.0.0.1", where.port or 80
        self._idle: list[_Exchange] = []

    async def post(self, ref: str, sent: dict[str, float]) -> None:
        """Posts the webhook for `ref`, noting in `sent` when it left; raises unless 200."""
        body = urlencode(delivery(ref)).encode()
        sent[ref] = time.perf_counter()  # a new connection's set-up counts too
        exchange = self._idle.pop() if self._idle else await self._connect()
        headers = [
            ("Host", f"{self._host}:{self._port}"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", str(len(body))),
        ]
        request = h11.Request(method="POST", target="/webhooks/pbx", headers=headers)
        parts = (request, h11.Data(data=body), h11.EndOfMessage())
        # `send` gives None only for a ConnectionClosed event, not sent here.
        data = b"".join(exchange.http.send(part) or b"" for part in parts)
        exchange.answered = asyncio.get_running_loop().create_future()
        assert exchange.transport is not None
        exchange.transport.write(data)
        status = await exchange.answered
        if status != 200:
            raise RuntimeError(f"webhook {ref} answered HTTP {status}")
        exchange.answered = None
        try:
            exchange.http.start_next_cycle()
        except h11.LocalProtocolError:  # the server closes this connection
            exchange.transport.close()
            return
        self._idle.append(exchange)

    async def _connect(self) -> _Exchange:
        _, exchange = await asyncio.get_running_loop().create_connection(
            _Exchange, self._host, self._port
        )
        return exchange

    def close(self) -> None:
        for exchange in self._idle:
            if exchange.transport is not None:
                exchange.transport.close()


@contextlib.asynccontextmanager
async def listening(
    url: str, n: int, arrived: dict[str, list[float]]
) -> AsyncIterator[list[Listener]]:
    """N subscriptions, each on its own connection, all subscribed when this yields."""
    loop = asyncio.get_running_loop()
    ws_url = url.replace("http://", "ws://") + "/graphql"
    where = urlsplit(url)
    listeners: list[Listener] = []
    try:
        for _ in range(n):
            ready = asyncio.Event()
            _, listener = await loop.create_connection(
                lambda ready=ready: Listener(ws_url, ready, arrived),  # type: ignore[misc]
                where.hostname,
                where.port,
            )
            listeners.append(listener)
            await ready.wait()
        await asyncio.sleep(0.5)  # every subscription registered at the server
        yield listeners
    finally:
        for listener in listeners:
            if listener.transport is not None:
                listener.transport.close()


def delivery(ref: str) -> dict[str, str]:
    return {
        "cmd": "event",
        "type": "in",
        "event": "CALL_COMPLETED",
        "phone": "380991234567",
        "diversion": "380441234567",
        "ext": "101",
        "callid": ref,
        "status": "Success",
        "duration": "42",
        "from_LiraX_token": TOKEN,
    }


def cpu_seconds(pid: int) -> float:
    """CPU the process has used so far, all its threads, user and system."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(pid: int, cores: set[int]) -> None:
    """Server and load generator on cores of their own: the server's figures are then
    one core's, and the generator does not take its CPU."""
    for task in Path(f"/proc/{pid}/task").iterdir():  # every thread, the database's too
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(task.name), cores)


async def latency(url: str, pid: int, n_subs: int, rate: float, seconds: float) -> dict[str, float]:
    arrived: dict[str, list[float]] = {}
    async with listening(url, n_subs, arrived):
        # The generator's own garbage collection, walking the half a million arrival
        # times it keeps, would pause it for tens of ms: counted as the server's latency.
        gc.disable()
        try:
            return await _measure(url, pid, n_subs, rate, seconds, arrived)
        finally:
            gc.enable()


async def _measure(
    url: str, pid: int, n_subs: int, rate: float, seconds: float, arrived: dict[str, list[float]]
) -> dict[str, float]:
    scenario = next(_SCENARIOS)  # call ids of its own: no webhook is taken for a resend
    sent: dict[str, float] = {}
    cpu_before = cpu_seconds(pid)
    # A server slower than the rate queues the webhooks, and that queueing is part of
    # the latency measured.
    sender = WebhookSender(url)
    count = int(rate * seconds)
    start = time.perf_counter()
    posts = []
    try:
        for i in range(count):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            ref = f"B-{RUN}-{scenario}-{i}"
            posts.append(asyncio.create_task(sender.post(ref, sent)))
        await asyncio.gather(*posts)
    finally:
        sender.close()
    deadline = time.perf_counter() + 30
    # Listeners append to `arrived` as data comes in: poll until all arrived.
    while time.perf_counter() < deadline and sum(map(len, arrived.values())) < count * n_subs:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    cpu_used = cpu_seconds(pid) - cpu_before
    last = max((t for times in arrived.values() for t in times), default=start)
    samples = sorted(
        (t - sent[ref]) * 1000 for ref, times in arrived.items() if ref in sent for t in times
    )
    received = len(samples)
    return {
        "p50": statistics.median(samples) if samples else float("nan"),
        "p99": samples[int(len(samples) * 0.99) - 1] if samples else float("nan"),
        "received": received,
        "expected": count * n_subs,
        "deliveries_per_s": received / max(last - start, 1e-9),
        "server_cpu": cpu_used,
    }


async def throughput(url: str, seconds: float, workers: int = 16) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def worker(w: int, http: httpx.AsyncClient) -> None:
        nonlocal done
        i = 0
        while time.perf_counter() < stop:
            await http.post(f"{url}/webhooks/pbx", data=delivery(f"T-{RUN}-{w}-{i}"))
            i += 1
            done += 1

    async with httpx.AsyncClient(timeout=30) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(w, http) for w in range(workers)))
    return done / (time.perf_counter() - started)


async def idle_memory(url: str, pid: int, n: int) -> float:
    before = rss_kib(pid)
    async with listening(url, n, {}):
        await asyncio.sleep(1)
        after = rss_kib(pid)
    return (after - before) / n


async def run(args: argparse.Namespace, storage: str, events: str, label: str) -> None:
    with callboard(storage, events) as (url, pid):
        where = urlsplit(storage).hostname if storage else None
        print(
            f"\n== {label}: storage {'PostgreSQL on ' + str(where) if storage else 'SQLite file'}"
        )
        # First, on a fresh server: after the latency runs, freed memory is reused.
        kib = await idle_memory(url, pid, 500)
        print(f"memory per idle subscription (500 open): {kib:.1f} KiB")
        if args.pin:
            pin(pid, {0})
            os.sched_setaffinity(0, set(range(1, os.cpu_count() or 2)))
        for n in args.subscribers:
            r = await latency(url, pid, n, args.rate, args.seconds)
            print(
                f"{n:>5} subscribers, {args.rate:g} webhooks/s for {args.seconds:g} s: "
                f"p50 {r['p50']:.1f} ms  p99 {r['p99']:.1f} ms  "
                f"({r['received']}/{r['expected']} deliveries, "
                f"{r['deliveries_per_s']:.0f}/s; server CPU {r['server_cpu']:.1f} s)"
            )
        rate = await throughput(url, args.seconds)
        print(f"webhooks/s one instance takes (16 senders, no subscribers): {rate:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", default="1,100,1000")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--redis", default=os.environ.get("CALLBOARD_TEST_REDIS_URL", ""))
    parser.add_argument("--postgres", default=os.environ.get("CALLBOARD_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="leave the server on every core (default: core 0 alone, the generator elsewhere)",
    )
    args = parser.parse_args()
    args.pin = args.pin and (os.cpu_count() or 1) >= 2
    args.subscribers = [int(n) for n in args.subscribers.split(",")]
    print(f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run(args, "", "memory://", "embedded"))
        if args.redis:
            runner.run(run(args, args.postgres, args.redis, "Redis Streams"))


if __name__ == "__main__":
    main()
