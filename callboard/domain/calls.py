"""Calls and their events, normalized, and how a vendor's signal moves a call along."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class CallDirection(enum.Enum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class CallStatus(enum.Enum):
    QUEUED = "QUEUED"
    DIALING = "DIALING"
    RINGING = "RINGING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    UNREACHABLE = "UNREACHABLE"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"

    @property
    def is_final(self) -> bool:
        return self not in _PROGRESS_RANK


# Vendors' deliveries can arrive out of order (retries, parallel workers): a late
# "ringing" must not pull an answered or finished call back, so live statuses only
# move forward and a final status is never replaced by a live one.
_PROGRESS_RANK = {
    CallStatus.QUEUED: 0,
    CallStatus.DIALING: 1,
    CallStatus.RINGING: 2,
    CallStatus.IN_PROGRESS: 3,
}


class CallEventKind(enum.Enum):
    PLACED = "PLACED"
    RINGING = "RINGING"
    ANSWERED = "ANSWERED"
    ENDED = "ENDED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    RECORDING_READY = "RECORDING_READY"
    IVR_INPUT = "IVR_INPUT"
    STATUS_CHANGED = "STATUS_CHANGED"


_ENDING_KINDS = frozenset({CallEventKind.ENDED, CallEventKind.COMPLETED, CallEventKind.FAILED})


class AgentType(enum.Enum):
    """What a PBX rings first when it originates a call (While1 `type`)."""

    USER = "user"
    QUEUE = "queue"
    CONTEXT = "context"
    EXTENSION = "extension"  # newer While1 versions
    USER_EMAIL = "user_email"  # newer While1 versions


class AgentAnswer(enum.Enum):
    """How the agent answered when Callboard waited for them (While1 async=0)."""

    ANSWERED = "ANSWERED"
    REJECTED = "REJECTED"
    TIMED_OUT = "TIMED_OUT"


@dataclass(frozen=True, slots=True)
class Call:
    """One call as Callboard knows it, whichever vendor carried it."""

    id: str
    provider_id: str
    direction: CallDirection
    status: CallStatus
    created_at: datetime
    provider_call_id: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    agent: str | None = None
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    recording_url: str | None = None
    recording_duration_seconds: int | None = None
    control_id: str | None = None  # the vendor's id for controlling the live call (hangup)
    # What the vendor says the call cost, and in which currency where it says that.
    cost: float | None = None
    currency: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0  # position in the call log, newest highest; the `calls` page cursor
    # When the call log last changed it (the store sets it; `created_at` when new): what
    # a client keeping its own copy polls `calls(updatedAfter:)` by.
    updated_at: datetime | None = None

    @property
    def phones(self) -> tuple[str, ...]:
        return tuple(p for p in (self.from_number, self.to_number) if p)


@dataclass(frozen=True, slots=True)
class CallEvent:
    """Something that happened to a call. `id` grows with every event: the resume cursor."""

    id: int
    call_id: str
    provider_id: str
    kind: CallEventKind
    occurred_at: datetime
    status: CallStatus | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    phones: tuple[str, ...] = ()  # the call's parties when it happened, for subscription filters
    # The call as this event left it, when the event is fresh from the store: live
    # subscribers read it instead of loading the call again, each, for every event.
    call: Call | None = None


@dataclass(frozen=True, slots=True)
class CallSignal:
    """What a vendor (or Callboard itself) said about a call, before it is stored.

    `refs` are the vendor's ids that name the call; a vendor may use several for one
    call (LiraX: `id_makecall`, then `Call_id`/`callid`), and any one of them finds it.
    """

    refs: tuple[str, ...]
    kind: CallEventKind
    occurred_at: datetime
    status: CallStatus | None = None
    direction: CallDirection | None = None
    from_number: str | None = None
    to_number: str | None = None
    agent: str | None = None
    duration_seconds: int | None = None
    recording_url: str | None = None
    recording_duration_seconds: int | None = None
    control_id: str | None = None
    cost: float | None = None
    currency: str | None = None  # ISO 4217, where the vendor's page names it
    raw: Mapping[str, Any] = field(default_factory=dict)
    # Vendors that report their own times (Zvonobot: Unix seconds per phase) set these
    # and `exact_times`: then `occurred_at` is only when the report came, and a call not
    # yet dialled has no start time.
    exact_times: bool = False
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    # The vendor said the call ended, not whether anyone answered (While1's outgoing_end
    # without fail_reason): COMPLETED holds only for a call known to be answered.
    answer_needed: bool = False


def is_news(call: Call, signal: CallSignal) -> bool:
    """False for a signal that would only repeat what the call already says.

    Vendors announce one recording in several messages (LiraX: in COMPLETED, in
    CALL_COMPLETED and in `record`); a listener wants RECORDING_READY once per file.
    """
    if signal.kind is CallEventKind.RECORDING_READY:
        return signal.recording_url is not None and signal.recording_url != call.recording_url
    return True


def next_status(current: CallStatus, reported: CallStatus | None) -> CallStatus:
    """The status a call has after a vendor reports `reported`, tolerating disorder."""
    if reported is None or reported is current:
        return current
    if current.is_final:
        return reported if reported.is_final else current
    if reported.is_final:
        return reported
    return reported if _PROGRESS_RANK[reported] > _PROGRESS_RANK[current] else current


def apply_signal(call: Call, signal: CallSignal) -> Call:
    """The call after `signal`: fills what was unknown, never forgets what was known."""
    at = signal.occurred_at
    if signal.exact_times:
        started, answered, ended = signal.started_at, signal.answered_at, signal.ended_at
    else:
        started = at
        answered = at if signal.kind is CallEventKind.ANSWERED else None
        ended = at if signal.kind in _ENDING_KINDS else None
    return dataclasses.replace(
        call,
        status=next_status(call.status, signal.status),
        provider_call_id=call.provider_call_id or (signal.refs[0] if signal.refs else None),
        from_number=call.from_number or signal.from_number,
        to_number=call.to_number or signal.to_number,
        agent=call.agent or signal.agent,
        started_at=call.started_at or started,
        answered_at=call.answered_at or answered,
        ended_at=call.ended_at or ended,
        duration_seconds=signal.duration_seconds
        if signal.duration_seconds is not None
        else call.duration_seconds,
        recording_url=signal.recording_url or call.recording_url,
        recording_duration_seconds=signal.recording_duration_seconds
        if signal.recording_duration_seconds is not None
        else call.recording_duration_seconds,
        control_id=signal.control_id or call.control_id,
        # A cost and its currency go together: a later report of the cost replaces both.
        cost=signal.cost if signal.cost is not None else call.cost,
        currency=signal.currency if signal.cost is not None else call.currency,
        raw=signal.raw or call.raw,
    )


def merge_calls(primary: Call, other: Call) -> Call:
    """One call from two records of it: `primary` wins, `other` fills what it lacks."""
    filled = {
        name: getattr(other, name)
        for name in (
            "provider_call_id",
            "from_number",
            "to_number",
            "agent",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "recording_url",
            "recording_duration_seconds",
            "control_id",
            "cost",
            "currency",
        )
        if getattr(primary, name) is None
    }
    return dataclasses.replace(primary, status=next_status(primary.status, other.status), **filled)
