"""Liner wired to its simulator, for the demo and the contract suite."""

from __future__ import annotations

from typing import Any

from callboard.providers.liner.simulator import LinerSimulator
from callboard.providers.wiring import Probe, Secret, SimulatorSetup, Wiring

__all__ = ["WIRING"]


class LinerWiring(Wiring[LinerSimulator]):
    label = "Liner"
    probe = Probe(
        "createOrder",
        {"title": "Spring", "serviceTitle": "spring", "status": "INFO", "sipEndpointIds": [101]},
    )

    def credentials(self, secret: Secret) -> dict[str, Any]:
        return {"api_key": secret("liner-api-key")}

    def simulator(self, setup: SimulatorSetup) -> LinerSimulator:
        # Liner sends no webhooks, and answers at once.
        return LinerSimulator(setup.credentials["api_key"])

    def urls(self, root: str) -> dict[str, Any]:
        return {"base_url": root}

    def forged_webhook(self) -> dict[str, Any]:
        return {"json": {}}


WIRING = LinerWiring()
