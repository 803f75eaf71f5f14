"""Each provider kind wired to its simulator, the way the contract suite needs it.

A new kind joins the contract suite by adding one `Vendor` factory to `VENDORS`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from callboard.demo import address, bind
from callboard.providers.liner.simulator import LinerSimulator
from callboard.providers.lirax.simulator import LiraxSimulator
from callboard.providers.twin24.simulator import Twin24Simulator
from callboard.providers.webhook_guard import derive_secret
from callboard.providers.while1.simulator import While1Simulator
from callboard.providers.zvonobot.simulator import ZvonobotSimulator
from tests.harness import Api, running_callboard, serving
from tests.queries import PLACE_CALL

PROVIDER_ID = "vendor-under-test"
TWIN24_STATIC_TOKEN = "twin24-long-lived-token"  # a token the Twin24 simulator also accepts


@dataclass
class Vendor:
    kind: str
    simulator: Any
    # what placeCall needs besides `provider`, for a call the simulator answers
    place_call: dict[str, Any]
    # the provider keys that point at the simulator (base_url, ...), from its root URL
    sim_urls: Callable[[str], dict[str, Any]]
    # what each provider entry needs besides id, kind and those URLs
    credentials: dict[str, str]
    # a webhook delivery with a forged credential: httpx request arguments
    forged_webhook: Callable[[], dict[str, Any]]
    # one mutation every provider of the kind serves, with an input the simulator accepts
    # (besides `provider`): it shows how vendor outages and refused credentials come back
    probe: tuple[str, str, dict[str, Any]]  # (document, payload field, input)
    # the final status of a call the simulator answers
    answered_final: str = "COMPLETED"
    # how the webhook is sent (the While1 PBX sends GET requests)
    webhook_method: str = "POST"
    # what makes the vendor post webhooks about the probe's work, where the probe alone
    # does not (a Twin24 number added is rung from outside)
    after_probe: Callable[[], Awaitable[Any]] | None = None
    # the query that lets a delivery in, and a delivery (as a JSON object) that becomes
    # one call event
    webhook_auth: dict[str, str] = field(default_factory=dict)
    webhook_json: dict[str, Any] = field(default_factory=dict)


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
        probe=(PLACE_CALL, "placeCall", {"agent": "101", "to": "+7 912 345-67-89"}),
        forged_webhook=lambda: {
            "data": {
                "cmd": "record",
                "callid": "X-1",
                "record_link": "https://x/1.mp3",
                "from_LiraX_token": "forged",
            },
        },
        webhook_auth={"from_LiraX_token": "lirax-webhook-token"},
        webhook_json={"cmd": "record", "callid": "X-1", "record_link": "https://x/1.mp3"},
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
        probe=(
            START_ROBOCALL,
            "startRobocall",
            {
                "phones": ["+79123456789"],
                "outgoingPhone": "+7 495 000-00-01",  # one of the simulator's numbers
                "message": {"text": "Hello", "voice": "MALE"},
            },
        ),
        forged_webhook=lambda: {
            "params": {"key": "forged"},
            "json": {"id": 1001, "calls": [{"phone": "79123456789", "status": "finished"}]},
        },
        webhook_auth={"key": derive_secret("zvonobot-api-key", PROVIDER_ID)},
        webhook_json={"id": 1001, "calls": [{"phone": "79123456789", "status": "finished"}]},
    )


def _twin24(webhook_url: str, step_delay: float) -> Vendor:
    # Twin24 is told its webhook URL with the numbers it adds, not once.
    sim = Twin24Simulator(
        email="ops@example.com",
        password="twin24-password",
        token=TWIN24_STATIC_TOKEN,
        step_delay=step_delay,
    )
    return Vendor(
        kind="twin24",
        simulator=sim,
        place_call={},
        credentials={"email": "ops@example.com", "password": "twin24-password"},
        sim_urls=lambda root: {
            "base_url": root,
            "auth_url": f"{root}/api/v1/auth/login",
            "default_provider_id": "bce7d22e-dde6-4427-b391-ebbdfda44de6",
        },
        probe=(
            ADD_INCOMING_NUMBERS,
            "addIncomingNumbers",
            {"numbers": [{"number": "+7 495 123-45-01", "name": "Sales", "did": "123"}]},
        ),
        forged_webhook=lambda: {
            "params": {"key": "forged"},
            "json": {"callId": "c-1", "caller": "79123456789", "number": "74951234501"},
        },
        after_probe=lambda: sim.ring("74951234501", "79123456789"),
        webhook_auth={"key": derive_secret("ops@example.com\ntwin24-password", PROVIDER_ID)},
        webhook_json={"callId": "c-1", "caller": "79123456789", "number": "74951234501"},
    )


def _liner(webhook_url: str, step_delay: float) -> Vendor:
    sim = LinerSimulator(api_key="liner-api-key")
    return Vendor(
        kind="liner",
        simulator=sim,
        place_call={},
        credentials={"api_key": "liner-api-key"},
        sim_urls=lambda root: {"base_url": root},
        probe=(
            CREATE_ORDER,
            "createOrder",
            {
                "title": "Spring",
                "serviceTitle": "spring",
                "status": "INFO",
                "sipEndpointIds": [101],
            },
        ),
        forged_webhook=lambda: {"json": {}},
    )


def _while1(webhook_url: str, step_delay: float) -> Vendor:
    sim = While1Simulator(
        "while1-user",
        "while1-password",
        "while1-api-key",
        project_id=1,
        event_url=f"{webhook_url}?token=while1-webhook-token",
        step_delay=step_delay,
    )
    return Vendor(
        kind="while1",
        simulator=sim,
        place_call={"agent": "101", "to": "+40 21 234 5678"},
        credentials={
            "api_username": "while1-user",
            "api_password": "while1-password",
            "api_key": "while1-api-key",
            "webhook_token": "while1-webhook-token",
        },
        sim_urls=lambda root: {"base_url": root, "project_id": 1},
        probe=(PLACE_CALL, "placeCall", {"agent": "101", "to": "+40 21 234 5678"}),
        forged_webhook=lambda: {
            "params": {"token": "forged", "event": "outgoing_end", "uniqueid": "1.1"},
        },
        webhook_method="GET",
        webhook_auth={"token": "while1-webhook-token"},
        webhook_json={"event": "dial_answer", "uniqueid": "1.1", "telephone": "40212345678"},
    )


START_ROBOCALL = """
mutation($input: StartRobocallInput!) {
  startRobocall(input: $input) { calls { id } userErrors { field message code vendorCode } }
}"""

ADD_INCOMING_NUMBERS = """
mutation($input: AddIncomingNumbersInput!) {
  addIncomingNumbers(input: $input) {
    numbers { number name } userErrors { field message code vendorCode }
  }
}"""

CREATE_ORDER = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { order { orderId } userErrors { field message code vendorCode } }
}"""


# kind -> the vendor's simulator and test data, given Callboard's webhook URL and a step delay
VENDORS: dict[str, Callable[[str, float], Vendor]] = {
    "liner": _liner,
    "lirax": _lirax,
    "twin24": _twin24,
    "while1": _while1,
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


async def post_webhook(
    api: Api, provider_id: str, *, method: str = "POST", **request: Any
) -> httpx.Response:
    return await api.http.request(method, f"{api.webhook_base}/{provider_id}", **request)
