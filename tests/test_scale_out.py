"""Several Callboard instances behind one PostgreSQL and one Redis: a webhook on one
reaches a subscriber on another (call events and agent statuses), an idempotency key
holds across them, and a subscriber moving between them with its cursor misses nothing."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from callboard.demo import address, bind
from callboard.providers.lirax.simulator import LiraxSimulator
from tests.harness import FROM_START, Api, next_event, serving
from tests.lirax_hooks import call_completed
from tests.processes import free_port, serving_process
from tests.queries import CALL_EVENTS, PLACE_CALL
from tests.services import REDIS_URL, fresh_database, fresh_stream, needs_postgres, needs_redis

pytestmark = [needs_postgres, needs_redis]

TOKEN, WEBHOOK_TOKEN = "lirax-command-token", "lirax-webhook-token"
STATUSES = """subscription($after: ID) {
  agentStatusChanged(after: $after) { agent statusId cursor } }"""


def delivery(n: int) -> dict[str, str]:
    return call_completed(f"SCALE-{n:04d}", WEBHOOK_TOKEN)


@contextlib.asynccontextmanager
async def deployment(
    tmp_path: Path, lirax_url: str = "http://127.0.0.1:9"
) -> AsyncIterator[tuple[Api, Api]]:
    """Two instances sharing a fresh database and a fresh stream."""
    stream = fresh_stream()
    async with fresh_database() as database:
        ports = [free_port(), free_port()]
        configs = []
        for port in ports:
            path = tmp_path / f"callboard-{port}.toml"
            path.write_text(
                f'[server]\nhost = "127.0.0.1"\nport = {port}\n'
                f'public_url = "http://127.0.0.1:{ports[0]}"\n\n'
                f'[storage]\nurl = "{database}"\n\n'
                f'[events]\nurl = "{REDIS_URL}"\nstream = "{stream}"\n\n'
                '[[providers]]\nid = "pbx"\nkind = "lirax"\n'
                f'base_url = "{lirax_url}/general"\ntoken = "{TOKEN}"\n'
                f'webhook_token = "{WEBHOOK_TOKEN}"\n'
            )
            configs.append((path, port))
        async with (
            serving_process(*configs[0]) as (a, _),
            serving_process(*configs[1]) as (b, _),
        ):
            yield a, b


async def post(api: Api, n: int) -> None:
    response = await api.http.post(f"{api.webhook_base}/pbx", data=delivery(n))
    assert response.status_code == 200


async def test_a_webhook_on_one_instance_reaches_a_subscriber_on_the_other(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as (a, b):
        await post(b, 1)
        async with b.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            # The first event is replayed from the database: once it is here, B's replay
            # is over and what follows comes live, from A through Redis.
            first = (await next_event(events))["callEvents"]
            await post(a, 2)
            second = (await next_event(events))["callEvents"]
        assert first["kind"] == second["kind"] == "COMPLETED"
        assert second["call"]["status"] == "COMPLETED"
        assert second["id"] != first["id"]


async def test_an_agent_status_posted_to_one_instance_reaches_a_subscriber_on_the_other(
    tmp_path: Path,
) -> None:
    async def staton(api: Api, ext: str, status: str) -> None:
        form = {"cmd": "staton", "ext": ext, "status": status, "from_LiraX_token": WEBHOOK_TOKEN}
        assert (await api.http.post(f"{api.webhook_base}/pbx", data=form)).status_code == 200

    async with deployment(tmp_path) as (a, b):
        await staton(b, "101", "1")
        async with b.subscription(STATUSES) as statuses:
            current = (await next_event(statuses))["agentStatusChanged"]
            await asyncio.sleep(0.2)  # B follows the feed live by now: A's change comes via Redis
            await staton(a, "102", "2")
            changed = (await next_event(statuses))["agentStatusChanged"]
        assert (current["agent"], changed["agent"], changed["statusId"]) == ("101", "102", "2")
        # The cursor B gave resumes on A.
        async with a.subscription(STATUSES, {"after": current["cursor"]}) as statuses:
            assert (await next_event(statuses))["agentStatusChanged"] == changed


async def test_an_idempotency_key_used_on_one_instance_is_honoured_on_the_other(
    tmp_path: Path,
) -> None:
    lirax_sock = bind("127.0.0.1", 0)
    sim = LiraxSimulator(
        token=TOKEN, webhook_token=WEBHOOK_TOKEN, webhook_url="http://127.0.0.1:9/x"
    )
    try:
        async with (
            serving(sim.app, lirax_sock),
            deployment(tmp_path, address(lirax_sock)) as (a, b),
        ):
            call: dict[str, Any] = {
                "provider": "pbx",
                "agent": "101",
                "to": "+7 912 345-67-89",
                "idempotencyKey": "once-across-instances",
            }
            first = (await a.query(PLACE_CALL, {"input": call}))["placeCall"]
            again = (await b.query(PLACE_CALL, {"input": call}))["placeCall"]
            assert first["userErrors"] == []
            assert again["call"]["id"] == first["call"]["id"]
            assert len(sim.calls) == 1, "one makeCall reached the PBX"
    finally:
        await sim.aclose()


async def test_a_subscriber_moving_between_instances_with_its_cursor_misses_nothing(
    tmp_path: Path,
) -> None:
    async with deployment(tmp_path) as (a, b):
        seen: list[str] = []
        async with a.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            for n in range(6):
                await post(a if n % 2 else b, n)
            for _ in range(6):
                seen.append((await next_event(events))["callEvents"]["id"])
        # Gone; meanwhile both instances keep receiving.
        for n in range(6, 12):
            await post(b if n % 2 else a, n)
        async with b.subscription(CALL_EVENTS, {"after": seen[-1]}) as events:

            async def more() -> None:
                for n in range(12, 18):
                    await post(a if n % 2 else b, n)

            writer = asyncio.create_task(more())
            for _ in range(12):
                seen.append((await next_event(events))["callEvents"]["id"])
            await writer
        assert len(set(seen)) == 18, "no event twice"
        data = await b.query("{ calls(first: 100) { totalCount } }")
        assert data["calls"]["totalCount"] == 18
        numbers = [int(base64.b64decode(i).decode().split(":")[1]) for i in seen]
        assert numbers == sorted(numbers), "in cursor order"
