"""Nothing lost between the answer and the events: a delivery Callboard answered 2xx is on
disk first, and becomes events after a SIGKILL, or on another instance."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from tests.harness import FROM_START, Api, next_event
from tests.lirax_hooks import call_completed
from tests.processes import free_port, serving_process
from tests.queries import CALL_EVENTS

TOKEN = "lirax-webhook-token"
DELIVERY = call_completed("KILL-0001", TOKEN)


def write_config(path: Path, db: Path, port: int, *, process: bool) -> Path:
    path.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n\n'
        f'[storage]\nurl = "sqlite:///{db}"\n\n'
        f"[inbox]\nprocess = {'true' if process else 'false'}\nrecover_seconds = 0.2\n\n"
        '[[providers]]\nid = "pbx"\nkind = "lirax"\n'
        'base_url = "http://127.0.0.1:9/general"\ntoken = "lirax-command-token"\n'
        f'webhook_token = "{TOKEN}"\n'
    )
    return path


@contextlib.asynccontextmanager
async def instance(
    tmp_path: Path, db: Path, *, process: bool
) -> AsyncIterator[tuple[Api, subprocess.Popen[str]]]:
    port = free_port()
    config = write_config(tmp_path / f"callboard-{port}.toml", db, port, process=process)
    async with serving_process(config, port) as running_instance:
        yield running_instance


def rows(db: Path, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute(query))


async def test_a_delivery_answered_then_killed_before_processing_becomes_events(
    tmp_path: Path,
) -> None:
    db = tmp_path / "callboard.db"
    async with instance(tmp_path, db, process=False) as (api, proc):
        response = await api.http.post(f"{api.webhook_base}/pbx", data=DELIVERY)
        assert response.status_code == 200
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # Answered, killed: on disk, not yet an event.
    assert rows(db, "SELECT processed_at FROM webhook_deliveries") == [(None,)]
    assert rows(db, "SELECT count(*) FROM call_events") == [(0,)]

    async with instance(tmp_path, db, process=True) as (api, _):
        async with api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            event = (await next_event(events))["callEvents"]
        assert event["kind"] == "COMPLETED"
        data = await api.query("{ calls { nodes { status providerCallId } } }")
        assert data["calls"]["nodes"] == [{"status": "COMPLETED", "providerCallId": "KILL-0001"}]
        again = await api.http.post(f"{api.webhook_base}/pbx", data=DELIVERY)
        assert again.status_code == 200, "a resend is still answered"
    assert rows(db, "SELECT count(*) FROM call_events") == [(1,)], "and adds nothing"


async def test_an_instance_that_only_receives_leaves_the_events_to_one_that_processes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "callboard.db"
    async with (
        instance(tmp_path, db, process=False) as (receiver, _),
        instance(tmp_path, db, process=True) as (processor, _),
    ):
        async with processor.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            response = await receiver.http.post(f"{receiver.webhook_base}/pbx", data=DELIVERY)
            assert response.status_code == 200
            async with asyncio.timeout(15):
                event = (await next_event(events))["callEvents"]
        assert event["kind"] == "COMPLETED"
