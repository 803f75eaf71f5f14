"""How a built-in kind runs against its simulator: what each vendor folder's `wiring.py`
declares, so the demo and the contract suite loop over the registry instead of naming
vendors.

A kind's folder holds `wiring.py` with `WIRING`, an instance of a `Wiring` subclass:
the simulator made from its credentials and Callboard's webhook URL, the provider
entry's keys pointing at the simulator's root URL, and the few facts the contract suite
needs to drive the kind (a probe, a forged webhook, ...).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from callboard.providers.registry import DRIVERS
from callboard.providers.simulator_base import Simulator

__all__ = ["Probe", "Secret", "SimulatorSetup", "Wiring", "example", "wired_kinds", "wiring_of"]

S = TypeVar("S", bound=Simulator)

# Given a secret's example value, the value to use: the tests keep the example, the demo
# draws a fresh one for each run.
Secret = Callable[[str], str]


def example(value: str) -> str:
    """The `Secret` that keeps every example value (the tests' fixed credentials)."""
    return value


@dataclass(frozen=True)
class Probe:
    """A mutation every provider of the kind serves, with an input its simulator accepts
    (besides `provider`): it shows how outages and refused credentials come back."""

    mutation: str  # the Mutation field, e.g. "placeCall"
    input: Mapping[str, Any]


@dataclass(frozen=True)
class SimulatorSetup:
    """What a kind's simulator is made from."""

    credentials: Mapping[str, Any]  # the provider entry's, which it accepts
    webhook_url: str  # Callboard's, for this provider
    step_delay: float  # seconds between the steps of a call it plays
    resend_delay: float | None = None  # None: resends at the vendor's own pace


class Wiring(ABC, Generic[S]):
    """One kind wired to its simulator."""

    label: ClassVar[str]  # the vendor's name (DemoRig.simulators is named by it)
    probe: ClassVar[Probe]
    # what placeCall needs besides `provider`, for a call the simulator answers
    place_call: ClassVar[Mapping[str, Any]] = {}
    # the final status of a call the simulator answers
    answered_final: ClassVar[str] = "COMPLETED"
    # how the vendor sends its webhooks (the While1 PBX sends GET requests)
    webhook_method: ClassVar[str] = "POST"
    # a delivery (as a JSON object) that becomes one call event, given `webhook_auth`
    webhook_json: ClassVar[Mapping[str, Any]] = {}
    # what the demo's provider entry adds (the demo's simulators post from loopback...)
    demo_options: ClassVar[Mapping[str, Any]] = {}

    @abstractmethod
    def credentials(self, secret: Secret) -> dict[str, Any]:
        """The provider entry's credentials; each secret one passes through `secret`."""

    @abstractmethod
    def simulator(self, setup: SimulatorSetup) -> S:
        """The simulator accepting the setup's credentials, posting to its webhook URL."""

    @abstractmethod
    def urls(self, root: str) -> dict[str, Any]:
        """The provider entry's keys pointing at a simulator served at `root`."""

    def options(self) -> dict[str, Any]:
        """The provider entry's other keys, neither URLs nor credentials."""
        return {}

    def entry(
        self, provider_id: str, kind: str, root: str, credentials: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The whole provider entry for a simulator served at `root`."""
        return {"id": provider_id, "kind": kind, **self.urls(root), **self.options(), **credentials}

    @abstractmethod
    def forged_webhook(self) -> dict[str, Any]:
        """A webhook delivery with a forged credential, as httpx request arguments."""

    def webhook_auth(self, credentials: Mapping[str, Any], provider_id: str) -> dict[str, str]:
        """The query that lets a delivery in."""
        return {}

    async def after_probe(self, simulator: S) -> None:
        """Makes the vendor post webhooks about the probe's work, where the probe alone
        does not (a Twin24 number added is rung from outside)."""


def wired_kinds() -> list[str]:
    """The built-in kinds, each with its folder's wiring."""
    return sorted(DRIVERS)


def wiring_of(kind: str) -> Wiring[Any]:
    """The wiring in the folder of built-in `kind` (`<folder>/wiring.py`, `WIRING`)."""
    module_name, _ = DRIVERS[kind]
    folder = module_name.rpartition(".")[0]
    wiring = importlib.import_module(f"{folder}.wiring").WIRING
    if not isinstance(wiring, Wiring):
        raise TypeError(f"{folder}.wiring.WIRING is not a Wiring")
    return wiring
