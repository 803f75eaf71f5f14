"""Robocalls: automated voice calls with a message, an IVR tree and a calling schedule,
and what a robocall vendor keeps beside them (templates, languages, balance)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "Balance",
    "IvrNode",
    "Language",
    "Notice",
    "RobocallDetails",
    "RobocallMessage",
    "RobocallRequest",
    "RobocallTemplate",
    "Voice",
    "Weekday",
]


class Voice(enum.Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"


class Weekday(enum.Enum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


@dataclass(frozen=True, slots=True)
class RobocallMessage:
    """What is played: an uploaded audio record, or text read by a synthetic voice."""

    record_id: int | None = None
    text: str | None = None
    voice: Voice | None = None
    template_id: int | None = None  # or a vendor-side template that brings its own message


@dataclass(frozen=True, slots=True)
class IvrNode:
    """One branch of the IVR tree: what the callee's key or word triggers."""

    digit: int | None = None  # none of digit, key words or any-word: "stay on the line"
    key_words: tuple[str, ...] = ()
    any_word: bool | None = None
    recognition_timeout: int | None = None  # seconds, with any_word
    recognize: bool | None = None
    block: bool | None = None  # add the callee to the black list
    message: RobocallMessage | None = None
    manager_phone: str | None = None  # E.164: forward the call there
    sms_text: str | None = None
    sms_template_id: int | None = None
    sms_channel: str | None = None
    email_timeout: int | None = None
    notify: bool = False  # post the answer to Callboard: IVR_INPUT events
    webhook_parameters: Mapping[str, Any] = field(default_factory=dict)
    webhook_headers: Mapping[str, str] = field(default_factory=dict)
    children: tuple[IvrNode, ...] = ()


@dataclass(frozen=True, slots=True)
class RobocallRequest:
    """One robocall campaign: the same message to each phone."""

    phones: tuple[str, ...]  # E.164
    message: RobocallMessage
    outgoing_phone: str | None = None  # E.164
    duty_phone: bool = False  # let the vendor pick one of its duty numbers
    variables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # E.164 -> vars
    ivrs: tuple[IvrNode, ...] = ()
    planned_at: datetime | None = None
    start_time: str | None = None  # "HH:MM": the calling window
    end_time: str | None = None
    weekdays: tuple[Weekday, ...] = ()
    exclude_weekends: bool | None = None
    subscriber_time_zone: bool | None = None
    smart_delay: int | None = None  # minutes before the unanswered are called again
    record: bool | None = None
    answer_timeout: int | None = None
    language: str | None = None
    voice_detection: bool | None = None
    end_of_speech: bool | None = None
    manager_delivery_phone: bool | None = None
    webhook_parameters: Mapping[str, Any] = field(default_factory=dict)
    webhook_headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RobocallDetails:
    """What a robocall vendor says about one call beyond the common Call fields."""

    vendor_status: str | None = None
    planned_at: datetime | None = None
    ivr_digit: int | None = None
    ivr_answers: tuple[str, ...] = ()
    blocked: bool | None = None
    manager_status: str | None = None
    manager_started_at: datetime | None = None
    manager_answered_at: datetime | None = None
    hangup_cause: str | None = None
    cost: float | None = None
    template_id: int | None = None
    template_variables: Mapping[str, str] = field(default_factory=dict)
    smart_delay: int | None = None
    previous_call_id: str | None = None
    next_call_id: str | None = None


@dataclass(frozen=True, slots=True)
class RobocallTemplate:
    template_id: int
    name: str | None = None
    moderated: bool | None = None
    text: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Language:
    language_id: str
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class Balance:
    account_id: str | None
    amount: float


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the client should know about a request that nonetheless went ahead."""

    code: str
    message: str
    field: str | None = None
