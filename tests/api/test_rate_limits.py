"""Rate limits per client through real HTTP and real WebSockets: 429 with Retry-After over
a client's `rate`, and a subscription refused over its `max_subscriptions`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from callboard.settings import ConfigError, RequestRate, parse_settings
from tests.harness import FROM_START, LEGACY_WS, TRANSPORT_WS, Api, next_message, running_callboard
from tests.queries import CALL_EVENTS

KEY_A = "key-of-client-a-0123456789"
KEY_B = "key-of-client-b-0123456789"
KEY_SLOW = "key-of-client-slow-0123456"
WEBHOOK_TOKEN = "hook-token"
PROVIDERS = "{ providers { id } }"

CONFIG: dict[str, Any] = {
    "server": {"cors_origins": ["https://crm.example"]},
    "providers": [
        {
            "id": "crm",
            "kind": "lirax",
            "base_url": "http://127.0.0.1:9/general",
            "token": "command-token",
            "webhook_token": WEBHOOK_TOKEN,
            "timezone": "Europe/Moscow",
        }
    ],
    "clients": [
        # 10 a second on average, 2 at once: the third at once waits 0.1 s
        {"name": "a", "key": KEY_A, "rate": "10/s", "burst": 2, "max_subscriptions": 2},
        {"name": "b", "key": KEY_B},
        {"name": "slow", "key": KEY_SLOW, "rate": "1/min"},
    ],
}

START = {TRANSPORT_WS: "subscribe", LEGACY_WS: "start"}


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_callboard(CONFIG, key=KEY_A) as api:
        yield api


def rate_limited(response: Any) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    return error  # type: ignore[no-any-return]


async def test_over_its_burst_a_client_gets_429_with_retry_after(api: Api) -> None:
    first, second = await api.post(PROVIDERS), await api.post(PROVIDERS)
    assert [first.status_code, second.status_code] == [200, 200]
    assert first.json()["data"]["providers"] == [{"id": "crm"}]
    refused = await api.post(PROVIDERS)
    error = rate_limited(refused)
    # 0.1 s to wait, rounded up to whole seconds as the header counts them
    assert refused.headers["retry-after"] == "1"
    assert "10/s" in error["message"]
    assert "2 at once" in error["message"]
    assert "data" not in refused.json()


async def test_the_rate_comes_back_as_time_passes(api: Api) -> None:
    for _ in range(2):
        assert (await api.post(PROVIDERS)).status_code == 200
    rate_limited(await api.post(PROVIDERS))
    await asyncio.sleep(0.25)  # 10/s: two requests' worth
    assert (await api.post(PROVIDERS)).status_code == 200


async def test_each_client_has_its_own_limit_and_one_without_rate_has_none(api: Api) -> None:
    for _ in range(2):
        await api.post(PROVIDERS)
    rate_limited(await api.post(PROVIDERS))
    answers = [await api.post(PROVIDERS, key=KEY_B) for _ in range(20)]
    assert {r.status_code for r in answers} == {200}
    slow = await api.post(PROVIDERS, key=KEY_SLOW)
    assert slow.status_code == 200


async def test_a_per_minute_rate_says_to_wait_the_minute(api: Api) -> None:
    assert (await api.post(PROVIDERS, key=KEY_SLOW)).status_code == 200
    refused = await api.http.post(
        f"{api.url}/graphql",
        json={"query": PROVIDERS},
        headers={"Authorization": f"Bearer {KEY_SLOW}", "Origin": "https://crm.example"},
    )
    rate_limited(refused)
    assert refused.headers["retry-after"] == "60"
    # a browser frontend may read it
    assert refused.headers["access-control-allow-origin"] == "https://crm.example"
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()


async def test_webhooks_health_and_refused_keys_do_not_count(api: Api) -> None:
    for n in range(3):
        hook = await api.http.post(
            f"{api.webhook_base}/crm",
            data={
                "cmd": "record",
                "callid": "R",
                "record_link": f"https://r.example/{n}.mp3",
                "from_LiraX_token": WEBHOOK_TOKEN,
            },
        )
        assert hook.status_code == 200
        assert (await api.http.get(f"{api.url}/healthz")).status_code == 200
        assert (await api.post(PROVIDERS, key="not-a-key-of-anyone")).status_code == 401
    # the slow client's one request a minute is still there
    assert (await api.post(PROVIDERS, key=KEY_SLOW)).status_code == 200


async def test_the_open_local_caller_is_not_limited() -> None:
    async with running_callboard({}) as api:
        answers = [await api.post(PROVIDERS) for _ in range(30)]
    assert {r.status_code for r in answers} == {200}


@contextlib.asynccontextmanager
async def socket(api: Api, protocol: str, key: str = KEY_A) -> AsyncIterator[Any]:
    url = api.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
        await ws.send(json.dumps(init))
        assert (await next_message(ws))["type"] == "connection_ack"
        yield ws


async def subscribe(ws: Any, protocol: str, op_id: str) -> None:
    # From the first event: one posted before or after the subscription starts comes.
    payload = {"query": CALL_EVENTS, "variables": {"provider": "crm", "after": FROM_START}}
    await ws.send(json.dumps({"id": op_id, "type": START[protocol], "payload": payload}))


async def post_record(api: Api, n: int) -> None:
    """A LiraX webhook: one event for every subscriber of the provider."""
    form = {
        "cmd": "record",
        "callid": f"R{n}",
        "record_link": f"https://r.example/{n}.mp3",
        "from_LiraX_token": WEBHOOK_TOKEN,
    }
    assert (await api.http.post(f"{api.webhook_base}/crm", data=form)).status_code == 200


async def events_come(ws: Any, *op_ids: str) -> None:
    """Each of `op_ids` on `ws` gets an event (each webhook posted makes one)."""
    waiting = set(op_ids)
    while waiting:
        message = await next_message(ws)
        if message.get("id") in waiting:
            assert message["type"] in ("next", "data"), message
            assert message["payload"]["data"]["callEvents"]["kind"]
            waiting.discard(message["id"])


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_one_subscription_over_the_clients_limit_is_refused_the_socket_kept(
    api: Api, protocol: str
) -> None:
    await post_record(api, 1)
    # Two open on two connections: the limit counts the client's, not a connection's.
    async with socket(api, protocol) as one, socket(api, protocol) as two:
        await subscribe(one, protocol, "s1")
        await subscribe(two, protocol, "s2")
        await events_come(two, "s2")
        await subscribe(two, protocol, "s3")
        refused = await next_message(two)
        assert refused["id"] == "s3"
        assert refused["type"] == "error"
        # graphql-transport-ws: a list of GraphQL errors; graphql-ws: one
        payload = refused["payload"]
        (error,) = payload if isinstance(payload, list) else [payload]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert "max_subscriptions" in error["message"]
        # Another client is not held back by this one's subscriptions.
        async with socket(api, protocol, key=KEY_B) as other:
            await subscribe(other, protocol, "b1")
            await events_come(other, "b1")
        # One completed, the same socket may open another; s2 still gets its events.
        stop = "complete" if protocol == TRANSPORT_WS else "stop"
        await one.send(json.dumps({"id": "s1", "type": stop}))
        await asyncio.sleep(0.1)
        await subscribe(two, protocol, "s4")
        await events_come(two, "s4")
        await post_record(api, 2)
        await events_come(two, "s2")


async def test_a_closed_connection_gives_its_subscriptions_back(api: Api) -> None:
    await post_record(api, 1)
    async with socket(api, TRANSPORT_WS) as ws:
        await subscribe(ws, TRANSPORT_WS, "s1")
        await subscribe(ws, TRANSPORT_WS, "s2")
        await events_come(ws, "s2")
    await asyncio.sleep(0.1)  # the server sees it gone
    async with socket(api, TRANSPORT_WS) as ws:
        await subscribe(ws, TRANSPORT_WS, "s1")
        await subscribe(ws, TRANSPORT_WS, "s2")
        await events_come(ws, "s1", "s2")


def settings_of(client: dict[str, Any]) -> Any:
    entry = {"name": "a", "key": KEY_A, **client}
    return parse_settings({"clients": [entry]}, source="callboard.toml", environ={})


def test_rate_and_burst_are_read_with_their_defaults() -> None:
    (client,) = settings_of({"rate": "100/s", "burst": 200}).clients
    assert client.rate == RequestRate(100, 1, 200)
    (client,) = settings_of({"rate": "6000 / min"}).clients
    assert client.rate == RequestRate(6000, 60, 6000)
    (client,) = settings_of({}).clients
    assert client.rate is None
    assert client.max_subscriptions == 10_000


@pytest.mark.parametrize(
    ("client", "words"),
    [
        ({"rate": "100/h"}, ["rate", '"100/s"', '"6000/min"']),
        ({"rate": "0/s"}, ["rate", "per second or minute"]),
        ({"rate": 100}, ["rate", "per second or minute"]),
        ({"burst": 10}, ["burst", "needs a rate"]),
        ({"rate": "1/s", "burst": 0}, ["burst", "positive whole number"]),
        ({"max_subscriptions": 1.5}, ["max_subscriptions", "positive whole number"]),
        ({"ratelimit": "1/s"}, ["ratelimit", "unknown key", "max_subscriptions"]),
    ],
)
def test_a_wrong_limit_is_one_clear_message(client: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(ConfigError) as failed:
        settings_of(client)
    message = str(failed.value)
    assert message.startswith("callboard.toml: [[clients]] #1")
    for word in words:
        assert word in message
