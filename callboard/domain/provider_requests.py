"""What providers are asked and what they answer, for the operations that take more than
a domain object: placing and connecting calls, calls a vendor started, uploaded audio."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from callboard.domain.calls import AgentAnswer, CallDirection, CallStatus
from callboard.domain.errors import CallboardError

__all__ = ["AudioFile", "ConnectPartiesRequest", "PlaceCallRequest", "PlacedCall", "StartedCalls"]


@dataclass(frozen=True, slots=True)
class PlaceCallRequest:
    """Ring `agent` first, then connect them to `to` (E.164).

    `external_id` is the client's own id for the call, for a vendor that carries one (While1).
    `extra` holds the vendors' own options the client set, by snake_case name (`shop_id`,
    `wait_for_answer`, ...), like Libcloud's `ex_` arguments: each vendor reads those it
    takes into its own options (e.g. `While1CallOptions.from_extra`) and ignores the rest.
    """

    agent: str
    to: str
    external_id: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConnectPartiesRequest:
    """Ring `first`, then connect it to `second` (a phone in E.164, or an audio URL)."""

    agent: str
    first: str
    second: str
    retry_minutes: int | None = None
    success_after_seconds: int | None = None
    not_before_hour: int | None = None
    not_after_hour: int | None = None
    ivr_time: str | None = None
    ivr_date: str | None = None
    ivr_amount: float | None = None


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """What the vendor said when it accepted a call: its id and where the call stands."""

    provider_call_id: str
    status: CallStatus
    direction: CallDirection = CallDirection.OUTBOUND
    from_number: str | None = None
    to_number: str | None = None
    agent: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[str, ...] = ()  # more vendor ids that name the call (webhooks use them)
    # The vendor reports the call's times itself (a robocall may be dialled hours later):
    # being accepted is not the call's start.
    vendor_times: bool = False
    # Set when the vendor kept the request open until the agent answered (While1 async=0).
    # REJECTED / TIMED_OUT come with a final status and `refusal`, the vendor's words.
    agent_answer: AgentAnswer | None = None
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class StartedCalls:
    """What came of a request that starts calls, maybe sent in several parts: the calls
    the vendor accepted, and why the other parts were not (each an error naming them)."""

    calls: list[PlacedCall]
    record_cost: float | None = None
    failures: list[CallboardError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AudioFile:
    """An uploaded sound file, read into memory (records are a few megabytes at most)."""

    filename: str
    content_type: str
    content: bytes

    def __repr__(self) -> str:
        return f"<AudioFile {self.filename!r} {len(self.content)} bytes>"
