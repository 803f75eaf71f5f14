from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.vendors import Rig, vendor_rig


@pytest.fixture
async def lirax() -> AsyncIterator[Rig]:
    """A LiraX simulator and a Callboard (open, loopback) with one LiraX provider."""
    async with vendor_rig("lirax") as rig:
        yield rig
