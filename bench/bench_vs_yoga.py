"""Callboard against graphql-yoga on one core: the same documents, the same answers.

Callboard runs as `callboard serve` (a LiraX provider, a client key, a SQLite file or
PostgreSQL) with a call log filled through LiraX webhooks; graphql-yoga (bench/yoga/)
serves Callboard's schema from a fixture taken from Callboard's own answers. Each
document's answers are checked equal, then wrk measures both servers in turn, each on
core 0, wrk on core 1.
Run: .venv/bin/python bench/bench_vs_yoga.py [--pairs 3] [--seconds 5] [--connections 16]
        [--postgres postgresql://...] [--only list,trivial] [--callboard-only]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from bench_events import RUN, TOKEN, callboard, cpu_seconds, free_port, pin

YOGA_DIR = Path(__file__).with_name("yoga")
SERVER_CORE, GENERATOR_CORE = 0, 1
CALLS, LIVE_RATE = 120, 20.0
# A run during which other processes took more than this share of the server's core is
# done again, at most RETRIES times in all.
CROWDED, RETRIES = 0.05, 4
# One call's webhooks, in the order LiraX sends them.
EVENTS = ("INCOMING", "ACCEPTED", "COMPLETED", "CALL_COMPLETED")
PYTHON_PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "uvloop")
NODE_PACKAGES = ("graphql-yoga", "graphql")
JSON_TYPE = {"Content-Type": "application/json"}

LIST = "{ calls(first: 100) { edges { node { id status from to events { kind } } } } }"
# Everything the documents below select, under the fields' own names: the yoga server
# answers from this.
FIXTURE = """{
  providers { id }
  calls(first: 100) {
    edges { cursor node { id status from to startedAt events { id kind status occurredAt } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
FRAGMENTS = """query Fragments($first: Int!, $withEvents: Boolean!, $brief: Boolean!) {
  __typename
  recent: calls(first: 5) { ...Page }
  page: calls(first: $first) {
    __typename
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        ...CallFields
        events @include(if: $withEvents) {
          __typename
          ... on CallEvent { id kind }
          ... @skip(if: $brief) { status occurredAt }
        }
      }
    }
  }
  providers { __typename providerId: id }
}
fragment Page on CallConnection { pageInfo { hasNextPage startCursor } edges { node { id } } }
fragment CallFields on Call { __typename id status caller: from callee: to startedAt }"""


@dataclass(frozen=True)
class Document:
    name: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    # Callboard is sent new calls' webhooks meanwhile; its answers then differ from yoga's.
    live: bool = False

    @property
    def body(self) -> str:
        return json.dumps({"query": self.query, "variables": self.variables})


def documents(call_id: str) -> list[Document]:
    """The bench's documents, list-live last: the calls it adds change the other lists."""
    return [
        Document("trivial", "{ providers { id } }"),
        Document("list", LIST),
        Document("list-ids", "{ calls(first: 100) { edges { node { id } } } }"),
        Document(
            "call",
            "query ($id: ID!) { call(id: $id) { id status from to startedAt "
            "events { id kind status occurredAt } } }",
            {"id": call_id},
        ),
        Document("fragments", FRAGMENTS, {"first": 50, "withEvents": True, "brief": False}),
        Document("list-live", LIST, live=True),
    ]


def lirax_event(callid: str, event: str, n: int) -> dict[str, str]:
    """A LiraX `event` webhook for an incoming call; n varies the customer's phone."""
    form = {
        "cmd": "event",
        "type": "in",
        "event": event,
        "phone": f"38099{n % 10_000_000:07d}",
        "diversion": "380441234567",
        "ext": "101",
        "callid": callid,
        "from_LiraX_token": TOKEN,
    }
    if event in ("COMPLETED", "CALL_COMPLETED"):
        form |= {"status": "Success", "duration": str(30 + n % 60)}
    return form


class Client:
    """POSTs GraphQL documents with the bench's client key; raises on an HTTP error or
    a GraphQL error, so every answer compared or kept is data."""

    def __init__(self, url: str, key: str) -> None:
        self._http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def query(self, document: Document) -> dict[str, Any]:
        answer = self._http.post("/graphql", content=document.body, headers=JSON_TYPE)
        answer.raise_for_status()
        parsed: dict[str, Any] = answer.json()
        if "errors" in parsed or "data" not in parsed:
            raise RuntimeError(f"{document.name}: {json.dumps(parsed)[:500]}")
        return parsed

    def close(self) -> None:
        self._http.close()


def fill(url: str, client: Client) -> None:
    """CALLS calls of 4 events each, through the LiraX webhook route; then checks that
    the newest CALLS calls in the log are those, with their 4 events."""
    sent = [f"Y-{RUN}-{n}" for n in range(CALLS)]
    with httpx.Client(base_url=url, timeout=30) as http:
        for n, callid in enumerate(sent):
            for event in EVENTS:
                answer = http.post("/webhooks/pbx", data=lirax_event(callid, event, n))
                if answer.status_code != 200:
                    raise RuntimeError(f"webhook {callid} {event}: HTTP {answer.status_code}")
    page = "edges { node { providerCallId events { kind } } } pageInfo { endCursor }"
    first = client.query(Document("check", f"{{ calls(first: 100) {{ {page} }} }}"))
    after = first["data"]["calls"]["pageInfo"]["endCursor"]
    rest = client.query(
        Document(
            "check",
            f"query ($after: String) {{ calls(first: {CALLS - 100}, after: $after) {{ {page} }} }}",
            {"after": after},
        )
    )
    nodes = [e["node"] for p in (first, rest) for e in p["data"]["calls"]["edges"]]
    found = {n["providerCallId"]: len(n["events"]) for n in nodes}
    if found != dict.fromkeys(sent, len(EVENTS)):
        raise RuntimeError(f"the call log is not the {CALLS} calls sent: {found}")
    print(f"call log: {CALLS} calls of {len(EVENTS)} events each, through LiraX webhooks")


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where two parsed JSON values first differ, or None if they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'yoga' if key in b else 'Callboard'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{path}: {len(a)} items in Callboard's answer, {len(b)} in yoga's"
        return None
    if a == b and type(a) is type(b):
        return None
    return f"{path}: Callboard {json.dumps(a)[:200]}, yoga {json.dumps(b)[:200]}"


def wait_healthy(url: str, proc: subprocess.Popen[bytes] | None, what: str) -> None:
    for _ in range(300):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} in 30 s")


@contextlib.contextmanager
def yoga(scratch: Path, fixture: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """The yoga server on Callboard's SDL (`callboard schema`) and the fixture."""
    sdl = subprocess.run(
        [sys.executable, "-m", "callboard", "schema"], capture_output=True, text=True, check=True
    )
    schema, data, log = scratch / "schema.graphql", scratch / "fixture.json", scratch / "yoga.log"
    schema.write_text(sdl.stdout)
    data.write_text(json.dumps(fixture))
    port = free_port()
    command = ["node", "server.mjs", str(schema), str(data), str(port)]
    with log.open("wb") as errors:
        proc = subprocess.Popen(  # noqa: S603 - node on our own script
            command,
            cwd=YOGA_DIR,
            env={**os.environ, "NODE_ENV": "production"},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(f"{url}/health", proc, "the yoga server")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {log.read_text()[-2000:]}") from None
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


# The figures come from wrk's `done`, one line; each response is looked at for a status
# other than 2xx and for a GraphQL error, and the counts are part of that line.
WRK_SCRIPT = """wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"

local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; graphql_errors = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1
  elseif string.find(body, '"errors"', 1, true) then graphql_errors = graphql_errors + 1 end
end
function done(summary, latency, requests)
  local non2xx, graphql_errors = 0, 0
  for _, t in ipairs(threads) do
    non2xx = non2xx + t:get("non2xx"); graphql_errors = graphql_errors + t:get("graphql_errors")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d graphql_errors=%d "
    .. "connect=%d read=%d write=%d timeout=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    non2xx, graphql_errors, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu: float = float("nan")  # the server's CPU over the run, as a share of one core
    # What else ran on the server's core meanwhile (another process, on a shared machine).
    others: float = float("nan")


def wrk(
    url: str, script: Path, seconds: int, connections: int, pinned: bool, warmup: bool = False
) -> Figures:
    """One wrk run; raises on any failed request, and on none answered unless a warm-up
    (a server paused for the whole second by another process on its core)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script), f"{url}/graphql"]
    if pinned:
        command = ["taskset", "-c", str(GENERATOR_CORE), *command]
    done = subprocess.run(  # noqa: S603 - wrk with our arguments
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    n = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    failed = {k: n[k] for k in ("non2xx", "graphql_errors", "connect", "read", "write", "timeout")}
    if any(failed.values()) or not (n["requests"] or warmup):
        raise RuntimeError(f"{url}: requests that failed: {failed} of {n['requests']}")
    return Figures(n["requests"] / (n["duration_us"] / 1e6), n["p50_us"] / 1e3, n["p99_us"] / 1e3)


class LiveWebhooks:
    """New calls' LiraX webhooks at `rate` a second, over one kept-alive connection, on a
    thread of this process (the generator's core): 20/s is 5 new calls a second, each
    with its 4 events, so the first page keeps the fixture's shape."""

    _runs = itertools.count()  # each run's calls have ids of their own

    def __init__(self, url: str, rate: float) -> None:
        self._url, self._rate = url, rate
        self._run = next(self._runs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._send, daemon=True)
        self.answered = self.failed = 0

    def __enter__(self) -> LiveWebhooks:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _send(self) -> None:
        start = time.perf_counter()
        with httpx.Client(base_url=self._url, timeout=10) as http:
            for i in itertools.count():
                if self._stop.wait(max(0.0, start + i / self._rate - time.perf_counter())):
                    return
                n, event = divmod(i, len(EVENTS))
                form = lirax_event(f"L-{RUN}-{self._run}-{n}", EVENTS[event], CALLS + n)
                try:
                    ok = http.post("/webhooks/pbx", data=form).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.answered += ok
                self.failed += not ok


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


def measure(server: Server, script: Path, args: argparse.Namespace) -> Figures:
    """A run, repeated (up to RETRIES times) while other processes took more than
    CROWDED of the server's core: on a shared machine they make the figures low."""
    for _ in range(RETRIES):
        figures = measure_once(server, script, args)
        if not figures.others > CROWDED:
            break
        print(f"  (others took {figures.others:.0%} of core {SERVER_CORE}: run again)")
    return figures


def measure_once(server: Server, script: Path, args: argparse.Namespace) -> Figures:
    """A warm-up, then the measured run, the server's every thread pinned anew first
    (threads started since are pinned too)."""
    if args.pinned:
        pin(server.pid, {SERVER_CORE})
    wrk(server.url, script, args.warmup, args.connections, args.pinned, warmup=True)
    cpu, core, started = cpu_seconds(server.pid), core_seconds(SERVER_CORE), time.perf_counter()
    figures = wrk(server.url, script, args.seconds, args.connections, args.pinned)
    took = time.perf_counter() - started
    used = cpu_seconds(server.pid) - cpu
    others = (core_seconds(SERVER_CORE) - core - used) / took if args.pinned else float("nan")
    return replace(figures, cpu=used / took, others=max(0.0, others))


def core_seconds(core: int) -> float:
    """CPU time the core has spent on processes (user, nice, system) since boot."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            user, nice, system = (int(x) for x in line.split()[1:4])
            return (user + nice + system) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def fmt(f: Figures) -> str:
    return (
        f"{f.rps:7,.0f} req/s  p50 {f.p50_ms:6.2f} ms  p99 {f.p99_ms:6.2f} ms  "
        f"cpu {f.cpu:4.0%} (others {f.others:3.0%})"
    )


def bench_document(
    doc: Document, script: Path, cb: Server, peer: Server | None, args: argparse.Namespace
) -> tuple[list[Figures], list[Figures]]:
    print(f"\n== {doc.name}: {' '.join(doc.query.split())[:100]}")
    ours: list[Figures] = []
    theirs: list[Figures] = []
    for pair in range(1, args.pairs + 1):
        if doc.live:
            with LiveWebhooks(cb.url, LIVE_RATE) as live:
                started = time.perf_counter()
                ours.append(measure(cb, script, args))
                took = time.perf_counter() - started
            if live.failed:
                raise RuntimeError(f"{live.failed} live webhooks were not answered 200")
            note = f"  ({live.answered} webhooks arrived, {live.answered / took:.1f}/s)"
        else:
            ours.append(measure(cb, script, args))
            note = ""
        line = f"  pair {pair}  Callboard {fmt(ours[-1])}"
        if peer is not None:
            theirs.append(measure(peer, script, args))
            line += f" | yoga {fmt(theirs[-1])} | ratio {ours[-1].rps / theirs[-1].rps:.3f}"
        print(line + note, flush=True)
    if theirs:
        print(f"  median ratio {statistics.median(ratios(ours, theirs)):.3f}")
    return ours, theirs


def ratios(ours: list[Figures], theirs: list[Figures]) -> list[float]:
    return [a.rps / b.rps for a, b in zip(ours, theirs, strict=True)]


def medians(runs: list[Figures]) -> str:
    rps = statistics.median(f.rps for f in runs)
    p50 = statistics.median(f.p50_ms for f in runs)
    p99 = statistics.median(f.p99_ms for f in runs)
    return f"{rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms"


def summary(results: dict[str, tuple[list[Figures], list[Figures]]]) -> None:
    with_yoga = any(theirs for _, theirs in results.values())
    runs = [f for ours, theirs in results.values() for f in (*ours, *theirs)]
    crowded = sum(f.others > CROWDED for f in runs)
    if crowded:
        print(f"\n{crowded} of {len(runs)} runs kept though others took over {CROWDED:.0%} of")
        print(f"core {SERVER_CORE} {RETRIES} times in a row: their figures are low.")
    print("\nmedians:\n")
    head = "| document | Callboard req/s | p50 | p99 |"
    print(head + (" yoga req/s | p50 | p99 | Callboard/yoga |" if with_yoga else ""))
    print("|---" * (8 if with_yoga else 4) + "|")
    for name, (ours, theirs) in results.items():
        row = f"| {name} | {medians(ours)} |"
        if theirs:
            row += f" {medians(theirs)} | {statistics.median(ratios(ours, theirs)):.3f} |"
        print(row)


def machine(with_yoga: bool) -> None:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    print(f"CPU: {model.group(1) if model else platform.processor()}, {os.cpu_count()} cores")
    versions = [f"{p} {metadata.version(p)}" for p in PYTHON_PACKAGES]
    print(f"Python {platform.python_version()}: {', '.join(versions)}")
    if with_yoga:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True)  # noqa: S607
        modules = YOGA_DIR / "node_modules"
        versions = [
            f"{p} {json.loads((modules / p / 'package.json').read_text())['version']}"
            for p in NODE_PACKAGES
        ]
        print(f"Node {node.stdout.strip()}: {', '.join(versions)}")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S607
    print(wrk_version.stdout.splitlines()[0] if wrk_version.stdout else "wrk (version unknown)")
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=YOGA_DIR,
    )
    print(f"Callboard at {commit.stdout.strip() or 'an unknown commit'}")


def install_yoga() -> None:
    if not (YOGA_DIR / "node_modules").exists():
        print("npm ci in bench/yoga ...", flush=True)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607
            cwd=YOGA_DIR,
            check=True,
        )


def pin_local_database(url: str) -> None:
    """A PostgreSQL server on this machine runs beside wrk, not on the servers' core: the
    database is a server of its own, as in a deployment, and yoga has none. Its
    processes' affinity passes to the backends it forks for Callboard's connections."""
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        return
    pinned = 0
    for process in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            if (process / "comm").read_text().strip() == "postgres":
                os.sched_setaffinity(int(process.name), {GENERATOR_CORE})
                pinned += 1
    if pinned:
        print(f"PostgreSQL's {pinned} processes pinned to core {GENERATOR_CORE}, with wrk")
    else:
        print("PostgreSQL's processes not found or not ours to pin: they share any core")


def run(args: argparse.Namespace) -> None:
    if args.postgres and args.pinned:
        pin_local_database(args.postgres)
    key = secrets.token_hex(16)
    clients = f'[[clients]]\nname = "bench"\nkey = "{key}"\nproviders = ["*"]\n'
    with (
        tempfile.TemporaryDirectory() as scratch,
        callboard(args.postgres, "memory://", clients) as (url, pid),
        contextlib.ExitStack() as stack,
    ):
        wait_healthy(f"{url}/healthz", None, "Callboard")
        client = stack.enter_context(contextlib.closing(Client(url, key)))
        fill(url, client)
        fixture = client.query(Document("fixture", FIXTURE))["data"]
        call_id = fixture["calls"]["edges"][10]["node"]["id"]
        docs = [d for d in documents(call_id) if d.name in args.only]
        peer = None
        if args.yoga:
            peer_url, peer_pid = stack.enter_context(yoga(Path(scratch), fixture))
            peer = Server(peer_url, peer_pid)
            theirs = stack.enter_context(contextlib.closing(Client(peer_url, key)))
            check_answers(client, theirs, [d for d in docs if not d.live])
        scripts = {}
        for doc in docs:
            scripts[doc.name] = Path(scratch) / f"{doc.name}.lua"
            scripts[doc.name].write_text(WRK_SCRIPT.format(body=doc.body, key=key))
        cb = Server(url, pid)
        results = {d.name: bench_document(d, scripts[d.name], cb, peer, args) for d in docs}
    summary(results)


def check_answers(ours: Client, theirs: Client, docs: list[Document]) -> None:
    for doc in docs:
        difference = first_difference(ours.query(doc), theirs.query(doc))
        if difference:
            raise SystemExit(f"{doc.name}: the answers differ at {difference}")
    if docs:
        print("answers equal (Callboard, yoga):", ", ".join(d.name for d in docs))


def main() -> None:
    names = [d.name for d in documents("")]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="each measured run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds before each run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default="", help="storage URL (default: a SQLite file)")
    parser.add_argument("--only", default=",".join(names), help=f"of {','.join(names)}")
    parser.add_argument("--callboard-only", dest="yoga", action="store_false")
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    if args.only - set(names):
        parser.error(f"--only: unknown {','.join(sorted(args.only - set(names)))}")
    if shutil.which("wrk") is None:
        parser.error("wrk is missing: apt-get install -y wrk")
    args.pinned = (os.cpu_count() or 1) >= 2
    if args.yoga:
        install_yoga()
    machine(args.yoga)
    if args.pinned:
        # This process (the live webhooks' thread too) beside wrk.
        os.sched_setaffinity(0, {GENERATOR_CORE})
        print(f"servers pinned to core {SERVER_CORE}, wrk and this process to {GENERATOR_CORE}")
    else:
        print("one core: nothing pinned; the servers share it with wrk")
    print(
        f"wrk: 1 thread, {args.connections} connections, {args.warmup} s warm-up, "
        f"{args.seconds} s measured, {args.pairs} pairs per document"
    )
    run(args)


if __name__ == "__main__":
    main()
