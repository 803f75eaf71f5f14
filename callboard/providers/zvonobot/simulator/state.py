"""What the fake Zvonobot keeps: the account with its balance and moderation, its audio
records, numbers, languages and templates, and every apiCall with what it reports."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import httpx

from callboard.providers.simulator_base import Simulator
from callboard.providers.zvonobot.simulator.fields import Fields
from callboard.providers.zvonobot.simulator.rules import IvrNode

__all__ = [
    "Delivery",
    "Outcome",
    "OutcomeName",
    "Refused",
    "SimApiCall",
    "SimRecord",
    "ZvonobotAccount",
    "unix_now",
]

OutcomeName = Literal["answered", "no_answer", "busy", "unreachable"]
CallStatus = Literal["created", "processed", "started", "answered", "finished", "canceled"]
RecordStatus = Literal["moderation", "approved", "rejected"]
HookKind = Literal["status", "ivr"]

OUTCOMES: frozenset[str] = frozenset(get_args(OutcomeName))
VERDICTS: frozenset[str] = frozenset({"approved", "rejected"})
# Q.850 causes: 16 normal clearing, 17 user busy, 19 no answer, 20 subscriber absent.
NORMAL_CLEARING = 16
HANGUP_CAUSES: dict[str, int] = {"busy": 17, "no_answer": 19, "unreachable": 20}
TTS_COST = 0.40  # the page: "generation costs 40 kopecks"
CALL_COST = 1.50
MAX_TRIES = 3  # the page: "every minute up to three times or until HTTP-code 200"
FILES_BASE = "https://zvonobot-sim.invalid/records"
LABEL = "127.0.0.1"  # the page: the label defaults to the client's IP
NO_MONEY = "Недостаточно средств на балансе"
NO_RECORD = "Аудиоролик не найден"

DEFAULT_PHONES: list[dict[str, Any]] = [
    {"id": 1, "phone": "74950000001", "isSystem": False, "overall": 0},
    {"id": 2, "phone": "74950000002", "isSystem": False, "overall": 0},
    {"id": 3, "phone": "74950000003", "isSystem": True, "overall": 1},
]
DEFAULT_LANGUAGES: list[dict[str, Any]] = [
    {"id": 1, "name": "Русский", "defaultLangCode": "ru-RU"},
    {"id": 2, "name": "English", "defaultLangCode": "en-US"},
]
TEMPLATE_TEXT = "Здравствуйте, {name}! Скидка {var1}"


@dataclass(frozen=True)
class Delivery:
    """One webhook POST the simulator attempted, and what came back."""

    kind: HookKind  # "status": the apiCall's webhookUrl; "ivr": an IVR node's
    call_id: int
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    status_code: int | None
    error: str | None
    try_number: int  # 1 for the first post, up to MAX_TRIES


@dataclass(frozen=True)
class Outcome:
    """How a phone takes the simulator's calls; ``answer`` is what the subscriber then
    presses (an int digit) or says (a word) for the call's IVR."""

    result: OutcomeName = "answered"
    answer: int | str | None = None


@dataclass
class SimRecord:
    """An audio record createRecord made."""

    id: int
    name: str
    source: Literal["text", "file"]
    created_at: int
    need_moderation: bool
    status: RecordStatus
    text: str | None
    cost: float
    file_name: str | None = None
    moderator_comment: str | None = None
    deleted_at: int | None = None

    @property
    def path(self) -> str:
        return f"{FILES_BASE}/r{self.id}.mp3"

    def to_json(self) -> dict[str, Any]:
        """As createRecord answers."""
        return {
            "id": self.id,
            "createdAt": self.created_at,
            "needModeration": self.need_moderation,
            "moderatorComment": self.moderator_comment,
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "recordText": self.text,
            "cost": self.cost,
        }

    def removed_json(self) -> dict[str, Any]:
        """As removeRecord answers."""
        return {
            "id": self.id,
            "createdAt": self.created_at,
            "name": self.name,
            "path": self.path,
            "moderatorComment": self.moderator_comment,
            "needModeration": self.need_moderation,
            "status": self.status,
            "deletedAt": self.deleted_at,
        }


