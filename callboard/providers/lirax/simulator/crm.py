"""The fake LiraX's CRM: checkContact, createTask, createNote, createDeal, updateDeal and
getStages, checked against the agents and the funnel's stages."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.responses import JSONResponse, Response

from callboard.providers.lirax.simulator.base import Command, LiraxPbx
from callboard.providers.lirax.simulator.params import (
    PHONE,
    UINT,
    check,
    digit_list,
    email_list,
    is_task_date,
    nonblank,
    two_years_after,
)

__all__ = ["CrmCommands", "SimContact", "SimDeal", "SimNote", "SimTask"]

TASK_TYPES = frozenset({"1", "2", "3"})  # Follow-up, meeting, call
DEAL_STATUSES = frozenset({"0", "1", "2"})  # active, won, lost
DEFAULT_STAGES = {1: "New", 2: "Negotiation", 3: "Contract"}


@dataclass
class SimContact:
    """A contact as checkContact left it; ``ext`` is the responsible agent."""

    ani: str
    name: str
    ext: str
    add_phones: list[str] = dataclasses.field(default_factory=list)
    emails: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class SimTask:
    """A task from createTask; ``date`` is the PBX's local time, ``type`` 1, 2 or 3."""

    ext: str
    ani: str
    text: str
    date: datetime
    type: int


@dataclass(frozen=True)
class SimNote:
    """A note from createNote."""

    ext: str
    ani: str
    text: str


@dataclass(frozen=True)
class SimDeal:
    """A deal as createDeal or the last updateDeal left it; ``status`` 0 active, 1 won,
    2 lost."""

    id: int
    ext: str
    ani: str
    name: str
    sum: int
    stage: int
    status: int = 0


class CrmCommands(LiraxPbx):
    """The CRM commands; ``contacts`` (by ``ani``), ``tasks``, ``notes`` and ``deals`` (by
    id) are what they wrote, ``stages`` (id -> title, in funnel order) what deals move
    through."""

    def _open_crm(self) -> None:
        self.stages: dict[int, str] = dict(DEFAULT_STAGES)
        self.contacts: dict[str, SimContact] = {}
        self.tasks: list[SimTask] = []
        self.notes: list[SimNote] = []
        self.deals: dict[int, SimDeal] = {}
        self._deal_ids = itertools.count(1)

    def _crm_commands(self) -> dict[str, Command]:
        return {
            "checkContact": self._check_contact,
            "createTask": self._create_task,
            "createNote": self._create_note,
            "createDeal": self._create_deal,
            "updateDeal": self._update_deal,
            "getStages": self._get_stages,
        }

    async def _check_contact(self, p: dict[str, str]) -> Response:
        ext = self._agent(p)
        ani = p.get("ani", "")
        check(PHONE.fullmatch(ani))
        # The table says ``name``, the page's example ``Name``.
        name = p.get("name") or p.get("Name", "")
        check(name.strip())
        add_phones = digit_list(p.get("add_phone", ""))
        emails = email_list(p.get("emails", ""))
        contact = self.contacts.get(ani)
        if contact is None:
            self.contacts[ani] = SimContact(ani, name, ext, add_phones, emails)
        else:
            # The page: the name and the responsible agent are updated; the lists are
            # replaced only when sent.
            contact.name, contact.ext = name, ext
            if add_phones:
                contact.add_phones = add_phones
            if emails:
                contact.emails = emails
        return Response(status_code=200)

    async def _create_task(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        text = nonblank(p, "text")
        raw_date = p.get("date", "")
        check(is_task_date(raw_date))
        date = datetime.strptime(raw_date, "%Y-%m-%d %H:%M:%S")
        now = datetime.now(UTC).replace(tzinfo=None)  # the PBX keeps UTC (see _history)
        # The page: "later than the current date and less than two years ahead".
        check(now < date < two_years_after(now))
        task_type = p.get("type", "")
        check(task_type in TASK_TYPES)
        self.tasks.append(SimTask(ext, ani, text, date, int(task_type)))
        return Response(status_code=200)

    async def _create_note(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        self.notes.append(SimNote(ext, ani, nonblank(p, "text")))
        return Response(status_code=200)

    async def _create_deal(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        name, amount, stage = nonblank(p, "name"), self._sum(p), self._stage(p)
        deal = SimDeal(next(self._deal_ids), ext, ani, name, amount, stage)
        self.deals[deal.id] = deal
        return JSONResponse({"id_deal": deal.id})

    async def _update_deal(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        id_deal = p.get("id_deal", "")
        check(UINT.fullmatch(id_deal) and int(id_deal) in self.deals)
        name, amount, stage = nonblank(p, "name"), self._sum(p), self._stage(p)
        status = p.get("status", "")
        check(status in DEAL_STATUSES)
        deal = SimDeal(int(id_deal), ext, ani, name, amount, stage, int(status))
        # The page: 400 also when "the parameters were not updated".
        check(deal != self.deals[deal.id])
        self.deals[deal.id] = deal
        return Response(status_code=200)

    async def _get_stages(self, p: dict[str, str]) -> Response:
        stages = [{"stage": stage, "title": title} for stage, title in self.stages.items()]
        return JSONResponse({"stages": stages})

    def _contact(self, p: Mapping[str, str]) -> str:
        ani = p.get("ani", "")
        check(ani in self.contacts)
        return ani

    def _stage(self, p: Mapping[str, str]) -> int:
        stage = p.get("stage", "")
        check(UINT.fullmatch(stage) and int(stage) in self.stages)
        return int(stage)

    @staticmethod
    def _sum(p: Mapping[str, str]) -> int:
        amount = p.get("sum", "")
        check(UINT.fullmatch(amount))
        return int(amount)
