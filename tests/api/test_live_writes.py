"""Live call events written straight to the subscribers' connections (live/audiences.py)
look, to every client, like strawberry's own messages."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import websockets

from tests.harness import FROM_START, LEGACY_WS, next_event, next_message
from tests.queries import CALL_EVENTS
from tests.vendors import Rig, post_webhook, vendor_rig

TOKEN = "lirax-webhook-token"


def record(n: int) -> dict[str, str]:
    return {
        "cmd": "record",
        "callid": "W",
        "record_link": f"https://r.example/W-{n}.mp3",
        "from_LiraX_token": TOKEN,
    }


@contextlib.asynccontextmanager
async def raw_subscription(
    rig: Rig, op_id: str, *, compression: str | None = None
) -> AsyncIterator[websockets.ClientConnection]:
    """graphql-transport-ws by hand: the messages exactly as the server sent them."""
    async with websockets.connect(
        rig.api.url.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression=compression,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        variables = {"after": FROM_START}
        message = {"query": CALL_EVENTS, "variables": variables}
        await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": message}))
        yield ws


async def test_each_client_gets_its_operation_id_and_strawberrys_data(lirax: Rig) -> None:
    ids = ["a", 'ü/2 "quoted"']
    async with (
        raw_subscription(lirax, ids[0]) as first,
        raw_subscription(lirax, ids[1]) as second,
        lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}, protocol=LEGACY_WS) as legacy,
    ):
        # The first event may be replayed (each subscriber's own execution); once all
        # have it they are live, and the second one is written to both connections.
        await post_webhook(lirax.api, lirax.provider_id, data=record(0))
        for ws in (first, second):
            assert (await next_message(ws))["type"] == "next"
        await next_event(legacy)
        await post_webhook(lirax.api, lirax.provider_id, data=record(1))
        written = [await next_message(ws) for ws in (first, second)]
        expected = await next_event(legacy)  # strawberry's own execution and message
    assert [m["id"] for m in written] == ids
    for message in written:
        assert message == {"id": message["id"], "type": "next", "payload": {"data": expected}}
    assert expected["callEvents"]["raw"]["record_link"] == "https://r.example/W-1.mp3"


@pytest.mark.parametrize("compression", [True, False])
async def test_subscriptions_work_with_and_without_compression(compression: bool) -> None:
    config = {"server": {"websocket_compression": compression}}
    async with (
        vendor_rig("lirax", config=config) as rig,
        raw_subscription(rig, "1", compression="deflate") as ws,
    ):
        assert ws.protocol.extensions if compression else not ws.protocol.extensions
        links = []
        for n in range(3):
            await post_webhook(rig.api, rig.provider_id, data=record(n))
            message = await next_message(ws)
            links.append(message["payload"]["data"]["callEvents"]["raw"]["record_link"])
    assert links == [f"https://r.example/W-{n}.mp3" for n in range(3)]
