"""The vendor account: its phone numbers, its balance, verifying a caller's phone."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.domain.directory import PhoneNumber
from callboard.domain.robocalls import Balance
from callboard.providers.areas.area import Area

__all__ = ["ListsNumbers", "ReportsBalance", "VerifiesPhones"]


class ListsNumbers(Area):
    capability = Capability.NUMBERS
    operations: ClassVar[tuple[str, ...]] = ("numbers",)

    @abstractmethod
    async def numbers(self, *, include_shared: bool) -> list[PhoneNumber]: ...


class ReportsBalance(Area):
    capability = Capability.BALANCE
    operations: ClassVar[tuple[str, ...]] = ("balance",)

    @abstractmethod
    async def balance(self) -> Balance: ...


class VerifiesPhones(Area):
    capability = Capability.VERIFY_PHONE
    operations: ClassVar[tuple[str, ...]] = ("verifyPhone",)

    @abstractmethod
    async def verify_phone(self, phone: str, pin: str) -> None:
        """Call `phone` from a number ending in `pin` (FlashOnCall)."""
