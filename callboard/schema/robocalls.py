"""Robocalls through GraphQL, the roots: start campaigns (message, IVR tree, schedule, or a
template), read their calls from the vendor, move or cancel planned ones; templates and
languages."""

from __future__ import annotations

import strawberry

from callboard.domain.calls import Call as DomainCall
from callboard.resolvers import robocalls as resolvers
from callboard.schema.calls import Call
from callboard.schema.context import Info
from callboard.schema.ids import decode_id
from callboard.schema.payloads import mutate
from callboard.schema.robocall_catalogue import Language, RobocallTemplate
from callboard.schema.robocall_changes import (
    RescheduleRobocallsInput,
    RobocallsPayload,
    changed_payload,
)
from callboard.schema.robocall_inputs import StartRobocallInput
from callboard.schema.robocall_request import aware, robocall_request
from callboard.schema.robocall_started import StartRobocallPayload

__all__ = ["RobocallMutation", "RobocallQuery"]


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
            info.context.session,
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
            info.context.session, provider, only_moderated=only_moderated
        )
        return [RobocallTemplate.of(t) for t in found]

    @strawberry.field(description="The languages the vendor's voices speak.")
    async def languages(self, info: Info, provider: strawberry.ID) -> list[Language]:
        found = await resolvers.languages(info.context.session, provider)
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
                info.context.session,
                input.provider,
                robocall_request(input),
                input.idempotency_key,
            )

        return await mutate(StartRobocallPayload, work(), StartRobocallPayload.of)

    @strawberry.mutation(description="Move planned robocalls to new times (Zvonobot update).")
    async def reschedule_robocalls(
        self, info: Info, input: RescheduleRobocallsInput
    ) -> RobocallsPayload:
        async def work() -> tuple[list[DomainCall], list[str]]:
            plan = [
                (decode_id("Call", c.id, field="calls.id"), aware(c.planned_at))
                for c in input.calls
            ]
            return await resolvers.reschedule_robocalls(info.context.session, plan)

        return await mutate(RobocallsPayload, work(), changed_payload("was not moved"))

    @strawberry.mutation(
        description="Cancel planned robocalls (Zvonobot remove); each becomes CANCELED."
    )
    async def cancel_robocalls(self, info: Info, ids: list[strawberry.ID]) -> RobocallsPayload:
        async def work() -> tuple[list[DomainCall], list[str]]:
            call_ids = [decode_id("Call", i, field="ids") for i in ids]
            return await resolvers.cancel_robocalls(info.context.session, call_ids)

        return await mutate(RobocallsPayload, work(), changed_payload("was not canceled"))
