"""Tasks, notes and deals in a provider's CRM, about a contact."""

from __future__ import annotations

import dataclasses

from callboard.domain.crm import Deal, Note, Task
from callboard.domain.phones import normalize_phone
from callboard.providers.areas import CreatesNotes, CreatesTasks, ManagesDeals
from callboard.resolvers.session import Session
from callboard.runtime import Runtime

__all__ = ["create_deal", "create_note", "create_task", "update_deal"]


def _phone(runtime: Runtime, phone: str) -> str:
    return normalize_phone(phone, runtime.settings.server.default_region, field="phone")


async def create_task(session: Session, provider_id: str, task: Task) -> Task:
    provider = session.provider(provider_id, CreatesTasks)
    task = dataclasses.replace(task, phone=_phone(session.runtime, task.phone))
    await provider.create_task(task)
    return task


async def create_note(session: Session, provider_id: str, note: Note) -> Note:
    provider = session.provider(provider_id, CreatesNotes)
    note = dataclasses.replace(note, phone=_phone(session.runtime, note.phone))
    await provider.create_note(note)
    return note


async def create_deal(session: Session, provider_id: str, deal: Deal) -> Deal:
    provider = session.provider(provider_id, ManagesDeals)
    deal = dataclasses.replace(deal, phone=_phone(session.runtime, deal.phone), deal_id=None)
    return dataclasses.replace(deal, deal_id=await provider.create_deal(deal))


async def update_deal(session: Session, provider_id: str, deal: Deal) -> Deal:
    provider = session.provider(provider_id, ManagesDeals)
    deal = dataclasses.replace(deal, phone=_phone(session.runtime, deal.phone))
    await provider.update_deal(deal)
    return deal
