"""The contract suite's rigs: one per built-in kind, the kinds taken from the registry."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from callboard.domain.capabilities import Capability
from callboard.providers.registry import provider_class
from tests.vendors import KINDS, Rig, vendor_rig

# the kinds whose vendor posts webhooks about calls
WEBHOOK_KINDS = [k for k in KINDS if Capability.CALL_EVENTS in provider_class(k).capabilities]


@pytest.fixture(params=KINDS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """Each kind's simulator and a Callboard with one provider of that kind."""
    async with vendor_rig(request.param) as rig:
        yield rig


@pytest.fixture(params=WEBHOOK_KINDS)
async def webhook_rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """The same, for each kind that posts webhooks."""
    async with vendor_rig(request.param) as rig:
        yield rig
