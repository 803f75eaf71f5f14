"""Mutation inputs: the core fields API.md fixes first, then the vendor options."""

from __future__ import annotations

import strawberry

from callboard.domain.calls import AgentType

__all__ = ["ConnectPartiesInput", "ContactInput", "PbxVariableInput", "PlaceCallInput"]


@strawberry.input(description="A variable handed to the PBX's dial plan (While1 `vars`).")
class PbxVariableInput:
    name: str
    value: str


@strawberry.input(description="Ring `agent` first, then connect them to `to`.")
class PlaceCallInput:
    provider: strawberry.ID
    agent: str = strawberry.field(
        description="Who is rung first. LiraX: the agent's extension (`from`); While1: the "
        "user, queue or context (`destination`, see agentType)."
    )
    to: str = strawberry.field(description="The customer's phone, any common notation.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key never starts a second call."
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="Your own id for this call, passed to vendors that carry one (While1's "
        "`external_id`; default: Callboard's own), so your CRM can match the PBX's events to "
        "its records. One id per call: events naming it are the call's.",
    )
    shop_id: int | None = strawberry.field(
        default=None, description="LiraX: the shop (`idshop`) whose line is used."
    )
    agent_type: AgentType | None = strawberry.field(
        default=None, description="While1: what `agent` names (`type`; default USER)."
    )
    caller_id_name: str | None = strawberry.field(
        default=None,
        description="While1: the customer's name shown to the agent (default: the phone).",
    )
    outbound_number: str | None = strawberry.field(
        default=None, description="While1: the number the customer sees."
    )
    outbound_trunk: str | None = strawberry.field(
        default=None, description="While1: the trunk (provider) the call leaves through."
    )
    variables: list[PbxVariableInput] = strawberry.field(
        default_factory=list, description="While1: variables for the PBX context (`vars`)."
    )
    wait_for_answer: bool = strawberry.field(
        default=False,
        description="While1 (async=0): answer only once the agent answered, rejected or let "
        "it time out; the payload's agentAnswer says which. Default: answer as soon as the "
        "agent's phone rings.",
    )


@strawberry.input(description="Ring `first`, then connect it to `second` (LiraX make2Calls).")
class ConnectPartiesInput:
    provider: strawberry.ID
    agent: str = strawberry.field(description="The extension the calls are made on behalf of.")
    first: str = strawberry.field(description="The phone rung first.")
    second: str = strawberry.field(
        description="The phone rung second, or the http(s) URL of an mp3/wav to play instead."
    )
    idempotency_key: str | None = None
    retry_minutes: int | None = strawberry.field(
        default=None,
        description="Retry every 10 minutes for this long until both answer (default: once).",
    )
    success_after_seconds: int | None = strawberry.field(
        default=None, description="How long the talk must last to count as a success."
    )
    not_before_hour: int | None = strawberry.field(
        default=None, description="Do not call before this hour (vendor default 8)."
    )
    not_after_hour: int | None = strawberry.field(
        default=None, description="Do not call after this hour (vendor default 20)."
    )
    ivr_time: str | None = strawberry.field(default=None, description="hh:mm, for the IVR.")
    ivr_date: str | None = strawberry.field(
        default=None, description='dd.mm.YYYY, "today" or "tomorrow", for the IVR.'
    )
    ivr_amount: float | None = strawberry.field(
        default=None, description="An amount of money for the IVR (sent with two decimals)."
    )


@strawberry.input(
    description="A contact for the directory: with `provider`, that provider's (pushed there "
    "too); without, your own."
)
class ContactInput:
    phone: str
    name: str
    responsible: str | None = strawberry.field(
        default=None, description="The responsible agent's extension (LiraX requires it)."
    )
    provider: strawberry.ID | None = None
    additional_phones: list[str] = strawberry.field(default_factory=list)
    emails: list[str] = strawberry.field(default_factory=list)
