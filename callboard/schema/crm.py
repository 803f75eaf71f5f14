"""CRM records through GraphQL: tasks, notes and deals about a contact (LiraX)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from callboard.domain import crm as domain
from callboard.domain.crm import DealStatus, TaskType
from callboard.resolvers import crm as resolvers
from callboard.schema.context import Info
from callboard.schema.field_copy import copied
from callboard.schema.payloads import mutate
from callboard.schema.user_error import UserError

__all__ = ["CrmMutation"]

strawberry.enum(TaskType, name="TaskType")
strawberry.enum(DealStatus, name="DealStatus")


@strawberry.type(description="A task for an agent about a contact.")
class Task:
    agent: str
    phone: str = strawberry.field(description="The contact's phone, E.164.")
    text: str
    due_at: datetime
    type: TaskType


@strawberry.type(description="A note on a contact.")
class Note:
    agent: str
    phone: str
    text: str


@strawberry.type(description="A deal in the CRM's funnel.")
class Deal:
    id: strawberry.ID = strawberry.field(description="The CRM's own deal id.")
    agent: str
    phone: str
    name: str
    amount: int
    stage: int
    status: DealStatus

    @classmethod
    def of(cls, deal: domain.Deal) -> Deal:
        return copied(cls, deal, id=strawberry.ID(deal.deal_id or ""))


@strawberry.input
class CreateTaskInput:
    provider: strawberry.ID
    agent: str = strawberry.field(description="The responsible agent's extension.")
    phone: str = strawberry.field(description="The contact's phone; the contact must exist.")
    text: str
    due_at: datetime = strawberry.field(description="Later than now and less than two years ahead.")
    type: TaskType = TaskType.FOLLOW_UP


@strawberry.input
class CreateNoteInput:
    provider: strawberry.ID
    agent: str
    phone: str
    text: str


@strawberry.input
class CreateDealInput:
    provider: strawberry.ID
    agent: str
    phone: str
    name: str
    amount: int = strawberry.field(description="The deal's sum, whole currency units.")
    stage: int = strawberry.field(description="One of the provider's deal stage ids.")


@strawberry.input
class UpdateDealInput:
    provider: strawberry.ID
    id: strawberry.ID = strawberry.field(description="The deal's id, from createDeal.")
    agent: str
    phone: str
    name: str
    amount: int
    stage: int
    status: DealStatus = DealStatus.ACTIVE


@strawberry.type
class TaskPayload:
    task: Task | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotePayload:
    note: Note | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DealPayload:
    deal: Deal | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CrmMutation:
    @strawberry.mutation(description="A task for an agent about a contact (LiraX createTask).")
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        work = resolvers.create_task(
            info.context.session, input.provider, copied(domain.Task, input)
        )
        return await mutate(TaskPayload, work, lambda t: TaskPayload(task=copied(Task, t)))

    @strawberry.mutation(description="A note on a contact (LiraX createNote).")
    async def create_note(self, info: Info, input: CreateNoteInput) -> NotePayload:
        work = resolvers.create_note(
            info.context.session, input.provider, copied(domain.Note, input)
        )
        return await mutate(NotePayload, work, lambda n: NotePayload(note=copied(Note, n)))

    @strawberry.mutation(description="A new deal for a contact (LiraX createDeal).")
    async def create_deal(self, info: Info, input: CreateDealInput) -> DealPayload:
        work = resolvers.create_deal(
            info.context.session, input.provider, copied(domain.Deal, input)
        )
        return await mutate(DealPayload, work, _deal_payload)

    @strawberry.mutation(description="Change a deal: name, sum, stage, status (LiraX updateDeal).")
    async def update_deal(self, info: Info, input: UpdateDealInput) -> DealPayload:
        deal = copied(domain.Deal, input, deal_id=input.id)
        work = resolvers.update_deal(info.context.session, input.provider, deal)
        return await mutate(DealPayload, work, _deal_payload)


def _deal_payload(deal: domain.Deal) -> DealPayload:
    return DealPayload(deal=Deal.of(deal))
