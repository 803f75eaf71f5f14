"""The areas a provider serves are its capabilities: stated once, by inheritance."""

from __future__ import annotations

import pytest

from callboard.domain.calls import Call
from callboard.domain.capabilities import Capability
from callboard.domain.provider_requests import PlaceCallRequest, PlacedCall
from callboard.providers.areas import AREAS, HangsUpCalls, PlacesCalls
from callboard.providers.liner.provider import LinerOptions
from callboard.providers.options import ProviderOptions
from callboard.providers.registry import DRIVERS, provider_class
from callboard.schema.capabilities import OPERATIONS


def test_every_capability_has_one_area_and_its_operations() -> None:
    assert [area.capability for area in AREAS] == list(Capability)
    assert list(OPERATIONS) == list(Capability)
    assert all(OPERATIONS[area.capability] == area.operations for area in AREAS)


@pytest.mark.parametrize("kind", sorted(DRIVERS))
def test_a_kinds_capabilities_are_its_areas(kind: str) -> None:
    cls = provider_class(kind)
    # Worked out here apart from the class's own gathering of them.
    assert cls.capabilities == {area.capability for area in AREAS if issubclass(cls, area)}
    assert cls.capabilities, f"{kind} serves nothing"


def test_a_provider_missing_an_operation_of_its_area_cannot_be_made() -> None:
    class HalfDone(PlacesCalls, HangsUpCalls):
        kind = "half-done"
        vendor = "Half"

        async def place_call(self, request: PlaceCallRequest) -> PlacedCall:
            raise NotImplementedError

    assert HalfDone.capabilities == {Capability.PLACE_CALL, Capability.HANGUP_CALL}
    with pytest.raises(TypeError, match="hangup_call"):
        HalfDone(None, None)  # type: ignore[arg-type, abstract]

    class Done(HalfDone):
        async def hangup_call(self, call: Call) -> None:
            pass

    options = ProviderOptions(base_url="https://half.test")
    assert Done(None, options).capabilities == HalfDone.capabilities  # type: ignore[arg-type]


def test_a_provider_refuses_options_of_another_kind() -> None:
    class Half(PlacesCalls):
        kind = "half"
        vendor = "Half"
        options_type = LinerOptions

        async def place_call(self, request: PlaceCallRequest) -> PlacedCall:
            raise NotImplementedError

    with pytest.raises(TypeError, match="Half takes LinerOptions, not ProviderOptions"):
        Half(None, ProviderOptions(base_url="https://half.test"))  # type: ignore[arg-type]
