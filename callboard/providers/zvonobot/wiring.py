"""Zvonobot wired to its simulator, for the demo and the contract suite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from callboard.providers.webhook_guard import derive_secret
from callboard.providers.wiring import Probe, Secret, SimulatorSetup, Wiring
from callboard.providers.zvonobot.simulator import ZvonobotSimulator

__all__ = ["WIRING"]

_FINISHED = {"id": 1001, "calls": [{"phone": "79123456789", "status": "finished"}]}


class ZvonobotWiring(Wiring[ZvonobotSimulator]):
    label = "Zvonobot"
    probe = Probe(
        "startRobocall",
        {
            "phones": ["+79123456789"],
            "outgoingPhone": "+7 495 000-00-01",  # one of the simulator's numbers
            "message": {"text": "Hello", "voice": "MALE"},
        },
    )
    webhook_json = _FINISHED
    # the demo takes deliveries from any loopback address, its account past moderation
    demo_options: ClassVar[Mapping[str, Any]] = {
        "allowed_ips": ["127.0.0.0/8", "::1"],
        "moderation_lifted": True,
    }

    def credentials(self, secret: Secret) -> dict[str, Any]:
        return {"api_key": secret("zvonobot-api-key")}

    def simulator(self, setup: SimulatorSetup) -> ZvonobotSimulator:
        # Zvonobot is told its webhook URL with every call, not once.
        simulator = ZvonobotSimulator(setup.credentials["api_key"], step_delay=setup.step_delay)
        if setup.resend_delay is not None:
            simulator.resend_delay = setup.resend_delay
        return simulator

    def urls(self, root: str) -> dict[str, Any]:
        return {"base_url": root}

    def options(self) -> dict[str, Any]:
        # The simulator posts from loopback, not from Zvonobot's address.
        return {"allowed_ips": ["127.0.0.1", "::1"]}

    def forged_webhook(self) -> dict[str, Any]:
        return {"params": {"key": "forged"}, "json": _FINISHED}

    def webhook_auth(self, credentials: Mapping[str, Any], provider_id: str) -> dict[str, str]:
        return {"key": derive_secret(credentials["api_key"], provider_id)}


WIRING = ZvonobotWiring()
