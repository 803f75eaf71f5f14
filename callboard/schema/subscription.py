"""The Subscription root: live call events, resumable from an event id."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.tools import merge_types

from callboard.domain.phones import normalize_phone
from callboard.events.bus import EventFilter
from callboard.providers.areas import ReportsCallEvents
from callboard.resolvers.providers import scope_of
from callboard.schema.calls import CallEvent
from callboard.schema.context import Info
from callboard.schema.ids import decode_cursor, decode_id
from callboard.schema.input_limits import bounded
from callboard.schema.pbx import PbxSubscription
from callboard.schema.sms import SmsSubscription

__all__ = ["Subscription"]


@strawberry.type
class CallSubscription:
    @strawberry.subscription(
        description="Call events as they happen. With `after` (an event id), the events "
        "stored since that one come first, then the live ones, none twice."
    )
    async def call_events(
        self,
        info: Info,
        provider: strawberry.ID | None = None,
        phone: str | None = None,
        call_id: strawberry.ID | None = None,
        after: strawberry.ID | None = None,
    ) -> AsyncGenerator[CallEvent, None]:
        runtime, caller = info.context.runtime, info.context.client
        providers = scope_of(runtime, caller, provider, ReportsCallEvents)
        where = EventFilter(
            provider_ids=providers,
            call_id=decode_id("Call", call_id, field="callId") if call_id else None,
            phone=normalize_phone(phone, runtime.settings.server.default_region) if phone else None,
        )
        cursor = decode_cursor("CallEvent", after, maximum=runtime.store.max_id)
        audiences = info.context.live_audiences
        # Once caught up, the live events may be written to the connection without
        # passing through here (live/audiences.py).
        direct = audiences.direct(CallEvent.of) if audiences is not None else None
        async for event in runtime.bus.subscribe(where, cursor, direct):
            yield CallEvent.of(event)


Subscription = bounded(
    merge_types("Subscription", (CallSubscription, PbxSubscription, SmsSubscription))
)
