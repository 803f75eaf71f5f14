"""The Query root."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.tools import merge_types

from callboard.domain.history import HistoryQuery
from callboard.resolvers import calls as call_resolvers
from callboard.resolvers.contacts import contact_key
from callboard.schema.account import AccountQuery
from callboard.schema.call_pages import change_cursor, page_request
from callboard.schema.calls import Call
from callboard.schema.connection import CallConnection, CallEdge, PageInfo
from callboard.schema.contact import Contact
from callboard.schema.context import Info
from callboard.schema.enums import CallDirection, CallHistoryFilter, CallStatus
from callboard.schema.ids import decode_id, encode_id
from callboard.schema.input_limits import bounded
from callboard.schema.numbers import NumbersQuery
from callboard.schema.orders import OrderQuery
from callboard.schema.pbx import PbxQuery
from callboard.schema.provider import Provider
from callboard.schema.robocalls import RobocallQuery
from callboard.schema.sms import SmsQuery
from callboard.schema.webhook_roots import WebhookQuery

__all__ = ["Query"]


@strawberry.type
class CallQuery:
    @strawberry.field(description="The providers this client may use.")
    def providers(self, info: Info) -> list[Provider]:
        return [Provider.of(p) for p in info.context.session.visible_providers()]

    @strawberry.field(description="One call by its id; null if there is none you may see.")
    async def call(self, info: Info, id: strawberry.ID) -> Call | None:
        session = info.context.session
        found = await info.context.loaders.call.load(decode_id("Call", id, field="id"))
        if found is None or not session.can_see(found.provider_id):
            return None
        return Call.of(found)

    @strawberry.field(description="The call log, newest first.")
    async def calls(
        self,
        info: Info,
        provider: strawberry.ID | None = None,
        phone: str | None = None,
        status: CallStatus | None = None,
        direction: CallDirection | None = None,
        started_after: Annotated[
            datetime | None,
            strawberry.argument(description="Calls started after this instant (UTC if naive)."),
        ] = None,
        started_before: Annotated[
            datetime | None,
            strawberry.argument(description="Calls started before this instant (UTC if naive)."),
        ] = None,
        updated_after: Annotated[
            datetime | None,
            strawberry.argument(
                description="Calls changed after this instant (UTC if naive), listed oldest "
                "change first (by `updatedAt`, then id), the cursors following that order: "
                "poll with the `updatedAt` of the last call seen to miss no change."
            ),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CallConnection:
        session = info.context.session
        runtime = session.runtime
        request = page_request(
            runtime,
            session.caller,
            provider=provider,
            phone=phone,
            status=status,
            first=first,
            after=after,
            direction=direction,
            started_after=started_after,
            started_before=started_before,
            updated_after=updated_after,
        )
        page = await call_resolvers.list_calls(
            runtime,
            request.where,
            first=request.first,
            before_seq=request.before_seq,
            after_change=request.after_change,
        )
        by_change = request.where.by_change
        edges = [
            CallEdge(
                cursor=change_cursor(c.updated_at or c.created_at, c.seq)
                if by_change
                else encode_id("cursor", c.seq),
                node=Call.of(c),
            )
            for c in page.calls
        ]
        return CallConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo.of([e.cursor for e in edges], has_next=page.has_next, after=after),
            _where=request.where,
        )

    @strawberry.field(
        description="The vendor's record of past calls (LiraX call history), as Calls; they "
        "are kept in the call log, so call(id:) finds them again."
    )
    async def call_history(
        self,
        info: Info,
        provider: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        filter: CallHistoryFilter | None = None,
        filter_value: str | None = None,
        direction: CallDirection | None = None,
        connected: bool | None = None,
    ) -> list[Call]:
        query = HistoryQuery(
            date_from=from_,
            date_to=to,
            filter_field=filter.value if filter else None,
            filter_value=filter_value,
            direction=direction,
            connected=connected,
        )
        found = await call_resolvers.call_history(info.context.session, provider, query)
        return [Call.of(c) for c in found]

    @strawberry.field(
        description="The directory's contact for a phone number, if any you may see. With "
        "`provider`: the one saved through that provider. Without: your own (saved without "
        "a provider) if you have one, else the most recently updated of those you may see."
    )
    async def contact(
        self, info: Info, phone: str, provider: strawberry.ID | None = None
    ) -> Contact | None:
        ctx = info.context
        key = contact_key(ctx.session, phone, provider)
        found = await ctx.loaders.contact.load(key)
        return Contact.of(found) if found else None


Query = bounded(
    merge_types(
        "Query",
        (
            CallQuery,
            PbxQuery,
            SmsQuery,
            RobocallQuery,
            AccountQuery,
            NumbersQuery,
            OrderQuery,
            WebhookQuery,
        ),
    )
)
