"""Text messages sent through the vendor (a PBX's GSM modems)."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.domain.sms import SmsStatus
from callboard.providers.areas.area import Area

__all__ = ["SendsSms"]


class SendsSms(Area):
    capability = Capability.SEND_SMS
    operations: ClassVar[tuple[str, ...]] = ("sendSms", "checkSms", "smsEvents")

    @abstractmethod
    async def send_sms(self, *, modem: str, agent: str, to: str, text: str) -> str:
        """Send a text message (to: E.164); the vendor's id for it."""

    @abstractmethod
    async def check_sms(self, *, modem: str, agent: str, vendor_id: str) -> SmsStatus: ...
