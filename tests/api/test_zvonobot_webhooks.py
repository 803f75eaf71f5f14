"""Zvonobot's webhooks: resent until answered 200, so a delivery seen twice must not make
a second event; only the configured source addresses (and a trusted proxy's word) count."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx

from callboard.demo import address, bind
from callboard.providers.zvonobot.simulator import ZvonobotSimulator
from callboard.providers.zvonobot.webhooks import derive_secret
from tests.api.zvonobot_queries import ROBOCALL_CALL, START, robocall
from tests.harness import Api, running_callboard, serving
from tests.vendors import Rig, post_webhook, vendor_rig

PROVIDER = "zb"
KEY = "zvonobot-api-key"


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """Delivers every webhook, but the first answer to each delivery is lost on the way
    back (the vendor sees HTTP 500 and sends the same delivery again)."""

    def __init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()
        self._seen: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        body.pop("webhookTry", None)
        body.pop("webhookSent", None)
        response = await self._real.handle_async_request(request)
        await response.aread()
        fingerprint = json.dumps(body, sort_keys=True)
        if fingerprint not in self._seen:
            self._seen.add(fingerprint)
            return httpx.Response(500)
        return response

    async def aclose(self) -> None:
        await self._real.aclose()


@contextlib.asynccontextmanager
async def lossy_rig(**options: Any) -> AsyncIterator[tuple[Api, ZvonobotSimulator]]:
    api_sock, sim_sock = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    http = httpx.AsyncClient(transport=LoseFirstAnswer())
    sim = ZvonobotSimulator(KEY, step_delay=0.05, resend_delay=0.05, http=http)
    provider = {
        "id": PROVIDER,
        "kind": "zvonobot",
        "base_url": address(sim_sock),
        "api_key": KEY,
        "allowed_ips": ["127.0.0.1"],
        "moderation_lifted": True,
        **options,
    }
    try:
        async with (
            serving(sim.app, sim_sock),
            running_callboard({"providers": [provider]}, api_socket=api_sock) as api,
        ):
            yield api, sim
    finally:
        await sim.aclose()
        await http.aclose()


async def test_resent_deliveries_make_one_event_each() -> None:
    async with lossy_rig() as (api, sim):
        sim.set_outcome("79123456789", "answered", answer=1)
        ivrs = [{"digit": 1, "notify": True}]
        variables = robocall(
            Rig(api=api, vendor=None, provider_id=PROVIDER),  # type: ignore[arg-type]
            ["+79123456789"],
            ivrs=ivrs,
            record=True,
        )
        (call,) = (await api.query(START, variables))["startRobocall"]["calls"]
        await sim.wait_idle()
        tries = Counter((d.kind, d.try_number, d.status_code) for d in sim.deliveries)
        delivered = [d for d in sim.deliveries if d.status_code == 200]
        assert all(d.try_number == 2 for d in delivered), tries
        assert len(delivered) == len([d for d in sim.deliveries if d.try_number == 1])
        events = (await api.query(ROBOCALL_CALL, {"id": call["id"]}))["call"]["events"]
        kinds = Counter(e["kind"] for e in events)
        status_hooks = [d for d in delivered if d.kind == "status"]
        assert kinds["STATUS_CHANGED"] == len(status_hooks), "one event per delivery"
        assert kinds["IVR_INPUT"] == 1
        assert kinds["RECORDING_READY"] == 1
        statuses = [e["status"] for e in events if e["kind"] == "STATUS_CHANGED"]
        assert statuses[-1] == "COMPLETED"


async def test_webhooks_from_elsewhere_than_zvonobot_are_refused() -> None:
    # Default allowed_ips: Zvonobot's documented address; the simulator posts from loopback.
    async with lossy_rig(allowed_ips=["82.202.206.194"]) as (api, sim):
        variables = robocall(
            Rig(api=api, vendor=None, provider_id=PROVIDER),  # type: ignore[arg-type]
            ["+79123456789"],
        )
        (call,) = (await api.query(START, variables))["startRobocall"]["calls"]
        await sim.wait_idle()
        assert {d.status_code for d in sim.deliveries} == {403, 500}
        events = (await api.query(ROBOCALL_CALL, {"id": call["id"]}))["call"]["events"]
        assert [e["kind"] for e in events] == ["PLACED"]


async def test_a_trusted_proxy_vouches_for_zvonobots_address() -> None:
    config = {"server": {"trusted_proxies": ["127.0.0.1"]}}
    async with vendor_rig(
        "zvonobot", config=config, credentials={"allowed_ips": ["82.202.206.194"]}
    ) as rig:
        await check_forwarded(rig, believed=True)
    async with vendor_rig("zvonobot", credentials={"allowed_ips": ["82.202.206.194"]}) as rig:
        await check_forwarded(rig, believed=False)


async def check_forwarded(rig: Rig, *, believed: bool) -> None:
    secret = rig_secret(rig)
    body = {"id": 1001, "calls": [{"phone": "79123456789", "status": "started"}]}
    zvonobot = {"X-Forwarded-For": "82.202.206.194"}
    response = await post_webhook(
        rig.api, rig.provider_id, params={"key": secret}, json=body, headers=zvonobot
    )
    assert response.status_code == (200 if believed else 403)
    other = {"X-Forwarded-For": "10.1.2.3"}
    response = await post_webhook(
        rig.api, rig.provider_id, params={"key": secret}, json=body, headers=other
    )
    assert response.status_code == 403


def rig_secret(rig: Rig) -> str:
    return derive_secret(KEY, rig.provider_id)


async def test_a_malformed_delivery_is_400_and_an_unknown_shape_is_kept() -> None:
    async with vendor_rig("zvonobot") as rig:
        secret = rig_secret(rig)
        bad = await post_webhook(
            rig.api, rig.provider_id, params={"key": secret}, content=b"<xml/>"
        )
        assert bad.status_code == 400
        odd = await post_webhook(
            rig.api, rig.provider_id, params={"key": secret}, json={"something": "new"}
        )
        assert odd.status_code == 200
        assert (await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 0


async def test_the_same_status_delivery_twice_is_one_event() -> None:
    async with vendor_rig("zvonobot") as rig:
        secret = rig_secret(rig)
        body = {
            "id": 1001,
            "webhookTry": 1,
            "calls": [{"phone": "79123456789", "status": "answered", "answeredAt": 1767250000}],
        }
        for attempt in (1, 2, 3):
            response = await post_webhook(
                rig.api,
                rig.provider_id,
                params={"key": secret},
                json={**body, "webhookTry": attempt},
            )
            assert response.status_code == 200
        data = await rig.api.query("{ calls { nodes { status events { kind } } } }")
        (call,) = data["calls"]["nodes"]
        assert call["status"] == "IN_PROGRESS"
        assert [e["kind"] for e in call["events"]] == ["STATUS_CHANGED"]
