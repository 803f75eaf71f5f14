"""Incoming numbers: numbers added to a vendor account with the rule for calls to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = [
    "CallerIdName",
    "CallerIdNumber",
    "IncomingAction",
    "IncomingNumber",
    "IncomingNumbersRequest",
    "NumberConnection",
]


class IncomingAction(enum.Enum):
    """What happens to a call to the number."""

    ROBOT = "robot"  # a voice robot answers
    END = "end"  # calls are not handled


class CallerIdName(enum.Enum):
    """The caller name the robot sees."""

    DEFAULT = "default"
    NUM_CALLER = "num_caller"  # the caller's number
    NUM_NAME = "num_name"  # the number's name
    NUM_CALLED = "num_called"  # the number called


class CallerIdNumber(enum.Enum):
    """The caller number the robot sees."""

    DEFAULT = "default"
    CALLER = "caller"
    CALLED = "called"


@dataclass(frozen=True, slots=True)
class NumberConnection:
    """How the vendor reaches the number: the trunk, the DID, the trunk's credentials."""

    trunk_id: str | None = None  # the vendor's provider/trunk id (provider default if None)
    did: str | None = None
    number_as_did: bool = False
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    auth_user: str | None = None
    from_domain: str | None = None
    force_out_over_channel: bool | None = None


@dataclass(frozen=True, slots=True)
class IncomingNumber:
    number: str  # E.164
    name: str
    connection: NumberConnection = field(default_factory=NumberConnection)


@dataclass(frozen=True, slots=True)
class IncomingNumbersRequest:
    """Numbers to add, all with the same incoming-call rule."""

    numbers: tuple[IncomingNumber, ...]
    action: IncomingAction = IncomingAction.END
    bot_id: str | None = None
    cid_as_name: CallerIdName = CallerIdName.DEFAULT
    cid_as_number: CallerIdNumber = CallerIdNumber.DEFAULT
    record_calls: bool | None = None
    comment: str | None = None
    webhook_urls: tuple[str, ...] = ()  # the client's own; the provider adds Callboard's
