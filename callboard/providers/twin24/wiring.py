"""Twin24 wired to its simulator, for the demo and the contract suite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from callboard.providers.twin24.simulator import AUTH_PATH, Twin24Simulator
from callboard.providers.webhook_guard import derive_secret
from callboard.providers.wiring import Probe, Secret, SimulatorSetup, Wiring

__all__ = ["WIRING", "Twin24Wiring"]

NUMBER, CALLER = "74951234501", "79123456789"
_CALL = {"callId": "c-1", "caller": CALLER, "number": NUMBER}


class Twin24Wiring(Wiring[Twin24Simulator]):
    label = "Twin24"
    probe = Probe(
        "addIncomingNumbers",
        {"numbers": [{"number": "+7 495 123-45-01", "name": "Sales", "did": "123"}]},
    )
    webhook_json = _CALL
    # the trunk numbers use when they name none
    demo_options: ClassVar[Mapping[str, Any]] = {"default_provider_id": "demo-trunk"}

    def credentials(self, secret: Secret) -> dict[str, Any]:
        return {"email": "ops@example.com", "password": secret("twin24-password")}

    @staticmethod
    def static_token(credentials: Mapping[str, Any]) -> str:
        """A long-lived token the simulator also accepts (Twin24 issues such tokens; a
        provider configured with one never logs in)."""
        return f"{credentials['password']}-long-lived-token"

    def simulator(self, setup: SimulatorSetup) -> Twin24Simulator:
        # Twin24 is told its webhook URL with the numbers it adds, not once.
        simulator = Twin24Simulator(
            email=setup.credentials["email"],
            password=setup.credentials["password"],
            token=self.static_token(setup.credentials),
            step_delay=setup.step_delay,
        )
        if setup.resend_delay is not None:
            simulator.resend_delay = setup.resend_delay
        return simulator

    def urls(self, root: str) -> dict[str, Any]:
        return {"base_url": root, "auth_url": f"{root}{AUTH_PATH}"}

    def options(self) -> dict[str, Any]:
        return {"default_provider_id": "bce7d22e-dde6-4427-b391-ebbdfda44de6"}

    def forged_webhook(self) -> dict[str, Any]:
        return {"params": {"key": "forged"}, "json": _CALL}

    def webhook_auth(self, credentials: Mapping[str, Any], provider_id: str) -> dict[str, str]:
        login = f"{credentials['email']}\n{credentials['password']}"
        return {"key": derive_secret(login, provider_id)}

    async def after_probe(self, simulator: Twin24Simulator) -> None:
        await simulator.ring(NUMBER, CALLER)


WIRING = Twin24Wiring()
