"""Incoming numbers: numbers added to the vendor with the rule for calls to them."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.domain.directory import PhoneNumber
from callboard.domain.incoming import IncomingNumbersRequest
from callboard.providers.areas.area import Area

__all__ = ["AddsIncomingNumbers"]


class AddsIncomingNumbers(Area):
    capability = Capability.ADD_INCOMING_NUMBERS
    # `numbers` too: the numbers added are kept by Callboard and listed from there.
    operations: ClassVar[tuple[str, ...]] = ("addIncomingNumbers", "numbers")

    @abstractmethod
    async def add_incoming_numbers(self, request: IncomingNumbersRequest) -> list[PhoneNumber]:
        """Add numbers with their incoming-call rule; the numbers as added."""
