"""The Call and CallEvent types (one module: each refers to the other)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from callboard.domain import calls as domain
from callboard.resolvers.robocalls import robocall_details
from callboard.schema.context import Info
from callboard.schema.enums import CallDirection, CallEventKind, CallStatus
from callboard.schema.ids import encode_id
from callboard.schema.provider import Provider
from callboard.schema.recording import Recording
from callboard.schema.robocall_details import RobocallDetails

__all__ = ["Call", "CallEvent"]


@strawberry.type(description="One normalized call, whatever the vendor.")
class Call:
    id: strawberry.ID = strawberry.field(description="Global and opaque; `call(id:)` finds it.")
    provider_call_id: str | None = strawberry.field(description="The vendor's own id.")
    direction: CallDirection
    status: CallStatus
    from_: str | None = strawberry.field(
        name="from", description="E.164 where it is a phone number, else as the vendor wrote it."
    )
    to: str | None
    agent: str | None = strawberry.field(description="Extension, user or queue at the vendor.")
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None
    recording_url: str | None
    raw: JSON = strawberry.field(description="The vendor's last payload about this call.")
    created_at: datetime = strawberry.field(description="When Callboard first saw the call.")
    updated_at: datetime = strawberry.field(
        description="When the call last changed (status, times, recording...): "
        "`calls(updatedAfter:)` lists the calls changed since a time."
    )
    cost: float | None = strawberry.field(
        description="What the vendor says the call cost, where it says so."
    )
    currency: str | None = strawberry.field(
        description="The currency of `cost` (ISO 4217), where the vendor names it."
    )
    recording: Recording | None = strawberry.field(
        description="The call's recording (null when there is none); its URL is also "
        "`recordingUrl`."
    )
    _call: strawberry.Private[domain.Call]

    @classmethod
    def of(cls, call: domain.Call) -> Call:
        return cls(
            id=strawberry.ID(encode_id("Call", call.id)),
            provider_call_id=call.provider_call_id,
            direction=call.direction,
            status=call.status,
            from_=call.from_number,
            to=call.to_number,
            agent=call.agent,
            started_at=call.started_at,
            answered_at=call.answered_at,
            ended_at=call.ended_at,
            duration_seconds=call.duration_seconds,
            recording_url=call.recording_url,
            raw=JSON(dict(call.raw)),
            created_at=call.created_at,
            # Set by every write of the store; a call not written yet is as new.
            updated_at=call.updated_at or call.created_at,
            cost=call.cost,
            currency=call.currency,
            recording=Recording(
                url=call.recording_url, duration_seconds=call.recording_duration_seconds
            )
            if call.recording_url
            else None,
            _call=call,
        )

    @strawberry.field
    def provider(self, info: Info) -> Provider:
        return Provider.of(info.context.runtime.providers[self._call.provider_id])

    @strawberry.field(
        description="What a robocall vendor last said of this call beyond the fields above "
        "(null for other vendors)."
    )
    def robocall(self, info: Info) -> RobocallDetails | None:
        details = robocall_details(info.context.runtime, self._call)
        return RobocallDetails.of(details) if details else None

    @strawberry.field(description="Everything that happened to the call, oldest first.")
    async def events(self, info: Info) -> list[CallEvent]:
        found = await info.context.loaders.events.load(self._call.id)
        return [CallEvent.of(e) for e in found]


@strawberry.type(description="Something that happened to a call.")
class CallEvent:
    id: strawberry.ID = strawberry.field(
        description="Also the resume cursor: `callEvents(after: id)`."
    )
    kind: CallEventKind
    status: CallStatus | None = strawberry.field(
        description="The call's status after this event, when the event changed it."
    )
    occurred_at: datetime
    raw: JSON
    _event: strawberry.Private[domain.CallEvent]

    @classmethod
    def of(cls, event: domain.CallEvent) -> CallEvent:
        return cls(
            id=strawberry.ID(encode_id("CallEvent", event.id)),
            kind=event.kind,
            status=event.status,
            occurred_at=event.occurred_at,
            raw=JSON(dict(event.raw)),
            _event=event,
        )

    def shared_key(self) -> tuple[str, int] | None:
        """Live events are the same object for every subscriber: their results are
        shared (live/shared_results.py). A replayed one loads its call now: not shared."""
        return ("CallEvent", self._event.id) if self._event.call is not None else None

    @strawberry.field
    async def call(self, info: Info) -> Call:
        if self._event.call is not None:  # a live event carries its call
            return Call.of(self._event.call)
        found = await info.context.loaders.call.load(self._event.call_id)
        assert found is not None, "an event's call is never deleted"
        return Call.of(found)

    @strawberry.field
    def provider(self, info: Info) -> Provider:
        return Provider.of(info.context.runtime.providers[self._event.provider_id])
