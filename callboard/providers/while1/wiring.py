"""While1 wired to its simulator, for the demo and the contract suite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from callboard.providers.while1.simulator import While1Simulator
from callboard.providers.wiring import Probe, Secret, SimulatorSetup, Wiring

__all__ = ["WIRING"]

_CALL = {"agent": "101", "to": "+40 21 234 5678"}


class While1Wiring(Wiring[While1Simulator]):
    label = "While1"
    probe = Probe("placeCall", _CALL)
    place_call = _CALL
    webhook_method = "GET"
    webhook_json: ClassVar[Mapping[str, Any]] = {
        "event": "dial_answer",
        "uniqueid": "1.1",
        "telephone": "40212345678",
    }

    def credentials(self, secret: Secret) -> dict[str, Any]:
        return {
            "api_username": "while1-user",
            "api_password": secret("while1-password"),
            "api_key": secret("while1-api-key"),
            "webhook_token": secret("while1-webhook-token"),
        }

    def simulator(self, setup: SimulatorSetup) -> While1Simulator:
        # The PBX's operator puts the event URL, with its token, in the PBX.
        return While1Simulator(
            setup.credentials["api_username"],
            setup.credentials["api_password"],
            setup.credentials["api_key"],
            project_id=1,
            event_url=f"{setup.webhook_url}?token={setup.credentials['webhook_token']}",
            step_delay=setup.step_delay,
        )

    def urls(self, root: str) -> dict[str, Any]:
        return {"base_url": root}

    def options(self) -> dict[str, Any]:
        return {"project_id": 1}

    def forged_webhook(self) -> dict[str, Any]:
        return {"params": {"token": "forged", "event": "outgoing_end", "uniqueid": "1.1"}}

    def webhook_auth(self, credentials: Mapping[str, Any], provider_id: str) -> dict[str, str]:
        return {"token": credentials["webhook_token"]}


WIRING = While1Wiring()