@dataclass
class SimApiCall:
    """An apiCall: one call to one phone, with what the vendor reports about it."""

    id: int
    phone: str
    outgoing_phone: str
    created_at: int
    planned_at: int | None
    smart_delay: int | None = None
    need_recording: int = 0
    webhook_url: str | None = None
    webhook_parameters: str | None = None  # as given; get shows it so
    webhook_fields: dict[str, Any] = field(default_factory=dict)  # parsed from it
    webhook_headers: dict[str, str] = field(default_factory=dict)
    record_id: int | None = None
    record_text: str | None = None  # generated speech; for a template call, its filled text
    ivrs: tuple[IvrNode, ...] = ()
    ivr_ids: tuple[int, ...] = ()  # an id per top-level node, for ivrIdList
    template_id: int | None = None
    phone_info: str | None = None
    status: CallStatus = "created"
    updated_at: int = 0
    started_at: int | None = None
    answered_at: int | None = None
    manager_started_at: int | None = None
    manager_answered_at: int | None = None
    finished_at: int | None = None
    ivr_digit: int | None = None
    ivr_answers: str | None = None
    ivr_id_list: list[int] | None = None
    to_block: bool = False
    hangup_cause: int | None = None
    manager_status: str | None = None
    record_file_path: str | None = None
    cost: float = 0.0
    webhook_try: int = 0  # the number of the last status webhook try
    webhook_sent: bool = False  # a status webhook got its 200

    def __post_init__(self) -> None:
        self.updated_at = self.updated_at or self.created_at

    def to_json(self) -> dict[str, Any]:
        """As get (and the status webhook) shows it."""
        head: dict[str, Any] = {
            "id": self.id,
            "createdAt": self.created_at,
            "smartDelay": self.smart_delay,
            "prevCallId": None,
            "needRecording": self.need_recording,
            "plannedAt": self.planned_at,
            "webhookUrl": self.webhook_url,
            "webhookSent": self.webhook_sent,
        }
        if self.template_id is not None:
            head["templateId"] = self.template_id
            head["phoneInfo"] = self.phone_info
        call = {
            "phone": self.phone,
            "ivrDigit": self.ivr_digit,
            "startedAt": self.started_at,
            "answeredAt": self.answered_at,
            "managerStartedAt": self.manager_started_at,
            "managerAnsweredAt": self.manager_answered_at,
            "finishedAt": self.finished_at,
            "toBlock": self.to_block,
            "status": self.status,
            "nextCallId": None,
            "hangupCause": self.hangup_cause,
            "managerStatus": self.manager_status,
            "recordFilePath": self.record_file_path,
            "cost": self.cost,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "label": LABEL,
            "ivrAnswers": self.ivr_answers,
            "ivrIdList": self.ivr_id_list,
            "comment": None,
        }
        return {
            **head,
            "amoscriptId": None,
            "webhookParameters": self.webhook_parameters,
            "webhookTry": self.webhook_try,
            "recognitionGroupId": None,
            "generateGroupId": None,
            "calls": [call],
        }


class Refused(Exception):
    """The vendor turns the request down: HTTP 200 with status "error"."""


def unix_now() -> int:
    return int(time.time())


class ZvonobotAccount(Simulator):
    """One Zvonobot account in memory, as plain attributes tests may read and change:
    ``balance``, ``user_id``, ``account_moderation``, ``record_moderation``, ``records``,
    ``calls`` (apiCalls by id), ``phones``, ``languages``, ``templates``,
    ``verifications``, the webhook ``deliveries`` and how each phone answers
    (``outcomes``)."""

    def __init__(
        self,
        api_key: str,
        *,
        step_delay: float,
        resend_delay: float,
        max_phones: int,
        http: httpx.AsyncClient | None,
    ) -> None:
        super().__init__("Zvonobot", http=http, step_delay=step_delay)
        self._api_key = api_key
        self.resend_delay = resend_delay
        self.max_phones = max_phones
        self.balance = 1000.0
        self.user_id = 4242
        self.account_moderation = False  # False: the manager lifted it for the account
        self.record_moderation = False  # whether new records need moderation
        self.records: dict[int, SimRecord] = {}
        self.calls: dict[int, SimApiCall] = {}
        self.phones: list[dict[str, Any]] = [dict(p) for p in DEFAULT_PHONES]
        self.languages: list[dict[str, Any]] = [dict(lang) for lang in DEFAULT_LANGUAGES]
        created = unix_now()
        self.templates: dict[int, dict[str, Any]] = {
            i: {
                "id": i,
                "name": f"Шаблон {i}",
                "status": status,
                "recordText": TEMPLATE_TEXT,
                "outgoingPhone": "74950000001",
                "createdAt": created,
            }
            for i, status in ((1, "moderated"), (2, "moderation"))
        }
        self.verifications: list[dict[str, str]] = []
        self.deliveries: list[Delivery] = []
        self.outcomes: dict[str, Outcome] = {}
        self._call_ids = itertools.count(1001)
        self._record_ids = itertools.count(501)
        self._ivr_ids = itertools.count(1)
        self._scripts: dict[int, asyncio.Task[None]] = {}  # call id -> its running script
        self._timers: dict[int, asyncio.TimerHandle] = {}  # call id -> its plannedAt wait

    @staticmethod
    def _flag(body: Mapping[str, Any], name: str) -> bool:
        fields = Fields()
        flag = fields.flag(body, name)
        fields.done()
        return flag == 1

    def _check_balance(self) -> None:
        if self.balance <= 0:
            raise Refused(NO_MONEY)

    def _spend(self, amount: float) -> None:
        # Rounded to kopecks so that repeated 0.40s do not drift.
        self.balance = round(self.balance - amount, 2)

    def _live_record(self, record_id: int) -> SimRecord:
        record = self.records.get(record_id)
        if record is None or record.deleted_at is not None:
            raise Refused(NO_RECORD)
        return record
