"""Phone numbers through GraphQL: every provider's numbers, and adding incoming numbers
with their routing rule (Twin24 incomingRules batch)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from callboard.domain import directory as domain
from callboard.domain.incoming import (
    CallerIdName,
    CallerIdNumber,
    IncomingAction,
    IncomingNumber,
    IncomingNumbersRequest,
    NumberConnection,
)
from callboard.resolvers import numbers as resolvers
from callboard.schema.context import Info
from callboard.schema.field_copy import copied
from callboard.schema.payloads import mutate
from callboard.schema.user_error import UserError

__all__ = [
    "AddIncomingNumbersInput",
    "IncomingNumberInput",
    "NumbersMutation",
    "NumbersPayload",
    "NumbersQuery",
    "PhoneNumber",
]

strawberry.enum(
    IncomingAction, name="IncomingCallAction", description="What happens to calls to the number."
)
strawberry.enum(CallerIdName, name="CallerIdName", description="The caller name the robot sees.")
strawberry.enum(
    CallerIdNumber, name="CallerIdNumber", description="The caller number the robot sees."
)


@strawberry.type(description="A phone number a provider calls from or answers on.")
class PhoneNumber:
    provider: strawberry.ID
    number: str = strawberry.field(description="E.164 where it parses.")
    name: str | None
    number_id: str | None = strawberry.field(description="The vendor's id for it.")
    shared: bool | None = strawberry.field(
        description="One of the vendor's common numbers rather than the account's own."
    )
    raw: JSON = strawberry.field(
        description="What the vendor said of it, or (added through Callboard) what was sent, "
        "without passwords."
    )

    @classmethod
    def of(cls, number: domain.PhoneNumber) -> PhoneNumber:
        return copied(
            cls, number, provider=strawberry.ID(number.provider_id), raw=JSON(dict(number.raw))
        )


@strawberry.input(description="A number to add, and how the vendor reaches it.")
class IncomingNumberInput:
    number: str
    name: str
    provider_id: str | None = strawberry.field(
        default=None,
        description="Twin24: the trunk (provider) id; default: the provider's default_provider_id.",
    )
    did: str | None = strawberry.field(
        default=None, description="The DID (Direct Inward Dialing); needed unless numberAsDid."
    )
    number_as_did: bool = strawberry.field(
        default=False, description="Use the number itself as the DID."
    )
    login: str | None = strawberry.field(default=None, description="The trunk's login.")
    password: str | None = strawberry.field(
        default=None, description="The trunk's password (sent, never kept or shown)."
    )
    auth_user: str | None = strawberry.field(default=None, description="The auth user.")
    from_domain: str | None = None
    force_out_over_channel: bool | None = strawberry.field(
        default=None,
        description="Send every outgoing call through this connection and its credentials.",
    )


@strawberry.input(description="Numbers to add, all with the same incoming-call rule.")
class AddIncomingNumbersInput:
    provider: strawberry.ID
    numbers: list[IncomingNumberInput]
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key never adds the numbers twice."
    )
    action: IncomingAction = strawberry.field(
        default=IncomingAction.END,
        description="ROBOT: a voice robot answers (botId needed); END (default): calls are "
        "not handled.",
    )
    bot_id: str | None = strawberry.field(default=None, description="The robot, for ROBOT.")
    caller_id_name: CallerIdName = CallerIdName.DEFAULT
    caller_id_number: CallerIdNumber = CallerIdNumber.DEFAULT
    record_calls: bool | None = strawberry.field(
        default=None, description="Record conversations (vendor default when null)."
    )
    comment: str | None = None
    webhook_urls: list[str] = strawberry.field(
        default_factory=list,
        description="Your own URLs for the vendor's incoming-call webhooks; Callboard adds "
        "its own, so calls to these numbers become callEvents either way.",
    )

    def to_request(self) -> IncomingNumbersRequest:
        return copied(
            IncomingNumbersRequest,
            self,
            numbers=tuple(
                copied(
                    IncomingNumber,
                    n,
                    connection=copied(NumberConnection, n, trunk_id=n.provider_id),
                )
                for n in self.numbers
            ),
            cid_as_name=self.caller_id_name,
            cid_as_number=self.caller_id_number,
            webhook_urls=tuple(self.webhook_urls),
        )


@strawberry.type
class NumbersPayload:
    numbers: list[PhoneNumber] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NumbersQuery:
    @strawberry.field(
        description="Every provider's numbers: those the vendor lists (Zvonobot getPhones; "
        "with includeShared its common ones too) and those added through Callboard "
        "(Twin24 addIncomingNumbers)."
    )
    async def numbers(
        self, info: Info, provider: strawberry.ID | None = None, include_shared: bool = False
    ) -> list[PhoneNumber]:
        found = await resolvers.numbers(
            info.context.session, provider, include_shared=include_shared
        )
        return [PhoneNumber.of(n) for n in found]


@strawberry.type
class NumbersMutation:
    @strawberry.mutation(
        description="Add incoming numbers with their routing rule (Twin24 incomingRules)."
    )
    async def add_incoming_numbers(
        self, info: Info, input: AddIncomingNumbersInput
    ) -> NumbersPayload:
        async def work() -> list[domain.PhoneNumber]:
            return await resolvers.add_incoming_numbers(
                info.context.session,
                input.provider,
                input.to_request(),
                input.idempotency_key,
            )

        return await mutate(
            NumbersPayload,
            work(),
            lambda added: NumbersPayload(numbers=[PhoneNumber.of(n) for n in added]),
        )
