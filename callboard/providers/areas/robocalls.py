"""Robocalls: calls a vendor dials by itself from a message or a template, and the audio
records they play."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from callboard.domain.calls import Call, CallSignal
from callboard.domain.capabilities import Capability
from callboard.domain.directory import AudioRecord
from callboard.domain.provider_requests import AudioFile, StartedCalls
from callboard.domain.robocalls import (
    Language,
    Notice,
    RobocallDetails,
    RobocallRequest,
    RobocallTemplate,
)
from callboard.providers.areas.area import Area

__all__ = ["KeepsAudioRecords", "Robocalls"]


class Robocalls(Area):
    capability = Capability.START_ROBOCALL
    operations: ClassVar[tuple[str, ...]] = (
        "startRobocall",
        "robocalls",
        "rescheduleRobocalls",
        "cancelRobocalls",
        "robocallTemplates",
        "languages",
        "Call.robocall",
    )

    @abstractmethod
    async def start_robocall(self, request: RobocallRequest) -> StartedCalls: ...

    @abstractmethod
    async def robocall_calls(
        self, vendor_ids: Sequence[str], *, template: bool
    ) -> list[CallSignal]:
        """The vendor's current state of these calls (those it knows), one signal each."""

    @abstractmethod
    async def reschedule_robocalls(self, plan: Sequence[tuple[Call, datetime]]) -> list[str]:
        """Move planned calls to new times; the vendor ids of those moved."""

    @abstractmethod
    async def cancel_robocalls(self, calls: Sequence[Call]) -> list[str]:
        """Remove planned calls; the vendor ids of those removed."""

    @abstractmethod
    async def robocall_templates(self, *, only_moderated: bool) -> list[RobocallTemplate]: ...

    @abstractmethod
    async def languages(self) -> list[Language]: ...

    def robocall_notices(self, request: RobocallRequest) -> list[Notice]:
        """What the client should know before these calls start (e.g. moderation)."""
        return []

    def robocall_details(self, call: Call) -> RobocallDetails | None:
        """What the vendor's last payload says beyond the common fields (pure)."""
        return None

    @property
    def polling_seconds(self) -> float | None:
        """How often the calls of `polled` are asked for (robocall_polling.py); None: never."""
        return None

    def polled(self, calls: Sequence[Call]) -> list[str]:
        """The vendor ids of those of `calls` the vendor sends no webhook for (pure)."""
        return []


class KeepsAudioRecords(Area):
    capability = Capability.AUDIO_RECORDS
    operations: ClassVar[tuple[str, ...]] = (
        "createAudioRecord",
        "removeAudioRecords",
        "audioRecords",
    )

    @abstractmethod
    async def create_audio_record(
        self, *, name: str, text: str | None, file: AudioFile | None
    ) -> AudioRecord: ...

    @abstractmethod
    async def remove_audio_records(self, record_ids: Sequence[str]) -> list[AudioRecord]: ...
