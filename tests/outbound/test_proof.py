"""The guarantees end to end, with a real receiver verifying every signature: many events
to three endpoints, one of them failing for its first minute; and a SIGKILL mid-way."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
from pathlib import Path

from callboard.demo import bind
from tests.harness import serving
from tests.lirax_hooks import call_completed
from tests.outbound.documents import CREATE
from tests.outbound.receiver import Receiver
from tests.outbound.rig import HOOK_TOKEN, PROVIDER, Rig, outbound_rig, until
from tests.processes import free_port, serving_process
from tests.services import fresh_database, needs_postgres

EVENTS = 200
DOCUMENT = "subscription { callEvents { id kind call { id } } }"


def event_number(received_payload: dict[str, object]) -> int:
    event = received_payload["data"]["callEvents"]  # type: ignore[index]
    return int(base64.b64decode(event["id"]).decode().partition(":")[2])


def check_all_once_in_order(receiver: Receiver, name: str, count: int) -> None:
    unique = receiver.unique(name)
    numbers = [event_number(r.payload) for r in unique]
    assert numbers == sorted(numbers), f"{name}: out of order"
    assert len(set(numbers)) == count, f"{name}: {len(set(numbers))} of {count}"


async def post_events(rig: Rig, count: int) -> None:
    for start in range(0, count, 20):
        await asyncio.gather(*(rig.call_event(f"P{n}") for n in range(start, start + 20)))


async def test_many_events_to_three_endpoints_one_failing_at_first() -> None:
    async with outbound_rig() as rig:
        opened = rig.clock.now()
        # "flaky" answers 500 for the first minute of the clock
        rig.receiver.answer = lambda name: (
            500 if name == "flaky" and (rig.clock.now() - opened).total_seconds() < 60 else 200
        )
        for name in ("crm", "billing", "flaky"):
            await rig.endpoint(name, DOCUMENT)
        await post_events(rig, EVENTS)
        await until(lambda: len(rig.receiver.unique("crm")) == EVENTS, timeout=20)
        await until(lambda: len(rig.receiver.unique("billing")) == EVENTS, timeout=20)
        assert rig.receiver.got["flaky"] == []
        for _ in range(40):  # a minute and more, in steps past each retry's wait
            rig.clock.advance(10)
            rig.wake()
            await asyncio.sleep(0.02)
        await until(lambda: len(rig.receiver.unique("flaky")) == EVENTS, timeout=20)
    assert rig.receiver.refused == [], "every signature verified"
    for name in ("crm", "billing", "flaky"):
        check_all_once_in_order(rig.receiver, name, EVENTS)
    # every event once per endpoint, by webhook-id too: no id sent twice on success
    for name in ("crm", "billing"):
        assert len(rig.receiver.got[name]) == EVENTS


def write_config(path: Path, db: Path, port: int) -> Path:
    path.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\naccess_log = false\n\n'
        f'[storage]\nurl = "sqlite:///{db}"\n\n'
        "[outbound]\nallow_private_networks = true\npoll_seconds = 0.1\n"
        "timeout_seconds = 1\nlease_seconds = 2\n\n"
        f'[[providers]]\nid = "{PROVIDER}"\nkind = "lirax"\n'
        'base_url = "http://127.0.0.1:9/general"\ntoken = "command-token"\n'
        f'webhook_token = "{HOOK_TOKEN}"\n'
    )
    return path


async def test_killed_mid_way_then_restarted_none_is_lost(tmp_path: Path) -> None:
    receiver = Receiver()
    db = tmp_path / "callboard.db"
    count = 60
    receiver.delay = 0.02  # 60 deliveries take over a second: the kill lands mid-way
    async with serving(receiver.app, bind("127.0.0.1", 0)) as receiver_url:
        port = free_port()
        config = write_config(tmp_path / "first.toml", db, port)
        async with serving_process(config, port) as (api, process):
            made = await api.query(
                CREATE,
                {"input": {"url": f"{receiver_url}/hooks/crm", "subscription": DOCUMENT}},
            )
            receiver.secrets["crm"] = made["createWebhookEndpoint"]["endpoint"]["secret"]
            for n in range(count):
                form = call_completed(f"K{n}", HOOK_TOKEN)
                response = await api.http.post(f"{api.webhook_base}/{PROVIDER}", data=form)
                assert response.status_code == 200
            await until(lambda: len(receiver.got["crm"]) >= 5)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        delivered_before = len(receiver.unique("crm"))
        assert delivered_before < count, "killed mid-way"
        port = free_port()
        config = write_config(tmp_path / "second.toml", db, port)
        async with serving_process(config, port):
            await until(lambda: len(receiver.unique("crm")) == count, timeout=20)
    assert receiver.refused == []
    check_all_once_in_order(receiver, "crm", count)


@needs_postgres
async def test_two_instances_on_postgresql_share_the_work_each_delivery_once() -> None:
    receiver = Receiver()
    async with (
        fresh_database() as storage,
        serving(receiver.app) as receiver_url,
        outbound_rig(storage=storage, receiver=(receiver, receiver_url)) as first,
        outbound_rig(storage=storage, receiver=(receiver, receiver_url)) as second,
    ):
        for name in ("crm", "billing", "erp"):
            await first.endpoint(name, DOCUMENT)
        # The second instance made its filters before the endpoints existed: they are read
        # in each transaction, so its events are delivered too.
        count = 60
        for start in range(0, count, 20):
            await asyncio.gather(
                *(
                    (first if n % 2 else second).call_event(f"PG{n}")
                    for n in range(start, start + 20)
                )
            )
        for name in ("crm", "billing", "erp"):
            await until(lambda name=name: len(receiver.unique(name)) == count, timeout=20)
    assert receiver.refused == []
    for name in ("crm", "billing", "erp"):
        check_all_once_in_order(receiver, name, count)
        assert len(receiver.got[name]) == count, f"{name}: a delivery sent twice"
