"""Robocalls through GraphQL: start campaigns (message, IVR tree, schedule, or a template),
read their calls from the vendor, move or cancel planned ones; templates and languages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from callboard.domain import robocalls as domain
from callboard.domain.calls import Call as DomainCall
from callboard.domain.errors import BadInput
from callboard.domain.robocalls import Voice, Weekday
from callboard.resolvers import robocalls as resolvers
from callboard.schema.calls import Call
from callboard.schema.context import Info
from callboard.schema.ids import decode_id, encode_id
from callboard.schema.input_limits import MAX_ROBOCALL_PHONES
from callboard.schema.payloads import attempt
from callboard.schema.user_error import UserError

__all__ = ["RobocallMutation", "RobocallQuery"]

strawberry.enum(Voice, name="Voice")
strawberry.enum(Weekday, name="Weekday")

MAX_IVR_DEPTH = 5


@strawberry.input(description="What a robocall plays: a record, a text, or a vendor template.")
class RobocallMessageInput:
    record_id: int | None = strawberry.field(default=None, description="An audio record's id.")
    text: str | None = strawberry.field(
        default=None, description="Read by a synthetic voice (Zvonobot: up to 1024 characters)."
    )
    voice: Voice | None = strawberry.field(
        default=None, description="For `text`; FEMALE by default."
    )
    template_id: int | None = strawberry.field(
        default=None,
        description="A vendor template (see `robocallTemplates`): it brings the message and the "
        "options; per-phone `variables` fill it.",
    )


@strawberry.input(description="One template variable, by its placeholder name.")
class TemplateVariableInput:
    name: str = strawberry.field(description="The placeholder, as `name` or `{name}`.")
    value: str


@strawberry.input(description="A template's variables for one phone.")
class PhoneVariablesInput:
    phone: str
    values: list[TemplateVariableInput]


@strawberry.input(description="One IVR branch: what a key or word triggers.")
class IvrNodeInput:
    digit: int | None = strawberry.field(
        default=None,
        description="0-9. Without digit, key words or anyWord: what happens if the callee "
        "stays on the line.",
    )
    key_words: list[str] | None = strawberry.field(default=None, description="Spoken answers.")
    any_word: bool | None = strawberry.field(
        default=None, description="Any spoken answer (a branch without digit and key words)."
    )
    recognition_timeout: int | None = strawberry.field(
        default=None, description="Seconds to wait for a spoken answer, 1-15 (with anyWord)."
    )
    recognize: bool | None = None
    block: bool | None = strawberry.field(default=None, description="Black-list the callee.")
    message: RobocallMessageInput | None = strawberry.field(
        default=None, description="What this branch plays (a record or a text)."
    )
    manager_phone: str | None = strawberry.field(
        default=None, description="Forward the call to this phone."
    )
    sms_text: str | None = strawberry.field(default=None, description="Up to 70 characters.")
    sms_template_id: int | None = None
    sms_channel: str | None = None
    email_timeout: int | None = strawberry.field(default=None, description="Minutes.")
    notify: bool = strawberry.field(
        default=False,
        description="Report the callee's answer on this branch as an IVR_INPUT call event.",
    )
    webhook_parameters: JSON | None = strawberry.field(
        default=None, description="Your own fields, added to the IVR_INPUT event's raw."
    )
    webhook_headers: JSON | None = None
    ivrs: list[IvrNodeInput] | None = strawberry.field(
        default=None, description="The branches after this one."
    )


@strawberry.input(description="A robocall campaign: one message to each phone.")
class StartRobocallInput:
    provider: strawberry.ID
    phones: list[str] = strawberry.field(
        description=f"Up to {MAX_ROBOCALL_PHONES:,} phones; Callboard splits them into "
        "requests the vendor accepts."
    )
    outgoing_phone: str | None = strawberry.field(
        default=None, description="The caller id: a number confirmed at the vendor."
    )
    message: RobocallMessageInput
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key never starts the campaign twice."
    )
    duty_phone: bool = strawberry.field(
        default=False, description="Let the vendor pick one of its duty numbers as caller id."
    )
    variables: list[PhoneVariablesInput] | None = strawberry.field(
        default=None, description="With a template: the variables of each phone."
    )
    ivrs: list[IvrNodeInput] | None = None
    planned_at: datetime | None = strawberry.field(default=None, description="When to call.")
    start_time: str | None = strawberry.field(
        default=None, description="Calling window start, HH:MM."
    )
    end_time: str | None = strawberry.field(default=None, description="Calling window end, HH:MM.")
    weekdays: list[Weekday] | None = strawberry.field(
        default=None, description="Days to call on (with the window); not with excludeWeekends."
    )
    exclude_weekends: bool | None = None
    subscriber_time_zone: bool | None = strawberry.field(
        default=None, description="Read plannedAt and the window in each callee's time zone."
    )
    smart_delay: int | None = strawberry.field(
        default=None, description="Call the unanswered again after this many minutes (15-90)."
    )
    record: bool | None = strawberry.field(default=None, description="Record the calls.")
    answer_timeout: int | None = strawberry.field(
        default=None, description="Seconds to wait for an answer (15-60; vendor default 30)."
    )
    language: str | None = strawberry.field(default=None, description="e.g. ru-RU.")
    voice_detection: bool | None = strawberry.field(
        default=None, description="Let the callee interrupt the robot."
    )
    end_of_speech: bool | None = strawberry.field(
        default=None, description="Detect the end of the callee's speech."
    )
    manager_delivery_phone: bool | None = strawberry.field(
        default=None, description="Show the caller id to the manager a call is forwarded to."
    )
    webhook_parameters: JSON | None = strawberry.field(
        default=None, description="Your own fields, added to the call's status payloads (raw)."
    )
    webhook_headers: JSON | None = None


@strawberry.type(description="Something to know about a request that went ahead anyway.")
class Notice:
    code: str = strawberry.field(description="MODERATION_PENDING, DUPLICATE_PHONES, ...")
    message: str
    field: str | None

    @classmethod
    def of(cls, notice: domain.Notice) -> Notice:
        return cls(code=notice.code, message=notice.message, field=notice.field)


@strawberry.type
class StartRobocallPayload:
    calls: list[Call] = strawberry.field(
        default_factory=list,
        description="One call per phone the vendor accepted (QUEUED until it dials).",
    )
    record_cost: float | None = strawberry.field(
        default=None, description="What generating the texts' audio cost, in rubles."
    )
    notices: list[Notice] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PlannedCallInput:
    id: strawberry.ID = strawberry.field(description="The Call's id.")
    planned_at: datetime


@strawberry.input(description="New times for planned robocalls.")
class RescheduleRobocallsInput:
    calls: list[PlannedCallInput]


@strawberry.type
class RobocallsPayload:
    calls: list[Call] = strawberry.field(
        default_factory=list, description="The calls the vendor changed."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="One per call it did not (already dialled, or gone)."
    )


@strawberry.type(description="A robocall template kept at the vendor.")
class RobocallTemplate:
    id: int
    name: str | None
    moderated: bool | None = strawberry.field(description="Only moderated templates can call.")
    text: str | None
    raw: JSON

    @classmethod
    def of(cls, template: domain.RobocallTemplate) -> RobocallTemplate:
        return cls(
            id=template.template_id,
            name=template.name,
            moderated=template.moderated,
            text=template.text,
            raw=JSON(dict(template.raw)),
        )


@strawberry.type(description="A language the vendor's voices speak.")
class Language:
    id: str
    name: str
    code: str = strawberry.field(description="What `StartRobocallInput.language` takes.")


@strawberry.type
class RobocallQuery:
    @strawberry.field(
        description="Robocalls by the vendor's ids, read from the vendor now (Zvonobot "
        "apiCalls/get, or getWithTemplates with fromTemplate) and kept in the call log. All "
        "the ids a document asks for go in one vendor request (up to 5000 each). Null for an "
        "id the vendor does not know."
    )
    async def robocalls(
        self, info: Info, provider: strawberry.ID, ids: list[str], from_template: bool = False
    ) -> list[Call | None]:
        calls = await resolvers.load_robocalls(
            info.context.runtime,
            info.context.client,
            info.context.loaders.robocall,
            provider,
            ids,
            template=from_template,
        )
        return [Call.of(c) if c else None for c in calls]

    @strawberry.field(description="The vendor's robocall templates.")
    async def robocall_templates(
        self, info: Info, provider: strawberry.ID, only_moderated: bool = False
    ) -> list[RobocallTemplate]:
        found = await resolvers.robocall_templates(
            info.context.runtime, info.context.client, provider, only_moderated=only_moderated
        )
        return [RobocallTemplate.of(t) for t in found]

    @strawberry.field(description="The languages the vendor's voices speak.")
    async def languages(self, info: Info, provider: strawberry.ID) -> list[Language]:
        found = await resolvers.languages(info.context.runtime, info.context.client, provider)
        return [Language(id=lang.language_id, name=lang.name, code=lang.code) for lang in found]


@strawberry.type
class RobocallMutation:
    @strawberry.mutation(
        description="Start automated voice calls (Zvonobot apiCalls/create, or "
        "createWithTemplate with message.templateId). Their statuses arrive as call events."
    )
    async def start_robocall(self, info: Info, input: StartRobocallInput) -> StartRobocallPayload:
        async def work() -> resolvers.RobocallStarted:
            return await resolvers.start_robocall(
                info.context.runtime,
                info.context.client,
                input.provider,
                robocall_request(input),
                input.idempotency_key,
            )

        result, errors = await attempt(work())
        if result is None:
            return StartRobocallPayload(calls=[], record_cost=None, notices=[], user_errors=errors)
        return StartRobocallPayload(
            calls=[Call.of(c) for c in result.started.calls],
            record_cost=result.started.record_cost,
            notices=[Notice.of(n) for n in result.notices],
            user_errors=[UserError.of(e) for e in result.started.failures],
        )

    @strawberry.mutation(description="Move planned robocalls to new times (Zvonobot update).")
    async def reschedule_robocalls(
        self, info: Info, input: RescheduleRobocallsInput
    ) -> RobocallsPayload:
        async def work() -> tuple[list[DomainCall], list[str]]:
            plan = [
                (decode_id("Call", c.id, field="calls.id"), _aware(c.planned_at))
                for c in input.calls
            ]
            return await resolvers.reschedule_robocalls(
                info.context.runtime, info.context.client, plan
            )

        return _calls_payload(
            await attempt(work()),
            "was not moved: it has been dialled, or the vendor no longer has it.",
        )

    @strawberry.mutation(
        description="Cancel planned robocalls (Zvonobot remove); each becomes CANCELED."
    )
    async def cancel_robocalls(self, info: Info, ids: list[strawberry.ID]) -> RobocallsPayload:
        async def work() -> tuple[list[DomainCall], list[str]]:
            call_ids = [decode_id("Call", i, field="ids") for i in ids]
            return await resolvers.cancel_robocalls(
                info.context.runtime, info.context.client, call_ids
            )

        return _calls_payload(
            await attempt(work()),
            "was not canceled: it has been dialled, or the vendor no longer has it.",
        )


def _calls_payload(
    outcome: tuple[tuple[list[DomainCall], list[str]] | None, list[UserError]], why: str
) -> RobocallsPayload:
    result, errors = outcome
    if result is None:
        return RobocallsPayload(calls=[], user_errors=errors)
    changed, unchanged = result
    return RobocallsPayload(
        calls=[Call.of(c) for c in changed],
        user_errors=[
            UserError(field="ids", message=f"Call {encode_id('Call', i)} {why}", code="NOT_CHANGED")
            for i in unchanged
        ],
    )


def robocall_request(input: StartRobocallInput) -> domain.RobocallRequest:
    """The domain request for the input (shapes only; the resolver normalizes phones)."""
    variables: dict[str, dict[str, str]] = {}
    for entry in input.variables or ():
        variables.setdefault(entry.phone, {}).update({v.name: v.value for v in entry.values})
    return domain.RobocallRequest(
        phones=tuple(input.phones),
        message=_message(input.message),
        outgoing_phone=input.outgoing_phone,
        duty_phone=input.duty_phone,
        variables=variables,
        ivrs=_nodes(input.ivrs or (), "ivrs", 1),
        planned_at=_aware(input.planned_at) if input.planned_at else None,
        start_time=input.start_time,
        end_time=input.end_time,
        weekdays=tuple(input.weekdays or ()),
        exclude_weekends=input.exclude_weekends,
        subscriber_time_zone=input.subscriber_time_zone,
        smart_delay=input.smart_delay,
        record=input.record,
        answer_timeout=input.answer_timeout,
        language=input.language,
        voice_detection=input.voice_detection,
        end_of_speech=input.end_of_speech,
        manager_delivery_phone=input.manager_delivery_phone,
        webhook_parameters=_object(input.webhook_parameters, "webhookParameters"),
        webhook_headers=_object(input.webhook_headers, "webhookHeaders"),
    )


def _message(message: RobocallMessageInput) -> domain.RobocallMessage:
    return domain.RobocallMessage(
        record_id=message.record_id,
        text=message.text,
        voice=message.voice,
        template_id=message.template_id,
    )


def _nodes(nodes: Any, where: str, depth: int) -> tuple[domain.IvrNode, ...]:
    if nodes and depth > MAX_IVR_DEPTH:
        raise BadInput(f"An IVR tree is at most {MAX_IVR_DEPTH} levels deep.", field=where)
    return tuple(
        domain.IvrNode(
            digit=node.digit,
            key_words=tuple(node.key_words or ()),
            any_word=node.any_word,
            recognition_timeout=node.recognition_timeout,
            recognize=node.recognize,
            block=node.block,
            message=_message(node.message) if node.message else None,
            manager_phone=node.manager_phone,
            sms_text=node.sms_text,
            sms_template_id=node.sms_template_id,
            sms_channel=node.sms_channel,
            email_timeout=node.email_timeout,
            notify=node.notify,
            webhook_parameters=_object(node.webhook_parameters, f"{where}.{i}.webhookParameters"),
            webhook_headers=_object(node.webhook_headers, f"{where}.{i}.webhookHeaders"),
            children=_nodes(node.ivrs or (), f"{where}.{i}.ivrs", depth + 1),
        )
        for i, node in enumerate(nodes)
    )


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadInput(f"`{field}` must be a JSON object.", field=field)
    return dict(value)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise BadInput("Give times with a time zone, e.g. 2026-12-01T09:00:00+03:00.")
    return moment
