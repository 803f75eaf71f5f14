"""Text messages through GraphQL: send, check delivery, read, and follow them live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from callboard.domain import sms as domain
from callboard.domain.sms import SmsDirection, SmsStatus
from callboard.providers.areas import SendsSms
from callboard.resolvers import sms as resolvers
from callboard.schema.context import Info
from callboard.schema.feed_subscriptions import follow_feed
from callboard.schema.field_copy import copied
from callboard.schema.ids import decode_id, encode_id
from callboard.schema.payloads import mutate
from callboard.schema.user_error import UserError

__all__ = ["SmsMutation", "SmsQuery", "SmsSubscription"]

strawberry.enum(SmsStatus, name="SmsStatus")
strawberry.enum(SmsDirection, name="SmsDirection")

_CURSOR = "SmsEvent"  # the type name inside smsEvents' cursors


@strawberry.type(name="Sms", description="A text message sent or received through a provider.")
class SmsMessage:
    id: strawberry.ID
    provider: strawberry.ID
    direction: SmsDirection
    modem: str = strawberry.field(description="The number of the SIM it went through.")
    phone: str = strawberry.field(description="The other party, E.164 where it parses.")
    agent: str | None
    text: str
    status: SmsStatus
    created_at: datetime
    updated_at: datetime
    cursor: strawberry.ID | None = strawberry.field(
        default=None,
        description="Pass as `after` to smsEvents to resume after this change; null "
        "outside subscriptions.",
    )

    @classmethod
    def of(cls, message: domain.Sms, cursor: int | None = None) -> SmsMessage:
        return copied(
            cls,
            message,
            id=strawberry.ID(encode_id("Sms", message.id)),
            provider=strawberry.ID(message.provider_id),
            cursor=strawberry.ID(encode_id(_CURSOR, cursor)) if cursor is not None else None,
        )


@strawberry.input
class SendSmsInput:
    provider: strawberry.ID
    modem: str = strawberry.field(description="The modem's SIM number (LiraX `provider`).")
    agent: str = strawberry.field(description="The extension of the agent sending it.")
    to: str
    text: str


@strawberry.type
class SendSmsPayload:
    sms: SmsMessage | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _payload(message: domain.Sms) -> SendSmsPayload:
    return SendSmsPayload(sms=SmsMessage.of(message))


@strawberry.type
class SmsQuery:
    @strawberry.field(description="One message by its id; null if there is none you may see.")
    async def sms(self, info: Info, id: strawberry.ID) -> SmsMessage | None:
        found = await resolvers.find_sms(info.context.session, decode_id("Sms", id, field="id"))
        return SmsMessage.of(found) if found else None


@strawberry.type
class SmsMutation:
    @strawberry.mutation(
        description="Send a text message through a GSM modem (LiraX sendSMS). Requests to one "
        "modem are spaced 5 s apart, as LiraX asks: a burst waits its turn."
    )
    async def send_sms(self, info: Info, input: SendSmsInput) -> SendSmsPayload:
        work = resolvers.send_sms(
            info.context.session,
            input.provider,
            modem=input.modem,
            agent=input.agent,
            to=input.to,
            text=input.text,
        )
        return await mutate(SendSmsPayload, work, _payload)

    @strawberry.mutation(description="Ask where a sent message stands (LiraX checkSMS).")
    async def check_sms(self, info: Info, id: strawberry.ID) -> SendSmsPayload:
        async def work() -> domain.Sms:
            sms_id = decode_id("Sms", id, field="id")
            return await resolvers.check_sms(info.context.session, sms_id)

        return await mutate(SendSmsPayload, work(), _payload)


@strawberry.type
class SmsSubscription:
    @strawberry.subscription(
        description="Messages as they are sent, change status, or arrive. With `after` (a "
        "message's `cursor`), the changes stored since that one come first, then the live "
        "ones, none twice."
    )
    def sms_events(
        self, info: Info, provider: strawberry.ID | None = None, after: strawberry.ID | None = None
    ) -> AsyncGenerator[SmsMessage, None]:
        return follow_feed(
            info,
            provider,
            after,
            cursor_type=_CURSOR,
            needs=SendsSms,
            changes=resolvers.sms_changes,
            shown=SmsMessage.of,
        )
