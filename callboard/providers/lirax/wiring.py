"""LiraX wired to its simulator, for the demo and the contract suite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callboard.providers.lirax.simulator import LiraxSimulator
from callboard.providers.wiring import Probe, Secret, SimulatorSetup, Wiring

__all__ = ["WIRING"]

_CALL = {"agent": "101", "to": "+7 912 345-67-89"}
_RECORD = {"cmd": "record", "callid": "X-1", "record_link": "https://x/1.mp3"}


class LiraxWiring(Wiring[LiraxSimulator]):
    label = "LiraX"
    probe = Probe("placeCall", _CALL)
    place_call = _CALL
    webhook_json = _RECORD

    def credentials(self, secret: Secret) -> dict[str, Any]:
        return {
            "token": secret("lirax-command-token"),
            "webhook_token": secret("lirax-webhook-token"),
            "history_login": "api-user",
            "history_password": secret("api-password"),
        }

    def simulator(self, setup: SimulatorSetup) -> LiraxSimulator:
        # LiraX is told its webhook URL once, by its operator.
        return LiraxSimulator(
            token=setup.credentials["token"],
            webhook_token=setup.credentials["webhook_token"],
            webhook_url=setup.webhook_url,
            step_delay=setup.step_delay,
            history_login=setup.credentials["history_login"],
            history_password=setup.credentials["history_password"],
        )

    def options(self) -> dict[str, Any]:
        return {"timezone": "UTC"}  # said, not left to the default: that warns at start

    def urls(self, root: str) -> dict[str, Any]:
        return {"base_url": f"{root}/general", "history_url": root}

    def forged_webhook(self) -> dict[str, Any]:
        return {"data": {**_RECORD, "from_LiraX_token": "forged"}}

    def webhook_auth(self, credentials: Mapping[str, Any], provider_id: str) -> dict[str, str]:
        return {"from_LiraX_token": credentials["webhook_token"]}


WIRING = LiraxWiring()
