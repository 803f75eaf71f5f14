"""Each provider kind wired to its simulator, the way the contract suite needs it.

Every built-in kind joins through its folder's wiring (`callboard.providers.wiring`);
only the GraphQL document of each probe's mutation is kept here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from callboard.demo import address, bind
from callboard.providers.twin24.wiring import Twin24Wiring
from callboard.providers.wiring import SimulatorSetup, Wiring, example, wired_kinds, wiring_of
from tests.harness import Api, running_callboard, serving
from tests.queries import PLACE_CALL

PROVIDER_ID = "vendor-under-test"
# a token the Twin24 simulator also accepts
TWIN24_STATIC_TOKEN = Twin24Wiring.static_token(wiring_of("twin24").credentials(example))


@dataclass
class Vendor:
    """A kind's wiring with its simulator made, and the tests' credentials."""

    kind: str
    wiring: Wiring[Any]
    simulator: Any
    credentials: dict[str, Any]

    @property
    def place_call(self) -> dict[str, Any]:
        return dict(self.wiring.place_call)

    @property
    def probe(self) -> tuple[str, str, dict[str, Any]]:
        """(document, payload field, input)"""
        probe = self.wiring.probe
        return PROBES[probe.mutation], probe.mutation, dict(probe.input)

    @property
    def answered_final(self) -> str:
        return self.wiring.answered_final

    @property
    def webhook_method(self) -> str:
        return self.wiring.webhook_method

    @property
    def webhook_auth(self) -> dict[str, str]:
        return self.wiring.webhook_auth(self.credentials, PROVIDER_ID)

    @property
    def webhook_json(self) -> dict[str, Any]:
        return dict(self.wiring.webhook_json)

    def forged_webhook(self) -> dict[str, Any]:
        return self.wiring.forged_webhook()

    async def after_probe(self) -> None:
        await self.wiring.after_probe(self.simulator)


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

# a probe's mutation -> its document
PROBES = {
    "placeCall": PLACE_CALL,
    "startRobocall": START_ROBOCALL,
    "addIncomingNumbers": ADD_INCOMING_NUMBERS,
    "createOrder": CREATE_ORDER,
}


def make_vendor(kind: str, webhook_url: str, step_delay: float) -> Vendor:
    """The simulator of `kind` posting to `webhook_url`, with the tests' credentials."""
    wiring = wiring_of(kind)
    credentials = wiring.credentials(example)
    # resends come as soon as the tests' own steps do
    setup = SimulatorSetup(credentials, webhook_url, step_delay, resend_delay=0.05)
    simulator = wiring.simulator(setup)
    return Vendor(kind=kind, wiring=wiring, simulator=simulator, credentials=credentials)


# every kind the contract suite runs: each built-in kind, wired by its folder
KINDS = wired_kinds()


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
    vendor = make_vendor(kind, f"{address(api_sock)}/webhooks/{PROVIDER_ID}", step_delay)
    entry = vendor.wiring.entry(PROVIDER_ID, kind, address(sim_sock), vendor.credentials)
    entry.update(credentials or {})
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
