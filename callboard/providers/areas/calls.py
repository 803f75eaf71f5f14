"""Call control: placing calls, connecting two parties, hanging up, the call events a
vendor's webhooks carry, recordings, and the vendor's own call history."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.calls import Call, CallSignal
from callboard.domain.capabilities import Capability
from callboard.domain.history import HistoryQuery
from callboard.domain.provider_requests import ConnectPartiesRequest, PlaceCallRequest, PlacedCall
from callboard.providers.areas.area import Area

__all__ = [
    "ConnectsParties",
    "HangsUpCalls",
    "KeepsRecordings",
    "PlacesCalls",
    "ReadsCallHistory",
    "ReportsCallEvents",
]


class PlacesCalls(Area):
    capability = Capability.PLACE_CALL
    operations: ClassVar[tuple[str, ...]] = ("placeCall",)

    @abstractmethod
    async def place_call(self, request: PlaceCallRequest) -> PlacedCall: ...


class ConnectsParties(Area):
    capability = Capability.CONNECT_PARTIES
    operations: ClassVar[tuple[str, ...]] = ("connectParties",)

    @abstractmethod
    async def connect_parties(self, request: ConnectPartiesRequest) -> PlacedCall: ...


class HangsUpCalls(Area):
    capability = Capability.HANGUP_CALL
    operations: ClassVar[tuple[str, ...]] = ("hangupCall",)

    @abstractmethod
    async def hangup_call(self, call: Call) -> None: ...


class ReportsCallEvents(Area):
    """The vendor's webhooks carry its calls' events (`handle_webhook` gives them)."""

    capability = Capability.CALL_EVENTS
    operations: ClassVar[tuple[str, ...]] = ("callEvents",)


class KeepsRecordings(Area):
    """The vendor's events name where a call's recording is."""

    capability = Capability.RECORDINGS
    operations: ClassVar[tuple[str, ...]] = ("Call.recordingUrl",)


class ReadsCallHistory(Area):
    capability = Capability.CALL_HISTORY
    operations: ClassVar[tuple[str, ...]] = ("callHistory",)

    @abstractmethod
    async def call_history(self, query: HistoryQuery) -> list[CallSignal]:
        """The vendor's record of past calls, one finished-call signal each (not live)."""
