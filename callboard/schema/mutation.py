"""The Mutation root: each mutation returns its payload with `userErrors`."""

from __future__ import annotations

import dataclasses

import strawberry
from strawberry.tools import merge_types

from callboard.domain.calls import AgentAnswer
from callboard.domain.calls import Call as DomainCall
from callboard.domain.errors import BadInput
from callboard.domain.provider_requests import ConnectPartiesRequest, PlaceCallRequest
from callboard.resolvers import calls as call_resolvers
from callboard.resolvers.contacts import upsert_contact
from callboard.schema.account import AccountMutation
from callboard.schema.calls import Call
from callboard.schema.contact import Contact
from callboard.schema.context import Info
from callboard.schema.crm import CrmMutation
from callboard.schema.ids import decode_id
from callboard.schema.input_limits import bounded
from callboard.schema.inputs import (
    ConnectPartiesInput,
    ContactInput,
    PbxVariableInput,
    PlaceCallInput,
)
from callboard.schema.numbers import NumbersMutation
from callboard.schema.orders import OrderMutation
from callboard.schema.payloads import ContactPayload, HangupPayload, PlaceCallPayload, mutate
from callboard.schema.pbx import PbxMutation
from callboard.schema.robocalls import RobocallMutation
from callboard.schema.sms import SmsMutation
from callboard.schema.user_error import UserError
from callboard.schema.webhook_roots import WebhookMutation

__all__ = ["Mutation"]


@strawberry.type
class CallMutation:
    @strawberry.mutation(description="Ring the agent, then connect them to the customer.")
    async def place_call(self, info: Info, input: PlaceCallInput) -> PlaceCallPayload:
        async def work() -> call_resolvers.PlaceOutcome:
            request = PlaceCallRequest(
                agent=input.agent, to=input.to, external_id=input.external_id, extra=_extra(input)
            )
            return await call_resolvers.place_call(
                info.context.session,
                provider_id=input.provider,
                request=request,
                idempotency_key=input.idempotency_key,
            )

        return await mutate(PlaceCallPayload, work(), _place_call_payload)

    @strawberry.mutation(description="Ring `first`, then connect it to `second`.")
    async def connect_parties(self, info: Info, input: ConnectPartiesInput) -> PlaceCallPayload:
        # The input carries every field of the request, under the same names.
        request = ConnectPartiesRequest(
            **{f.name: getattr(input, f.name) for f in dataclasses.fields(ConnectPartiesRequest)}
        )
        work = call_resolvers.connect_parties(
            info.context.session,
            provider_id=input.provider,
            request=request,
            idempotency_key=input.idempotency_key,
        )
        return await mutate(PlaceCallPayload, work, _place_call_payload)

    @strawberry.mutation(
        description="Ask the vendor to end the call; its events then show how it ended."
    )
    async def hangup_call(self, info: Info, id: strawberry.ID) -> HangupPayload:
        async def work() -> DomainCall:
            call_id = decode_id("Call", id, field="id")
            return await call_resolvers.hangup_call(info.context.session, call_id)

        return await mutate(HangupPayload, work(), lambda c: HangupPayload(call=Call.of(c)))

    @strawberry.mutation(
        description="Keep a contact in the directory: with `provider`, as that provider's, "
        "pushed to its CRM too; without, as your own. Either replaces only the contact of the "
        "same phone and owner."
    )
    async def upsert_contact(self, info: Info, input: ContactInput) -> ContactPayload:
        work = upsert_contact(
            info.context.session,
            phone=input.phone,
            name=input.name,
            responsible=input.responsible,
            provider_id=input.provider,
            additional_phones=input.additional_phones,
            emails=input.emails,
        )
        return await mutate(ContactPayload, work, lambda c: ContactPayload(contact=Contact.of(c)))


# PlaceCallInput's vendor-only fields, carried in the request's `extra` when set.
_VENDOR_OPTIONS = (
    "shop_id",
    "agent_type",
    "caller_id_name",
    "outbound_number",
    "outbound_trunk",
    "wait_for_answer",
)


def _extra(input: PlaceCallInput) -> dict[str, object]:
    """The vendor options the client set (None, false and no variables are not set)."""
    extra: dict[str, object] = {
        name: value
        for name in _VENDOR_OPTIONS
        if (value := getattr(input, name)) is not None and value is not False
    }
    if input.variables:
        extra["variables"] = _variables(input.variables)
    return extra


def _variables(given: list[PbxVariableInput]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for i, variable in enumerate(given):
        if variable.name in variables:
            raise BadInput(
                f"Variable {variable.name!r} is given twice.", field=f"variables[{i}].name"
            )
        variables[variable.name] = variable.value
    return variables


def _place_call_payload(placed: call_resolvers.PlaceOutcome) -> PlaceCallPayload:
    errors: list[UserError] = []
    if placed.agent_answer in _NOT_TAKEN:
        code, what = _NOT_TAKEN[placed.agent_answer]
        words = f": {placed.refusal}" if placed.refusal else "."
        errors = [UserError(field="agent", message=f"{what}{words}", code=code)]
    return PlaceCallPayload(
        call=Call.of(placed.call), user_errors=errors, agent_answer=placed.agent_answer
    )


_NOT_TAKEN = {
    AgentAnswer.REJECTED: ("AGENT_REJECTED", "The agent rejected the call"),
    AgentAnswer.TIMED_OUT: ("AGENT_NO_ANSWER", "The agent did not answer in time"),
}


Mutation = bounded(
    merge_types(
        "Mutation",
        (
            CallMutation,
            CrmMutation,
            PbxMutation,
            SmsMutation,
            RobocallMutation,
            AccountMutation,
            NumbersMutation,
            OrderMutation,
            WebhookMutation,
        ),
    )
)
