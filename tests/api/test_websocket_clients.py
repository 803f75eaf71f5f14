"""WebSocket clients that misbehave, over both protocols: messages that cannot be read, no
`connection_init`, clients that stop reading, clients that vanish."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from tests.harness import FROM_START, LEGACY_WS, TRANSPORT_WS, next_event, next_message
from tests.queries import CALL_EVENTS, PROVIDERS
from tests.raw_websocket import RawClient, raw_client
from tests.vendors import Rig, post_webhook, vendor_rig

TOKEN = "lirax-webhook-token"
# Large events fill a connection that is not read with few webhooks.
PADDING = "p" * 30_000

START = {TRANSPORT_WS: "subscribe", LEGACY_WS: "start"}


def record(n: int, callid: str = "W") -> dict[str, str]:
    return {
        "cmd": "record",
        "callid": callid,
        "record_link": f"https://r.example/{callid}-{n}.mp3",
        "padding": PADDING,
        "from_LiraX_token": TOKEN,
    }


def link(message: dict[str, Any]) -> str:
    return str(message["payload"]["data"]["callEvents"]["raw"]["record_link"])


def subscribe(protocol: str, variables: Any, op_id: str = "1") -> dict[str, Any]:
    payload = {"query": CALL_EVENTS, "variables": variables}
    return {"id": op_id, "type": START[protocol], "payload": payload}


async def connected(url: str, protocol: str) -> websockets.ClientConnection:
    ws = await websockets.connect(
        url.replace("http://", "ws://") + "/graphql",
        subprotocols=[protocol],  # type: ignore[list-item]
        max_size=None,
    )
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def closed(ws: websockets.ClientConnection) -> websockets.frames.Close:
    async def read_all() -> None:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()

    with pytest.raises(websockets.ConnectionClosed) as ended:
        await read_all()
    assert ended.value.rcvd is not None, "closed without a close frame"
    return ended.value.rcvd


@pytest.fixture
async def quick_init() -> AsyncIterator[Rig]:
    async with vendor_rig("lirax", config={"server": {"websocket_init_timeout": 0.2}}) as rig:
        yield rig


async def test_a_legacy_socket_without_connection_init_is_told_and_closed(
    quick_init: Rig,
) -> None:
    url = quick_init.api.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[LEGACY_WS]) as ws:  # type: ignore[list-item]
        error = await next_message(ws)
        close = await closed(ws)
    assert error == {
        "type": "connection_error",
        "payload": {"message": "Connection initialisation timeout"},
    }
    assert (close.code, close.reason) == (4408, "Connection initialisation timeout")


async def test_both_protocols_close_an_uninitialised_socket_alike(quick_init: Rig) -> None:
    url = quick_init.api.url.replace("http://", "ws://") + "/graphql"
    codes = []
    for protocol in (TRANSPORT_WS, LEGACY_WS):
        async with websockets.connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
            codes.append((await closed(ws)).code)
    assert codes == [4408, 4408]


async def test_an_initialised_legacy_socket_stays_open(quick_init: Rig) -> None:
    ws = await connected(quick_init.api.url, LEGACY_WS)
    async with ws:
        await asyncio.sleep(0.4)  # twice the timeout
        await ws.send(json.dumps(subscribe(LEGACY_WS, {"after": FROM_START})))
        await post_webhook(quick_init.api, quick_init.provider_id, data=record(0))
        assert link(await next_message(ws)) == "https://r.example/W-0.mp3"


DEEP = "[" * 100_000 + "]" * 100_000
DEEP_VARIABLES = json.dumps(subscribe(TRANSPORT_WS, {"after": None})).replace(
    "null", "[" * 1_000 + "]" * 1_000
)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (DEEP, "JSON nested deeper than 32 levels."),
        (DEEP_VARIABLES, "JSON nested deeper than 32 levels."),
        ("[1]", "A message must be a JSON object."),
        ('{"type": "subscribe", "id": "1", "payload": "x"}', "needs a `payload` object"),
        ('{"type": "subscribe", "id": {}, "payload": {"query": "{a}"}}', "an `id` string"),
    ],
    ids=["100000-deep", "deep-variables", "not-an-object", "payload-not-an-object", "id"],
)
async def test_graphql_transport_ws_closes_4400_on_a_message_it_cannot_read(
    lirax: Rig, text: str, reason: str
) -> None:
    ws = await connected(lirax.api.url, TRANSPORT_WS)
    async with ws:
        await ws.send(text)
        close = await closed(ws)
    assert close.code == 4400
    assert reason in close.reason
    await healthy(lirax, TRANSPORT_WS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DEEP, {"type": "connection_error", "payload": {"message": "JSON nested deeper"}}),
        (
            DEEP_VARIABLES.replace('"subscribe"', '"start"'),
            {"type": "connection_error", "payload": {"message": "JSON nested deeper"}},
        ),
        ('"x"', {"type": "connection_error", "payload": {"message": "must be a JSON object"}}),
        (
            '{"type": "start", "id": "7"}',
            {"type": "error", "id": "7", "payload": {"message": "needs a `payload` object"}},
        ),
    ],
    ids=["100000-deep", "deep-variables", "not-an-object", "start-without-payload"],
)
async def test_legacy_graphql_ws_answers_a_message_it_cannot_read_and_goes_on(
    lirax: Rig, text: str, expected: dict[str, Any]
) -> None:
    ws = await connected(lirax.api.url, LEGACY_WS)
    async with ws:
        await ws.send(text)
        got = await next_message(ws)
        # The protocol ignores the message: the same connection still subscribes.
        await ws.send(json.dumps(subscribe(LEGACY_WS, {"after": FROM_START}, op_id="2")))
        await post_webhook(lirax.api, lirax.provider_id, data=record(0))
        event = await next_message(ws)
    message = expected["payload"].pop("message")
    assert message in got["payload"].pop("message")
    assert got == expected
    assert (event["id"], link(event)) == ("2", "https://r.example/W-0.mp3")
    await healthy(lirax, LEGACY_WS)


async def healthy(rig: Rig, protocol: str) -> None:
    """The server still serves queries and new subscriptions."""
    assert await rig.api.query(PROVIDERS)
    variables = {"after": FROM_START}
    async with rig.api.subscription(CALL_EVENTS, variables, protocol=protocol) as events:
        await post_webhook(rig.api, rig.provider_id, data=record(1, callid="H"))
        while (await next_event(events))["callEvents"]["raw"]["callid"] != "H":
            pass


@contextlib.asynccontextmanager
async def stalled_subscriber(rig: Rig, protocol: str) -> AsyncIterator[RawClient]:
    """A subscriber that reads nothing after its `connection_ack`."""
    async with raw_client(rig.api.url, protocol) as client:
        client.send({"type": "connection_init"})
        assert (await client.message())["type"] == "connection_ack"
        client.send(subscribe(protocol, {"after": FROM_START}))
        yield client


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_subscriber_that_stops_reading_is_cut_off_at_once_and_others_get_everything(
    protocol: str,
) -> None:
    # graphql-transport-ws: the live events written per audience (live/audiences.py);
    # graphql-ws: the subscriber's own queue (events/fanout.py).
    async with (
        vendor_rig("lirax", config={"events": {"subscriber_buffer": 10}}) as rig,
        stalled_subscriber(rig, protocol) as slow,
        rig.api.subscription(CALL_EVENTS, {"after": FROM_START}, protocol=protocol) as events,
    ):
        sent = [f"https://r.example/W-{n}.mp3" for n in range(40)]
        for n in range(40):
            assert (await post_webhook(rig.api, rig.provider_id, data=record(n))).status_code == 200
            assert (await next_event(events))["callEvents"]["raw"]["record_link"] == sent[n]
        # The server answers a ping at once, behind all it has sent: what came before the
        # pong was sent without the slow client reading anything (so before any keepalive
        # timeout could close it).
        slow.ping()
        before_pong: list[dict[str, Any]] = []
        while (frame := await slow.frame()).opcode is not websockets.frames.Opcode.PONG:
            if frame.opcode is websockets.frames.Opcode.TEXT:
                before_pong.append(json.loads(frame.data))
    data = [m for m in before_pong if m["type"] in ("next", "data")]
    got = [link(m) for m in data if not m["payload"].get("errors")]
    errors = [m["payload"]["errors"] for m in data if m["payload"].get("errors")]
    assert errors, "not cut off"
    assert [e["extensions"]["code"] for e in errors[0]] == ["SUBSCRIBER_TOO_SLOW"]
    assert got == sent[: len(got)]
    assert len(got) < len(sent)
    assert before_pong[-1] == {"id": "1", "type": "complete"}


async def test_subscribers_going_away_while_being_sent_to_log_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with (
        vendor_rig("lirax", config={"events": {"subscriber_buffer": 5}}) as rig,
        contextlib.AsyncExitStack() as stack,
    ):
        caplog.set_level(logging.DEBUG)

        async def stalled(count: int) -> list[RawClient]:
            return [
                await stack.enter_async_context(stalled_subscriber(rig, TRANSPORT_WS))
                for _ in range(count)
            ]

        # Subscribers cut off as too slow by live events (7.5 MB: more than Linux's
        # buffers take for a client that does not read), then subscribers still being
        # sent their replay of them.
        gone = await stalled(10)
        for n in range(250):
            await post_webhook(rig.api, rig.provider_id, data=record(n))
        gone += await stalled(10)
        for client in gone:
            # The server's answer to this waits for the client too, so the going away
            # reaches the operation being sent first.
            client.send({"type": "ping"})
        await asyncio.sleep(0.5)
        for client in gone:
            client.abort()
        await asyncio.sleep(0.5)
        assert await rig.api.query(PROVIDERS)
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not failures, [r.getMessage() for r in failures]
