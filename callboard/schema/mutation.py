"""The Mutation root: each mutation returns its payload with `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry

from callboard.providers.base import ConnectPartiesRequest
from callboard.resolvers import calls as call_resolvers
from callboard.resolvers.contacts import upsert_contact
from callboard.schema.calls import Call
from callboard.schema.contact import Contact
from callboard.schema.context import Info
from callboard.schema.ids import decode_id
from callboard.schema.inputs import ConnectPartiesInput, ContactInput, PlaceCallInput
from callboard.schema.payloads import ContactPayload, HangupPayload, PlaceCallPayload
from callboard.schema.user_error import USER_ERRORS, UserError

__all__ = ["Mutation"]

T = TypeVar("T")


async def _attempt(work: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """The result, or the user error that stopped it; other errors go up to the edge."""
    try:
        return await work, []
    except USER_ERRORS as error:
        return None, [UserError.of(error)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Ring the agent, then connect them to the customer.")
    async def place_call(self, info: Info, input: PlaceCallInput) -> PlaceCallPayload:
        call, errors = await _attempt(
            call_resolvers.place_call(
                info.context.runtime,
                info.context.client,
                provider_id=input.provider,
                agent=input.agent,
                to=input.to,
                shop_id=input.shop_id,
                idempotency_key=input.idempotency_key,
            )
        )
        return PlaceCallPayload(call=Call.of(call) if call else None, user_errors=errors)

    @strawberry.mutation(description="Ring `first`, then connect it to `second`.")
    async def connect_parties(self, info: Info, input: ConnectPartiesInput) -> PlaceCallPayload:
        request = ConnectPartiesRequest(
            agent=input.agent,
            first=input.first,
            second=input.second,
            retry_minutes=input.retry_minutes,
            success_after_seconds=input.success_after_seconds,
            not_before_hour=input.not_before_hour,
            not_after_hour=input.not_after_hour,
            ivr_time=input.ivr_time,
            ivr_date=input.ivr_date,
            ivr_amount=input.ivr_amount,
        )
        call, errors = await _attempt(
            call_resolvers.connect_parties(
                info.context.runtime,
                info.context.client,
                provider_id=input.provider,
                request=request,
                idempotency_key=input.idempotency_key,
            )
        )
        return PlaceCallPayload(call=Call.of(call) if call else None, user_errors=errors)

    @strawberry.mutation(
        description="Ask the vendor to end the call; its events then show how it ended."
    )
    async def hangup_call(self, info: Info, id: strawberry.ID) -> HangupPayload:
        async def work() -> Call:
            call_id = decode_id("Call", id, field="id")
            return Call.of(
                await call_resolvers.hangup_call(info.context.runtime, info.context.client, call_id)
            )

        call, errors = await _attempt(work())
        return HangupPayload(call=call, user_errors=errors)

    @strawberry.mutation(
        description="Keep a contact in the directory; with `provider`, push it to that CRM too."
    )
    async def upsert_contact(self, info: Info, input: ContactInput) -> ContactPayload:
        contact, errors = await _attempt(
            upsert_contact(
                info.context.runtime,
                info.context.client,
                phone=input.phone,
                name=input.name,
                responsible=input.responsible,
                provider_id=input.provider,
            )
        )
        return ContactPayload(contact=Contact.of(contact) if contact else None, user_errors=errors)
