"""Each provider kind wired to its simulator, the way the contract suite needs it.

A new kind joins the contract suite by adding one `Vendor` factory to `VENDORS`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from callboard.demo import address, bind
from callboard.simulators.lirax import LiraxSimulator
from callboard.simulators.zvonobot import ZvonobotSimulator
from tests.harness import Api, running_callboard, serving

PROVIDER_ID = "vendor-under-test"


@dataclass
class Vendor:
    kind: str
    simulator: Any
    # what placeCall needs besides `provider`, for a call the simulator answers
    place_call: dict[str, str]
    # the provider keys that point at the simulator (base_url, ...), from its root URL
    sim_urls: Callable[[str], dict[str, Any]]
    # what each provider entry needs besides id, kind and those URLs
    credentials: dict[str, str]
    # a webhook delivery with a forged credential: (method, path suffix, body, headers)
    forged_webhook: Callable[[], dict[str, Any]]
    # the final status of a call the simulator answers
    answered_final: str = "COMPLETED"


def _lirax(webhook_url: str, step_delay: float) -> Vendor:
    sim = LiraxSimulator(
        token="lirax-command-token",
        webhook_token="lirax-webhook-token",
        webhook_url=webhook_url,
        step_delay=step_delay,
    )
    return Vendor(
        kind="lirax",
        simulator=sim,
        place_call={"agent": "101", "to": "+7 912 345-67-89"},
        credentials={
            "token": "lirax-command-token",
            "webhook_token": "lirax-webhook-token",
            "history_login": "api-user",
            "history_password": "api-password",
        },
        sim_urls=lambda root: {"base_url": f"{root}/general", "history_url": root},
        forged_webhook=lambda: {
            "data": {
                "cmd": "record",
                "callid": "X-1",
                "record_link": "https://x/1.mp3",
                "from_LiraX_token": "forged",
            },
        },
    )


def _zvonobot(webhook_url: str, step_delay: float) -> Vendor:
    # Zvonobot is told its webhook URL with every call, not once.
    sim = ZvonobotSimulator(api_key="zvonobot-api-key", step_delay=step_delay, resend_delay=0.05)
    return Vendor(
        kind="zvonobot",
        simulator=sim,
        place_call={},
        credentials={"api_key": "zvonobot-api-key"},
        # The simulator posts from loopback, not from Zvonobot's address.
        sim_urls=lambda root: {"base_url": root, "allowed_ips": ["127.0.0.1", "::1"]},
        forged_webhook=lambda: {
            "params": {"key": "forged"},
            "json": {"id": 1001, "calls": [{"phone": "79123456789", "status": "finished"}]},
        },
    )


# kind -> the vendor's simulator and test data, given Callboard's webhook URL and a step delay
VENDORS: dict[str, Callable[[str, float], Vendor]] = {
    "lirax": _lirax,
    "zvonobot": _zvonobot,
}


@dataclass
class Rig:
    api: Api
    vendor: Vendor
    provider_id: str = PROVIDER_ID


@contextlib.asynccontextmanager
async def vendor_rig(
    kind: str,
    *,
    step_delay: float = 0.05,
    credentials: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    key: str | None = None,
) -> AsyncIterator[Rig]:
    """The simulator of `kind` and a Callboard with one provider of that kind using it."""
    api_sock, sim_sock = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    vendor = VENDORS[kind](f"{address(api_sock)}/webhooks/{PROVIDER_ID}", step_delay)
    entry = {
        "id": PROVIDER_ID,
        "kind": kind,
        **vendor.sim_urls(address(sim_sock)),
        **vendor.credentials,
        **(credentials or {}),
    }
    config = dict(config or {})
    config["providers"] = [entry, *config.get("providers", [])]
    try:
        async with (
            serving(vendor.simulator.app, sim_sock),
            running_callboard(config, api_socket=api_sock, key=key) as api,
        ):
            yield Rig(api=api, vendor=vendor)
    finally:
        await vendor.simulator.aclose()


async def post_webhook(api: Api, provider_id: str, **request: Any) -> httpx.Response:
    return await api.http.post(f"{api.webhook_base}/{provider_id}", **request)
