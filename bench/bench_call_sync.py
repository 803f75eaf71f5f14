"""What a sync client's pages cost with a million calls: `calls(updatedAfter:)` (the order
of changes) and `calls(startedAfter:, startedBefore:)` read from a SQLite call log of
1,000,000 calls, through `CallRows` (the compiled path's read) and `CallLog` (the general
path's), for a client of one provider and one that sees all four.

Run: .venv/bin/python bench/bench_call_sync.py [--calls 1000000] [--rounds 7]
(the log is written straight into a temporary SQLite file in Callboard's schema, then
opened as Callboard opens it; filling a million calls takes about a minute.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from callboard.store import Store
from callboard.store.call_filter import CallFilter, ChangePosition

START = datetime(2026, 1, 1, tzinfo=UTC)
PROVIDERS = ("lirax-a", "lirax-b", "zvonobot", "while1")
COLUMNS = ("id", "status", "from_number", "to_number", "started_at", "updated_at", "seq")


def _text(moment: datetime) -> str:
    """A time as SQLAlchemy keeps it on SQLite (naive UTC)."""
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def _rows(count: int) -> Iterator[tuple[Any, ...]]:
    """A call every ~3 s; most changed again later (answered, ended), out of their order."""
    for i in range(count):
        started = START + timedelta(seconds=3 * i)
        changed = started + timedelta(seconds=(i * 7919) % 3600)  # within the hour after
        yield (
            f"{i:036d}",
            PROVIDERS[i % len(PROVIDERS)],
            "INBOUND" if i % 3 else "OUTBOUND",
            "COMPLETED" if i % 5 else "NO_ANSWER",
            f"+7912{i % 10_000_000:07d}",
            "+74950000000",
            _text(started),
            _text(started),
            _text(changed),
            "{}",
        )


async def fill(path: str, count: int) -> None:
    store = await Store.open(f"sqlite:///{path}")  # the schema, every index
    await store.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO calls (id, provider_id, direction, status, from_number, to_number, "
            "created_at, started_at, updated_at, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _rows(count),
        )
    conn.close()


Read = Callable[[], Awaitable[int]]


def readers(store: Store, count: int) -> dict[str, Read]:
    middle = START + timedelta(seconds=3 * count // 2)
    window = (middle, middle + timedelta(hours=1))
    one, every = (PROVIDERS[0],), PROVIDERS
    # A client deep into its first sync: it asks from the start and follows its cursor.
    deep = ChangePosition(middle, 0)

    def changed(providers: tuple[str, ...]) -> CallFilter:
        return CallFilter(provider_ids=providers, updated_after=middle)

    def started(providers: tuple[str, ...]) -> CallFilter:
        return CallFilter(provider_ids=providers, started_after=window[0], started_before=window[1])

    def since(providers: tuple[str, ...]) -> CallFilter:
        return CallFilter(provider_ids=providers, started_after=middle)

    def rows(where: CallFilter, after: ChangePosition | None = None) -> Read:
        async def read() -> int:
            page, _ = await store.call_rows.page(
                where, first=100, before_seq=None, after_change=after, columns=COLUMNS
            )
            return len(page)

        return read

    def log(where: CallFilter, after: ChangePosition | None = None) -> Read:
        async def read() -> int:
            page, _ = await store.calls.page(where, first=100, before_seq=None, after_change=after)
            return len(page)

        return read

    since_start = CallFilter(provider_ids=one, updated_after=START)
    since_start_all = CallFilter(provider_ids=every, updated_after=START)
    return {
        "updatedAfter, one provider (CallRows)": rows(changed(one)),
        "updatedAfter, one provider (CallLog)": log(changed(one)),
        "updatedAfter, all four (CallRows)": rows(changed(every)),
        "updatedAfter, all four (CallLog)": log(changed(every)),
        "updatedAfter start + cursor halfway, one (CallRows)": rows(since_start, deep),
        "updatedAfter start + cursor halfway, all (CallRows)": rows(since_start_all, deep),
        "startedAfter/Before 1 h, one provider (CallRows)": rows(started(one)),
        "startedAfter/Before 1 h, one provider (CallLog)": log(started(one)),
        "startedAfter/Before 1 h, all four (CallRows)": rows(started(every)),
        "startedAfter/Before 1 h, all four (CallLog)": log(started(every)),
        "startedAfter (half the log), one provider (CallRows)": rows(since(one)),
        "startedAfter (half the log), all four (CallRows)": rows(since(every)),
    }


async def measure(read: Read, rounds: int) -> tuple[float, int]:
    """Median µs per read over `rounds` rounds of ~0.3 s each; rows read."""
    rows = await read()
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < 0.2:
        await read()
        n += 1
    per_round = max(3, int(n * 0.3 / 0.2))
    walls = []
    for _ in range(rounds):
        wall = time.perf_counter()
        for _ in range(per_round):
            await read()
        walls.append((time.perf_counter() - wall) / per_round * 1e6)
    return statistics.median(walls), rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"sqlite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory(prefix="callboard-bench-") as folder:
        path = os.path.join(folder, "calls.db")
        began = time.perf_counter()
        await fill(path, args.calls)
        print(f"{args.calls:,} calls written in {time.perf_counter() - began:.0f} s")
        store = await Store.open(f"sqlite:///{path}")
        try:
            print(f"\na page of 100 calls, median of {args.rounds} rounds")
            print(f"  {'read':52s} {'µs':>9s} {'rows':>5s}")
            for name, read in readers(store, args.calls).items():
                wall, rows = await measure(read, args.rounds)
                print(f"  {name:52s} {wall:9.0f} {rows:5d}")
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
