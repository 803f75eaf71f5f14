"""CRM: the contacts, tasks, notes and deals a vendor keeps."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.domain.crm import Deal, Note, Task
from callboard.domain.directory import Contact
from callboard.providers.areas.area import Area

__all__ = ["CreatesNotes", "CreatesTasks", "KeepsContacts", "ManagesDeals"]


class KeepsContacts(Area):
    capability = Capability.UPSERT_CONTACT
    operations: ClassVar[tuple[str, ...]] = ("upsertContact",)

    @abstractmethod
    async def upsert_contact(self, contact: Contact) -> None: ...


class CreatesTasks(Area):
    capability = Capability.CREATE_TASK
    operations: ClassVar[tuple[str, ...]] = ("createTask",)

    @abstractmethod
    async def create_task(self, task: Task) -> None: ...


class CreatesNotes(Area):
    capability = Capability.CREATE_NOTE
    operations: ClassVar[tuple[str, ...]] = ("createNote",)

    @abstractmethod
    async def create_note(self, note: Note) -> None: ...


class ManagesDeals(Area):
    capability = Capability.MANAGE_DEALS
    operations: ClassVar[tuple[str, ...]] = ("createDeal", "updateDeal")

    @abstractmethod
    async def create_deal(self, deal: Deal) -> str:
        """Create the deal; the vendor's id for it."""

    @abstractmethod
    async def update_deal(self, deal: Deal) -> None: ...
