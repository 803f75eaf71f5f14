"""What the call list's store reads cost: a page of 100 calls and their 400 events read
through `CallLog` (every column, domain objects) and through `CallRows` (the columns the
document `calls(first: 100) { edges { node { id status from to events { kind } } } }`
needs, then every column), in-process, on SQLite and, given a URL, on PostgreSQL.

Run: .venv/bin/python bench/bench_call_rows.py [--rounds 7] [--postgres postgresql://...]
(`--postgres` defaults to CALLBOARD_TEST_POSTGRES_URL. Each run writes calls of a provider
id of its own, so rows kept from earlier runs are not read.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.store import Store
from callboard.store.call_filter import CallFilter
from callboard.store.tables import call_events, calls

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STEPS = [
    (CallEventKind.PLACED, CallStatus.DIALING),
    (CallEventKind.RINGING, CallStatus.RINGING),
    (CallEventKind.ANSWERED, CallStatus.IN_PROGRESS),
    (CallEventKind.COMPLETED, CallStatus.COMPLETED),
]
PROVIDER = f"bench-{secrets.token_hex(4)}"
WHERE = CallFilter(provider_ids=(PROVIDER,))  # a caller scoped to its provider, as the API reads
NEEDED = ("id", "status", "from_number", "to_number")
EVERY_CALL_COLUMN = tuple(c.name for c in calls.columns)
EVERY_EVENT_COLUMN = tuple(c.name for c in call_events.columns)


async def _nothing(_events: Sequence[Any]) -> None:
    pass


async def fill(store: Store, count: int = 101) -> None:
    """`count` calls with 4 events each, written as webhooks would write them."""
    for step, (kind, status) in enumerate(STEPS):
        signals = [
            CallSignal(
                refs=(f"{PROVIDER}-{i}",),
                kind=kind,
                status=status,
                occurred_at=NOW + timedelta(seconds=10 * i + step),
                direction=CallDirection.OUTBOUND,
                from_number=f"+7912{i:07d}",
                to_number="+74950000000",
                agent="101",
                duration_seconds=42 if kind is CallEventKind.COMPLETED else None,
                # a vendor's payload of a typical size
                raw={"event": kind.value, "call_id": f"{PROVIDER}-{i}", "ext": "101", "n": i},
            )
            for i in range(count)
        ]
        await store.calls.record_many(PROVIDER, signals, _nothing)


def readers(store: Store) -> dict[str, Callable[[], Awaitable[int]]]:
    async def call_log() -> int:
        page, _ = await store.calls.page(WHERE, first=100, before_seq=None)
        events = await store.calls.events_of([c.id for c in page])
        return len(page) + sum(map(len, events.values()))

    async def call_rows_needed() -> int:
        page, _ = await store.call_rows.page(WHERE, first=100, before_seq=None, columns=NEEDED)
        events = await store.call_rows.events([r[0] for r in page], ("kind",))
        return len(page) + sum(map(len, events.values()))

    async def call_rows_every() -> int:
        page, _ = await store.call_rows.page(
            WHERE, first=100, before_seq=None, columns=EVERY_CALL_COLUMN
        )
        events = await store.call_rows.events([r[1] for r in page], EVERY_EVENT_COLUMN)
        return len(page) + sum(map(len, events.values()))

    return {
        "CallLog.page + events_of (domain objects)": call_log,
        "CallRows, the columns the document needs": call_rows_needed,
        "CallRows, every column (datetimes, JSON)": call_rows_every,
    }


async def measure(read: Callable[[], Awaitable[int]], rounds: int) -> tuple[float, float, int]:
    """Median wall and CPU µs per read over `rounds` rounds of ~0.5 s each; rows read."""
    rows = await read()
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < 0.3:  # warm-up, and how many make half a second
        await read()
        n += 1
    per_round = max(5, int(n * 0.5 / 0.3))
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(per_round):
            await read()
        walls.append((time.perf_counter() - wall) / per_round * 1e6)
        cpus.append((time.process_time() - cpu) / per_round * 1e6)
    return statistics.median(walls), statistics.median(cpus), rows


async def run(label: str, url: str, rounds: int) -> None:
    store = await Store.open(url)
    try:
        await fill(store)
        print(f"\n{label}: a page of 100 calls + their 400 events, median of {rounds} rounds")
        print(f"  {'read':44s} {'wall µs':>9s} {'CPU µs':>9s} {'rows':>6s}")
        for name, read in readers(store).items():
            wall, cpu, rows = await measure(read, rounds)
            print(f"  {name:44s} {wall:9.0f} {cpu:9.0f} {rows:6d}")
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("CALLBOARD_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    await run("SQLite (temp file)", "sqlite://", args.rounds)
    if args.postgres:
        await run("PostgreSQL", args.postgres, args.rounds)
    else:
        print("\nPostgreSQL: skipped (no --postgres nor CALLBOARD_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    asyncio.run(main())
