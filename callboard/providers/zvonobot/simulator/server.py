"""A fake Zvonobot: its apiCalls API, calls played through their statuses, and the status
and IVR webhooks it posts back (resent as the vendor does)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import hmac
import itertools
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from callboard.providers.simulator_base import Scripts
from callboard.providers.zvonobot.simulator import rules
from callboard.providers.zvonobot.simulator.rules import BadBody, Invalid, IvrNode, read_body

__all__ = [
    "Delivery",
    "Outcome",
    "OutcomeName",
    "SimApiCall",
    "SimRecord",
    "ZvonobotSimulator",
]

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class _Hook:
    """A webhook to deliver: the same body (but webhookTry) on every try."""

    kind: HookKind
    call: SimApiCall
    url: str
    body: dict[str, Any]
    headers: dict[str, str]


class _Refused(Exception):
    """The vendor turns the request down: HTTP 200 with status "error"."""


class _CountRequests:
    """ASGI middleware counting every HTTP request by path."""

    def __init__(self, app: ASGIApp, counter: collections.Counter[str]) -> None:
        self.app, self.counter = app, counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.counter[scope["path"]] += 1
        await self.app(scope, receive, send)


Handler = Callable[[dict[str, Any], Request], Awaitable[object]]


def _now() -> int:
    return int(time.time())


def _error(status_code: int, message: str, **extra: object) -> Response:
    return JSONResponse(
        {"status": "error", "data": {"message": message, **extra}}, status_code=status_code
    )


class ZvonobotSimulator:
    """Zvonobot's apiCalls API in memory.

    Each apiCall moves created -> processed -> started -> answered -> finished (or
    canceled), one step every ``step_delay`` seconds, posting its status webhook at each
    change and again every ``resend_delay`` seconds, up to three tries, until one gets
    HTTP 200. A call waits for its ``plannedAt`` and, while moderation blocks it, in
    "created". How each phone answers comes from ``outcomes`` (default: answered, no IVR
    answer). State is plain attributes tests may read and change: ``balance``,
    ``user_id``, ``account_moderation``, ``record_moderation``, ``records``, ``calls``,
    ``phones``, ``languages``, ``templates``, ``verifications``, ``deliveries``,
    ``outcomes`` and ``requests`` (requests by path).
    """

    def __init__(
        self,
        api_key: str,
        *,
        step_delay: float = 1.5,
        resend_delay: float = 60.0,
        max_phones: int = 5000,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._api_key = api_key
        self.step_delay = step_delay
        self.resend_delay = resend_delay
        self.max_phones = max_phones
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=5)
        self.balance = 1000.0
        self.user_id = 4242
        self.account_moderation = False  # False: the manager lifted it for the account
        self.record_moderation = False  # whether new records need moderation
        self.records: dict[int, SimRecord] = {}
        self.calls: dict[int, SimApiCall] = {}
        self.phones: list[dict[str, Any]] = [dict(p) for p in DEFAULT_PHONES]
        self.languages: list[dict[str, Any]] = [dict(lang) for lang in DEFAULT_LANGUAGES]
        created = _now()
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
        self.requests: collections.Counter[str] = collections.Counter()
        self._call_ids = itertools.count(1001)
        self._record_ids = itertools.count(501)
        self._ivr_ids = itertools.count(1)
        self._background = Scripts("Zvonobot")
        self._scripts: dict[int, asyncio.Task[None]] = {}  # call id -> its running script
        self._timers: dict[int, asyncio.TimerHandle] = {}  # call id -> its plannedAt wait
        endpoints: dict[str, Handler] = {
            "/apiCalls/create": self._create,
            "/apiCalls/createWithTemplate": self._create_with_template,
            "/apiCalls/get": functools.partial(self._get, templates=False),
            "/apiCalls/getWithTemplates": functools.partial(self._get, templates=True),
            "/apiCalls/update": self._update,
            "/apiCalls/remove": self._remove,
            "/apiCalls/removeRecord": self._remove_record,
            "/apiCalls/userInfo": self._user_info,
            "/apiCalls/getPhones": self._get_phones,
            "/apiCalls/getTemplates": self._get_templates,
            "/apiVerificationPhones/confirmPhone": self._confirm_phone,
        }
        self.app = Starlette(
            routes=[
                *(Route(path, self._api(h), methods=["POST"]) for path, h in endpoints.items()),
                Route(
                    "/apiCalls/createRecord",
                    self._api(self._create_record, multipart=True),
                    methods=["POST"],
                ),
                Route(
                    "/apiCalls/getAvailableLanguages",
                    self._api(self._get_languages),
                    methods=["GET", "POST"],
                ),
                Route("/_sim/outcome", self._sim_outcome, methods=["POST"]),
                Route("/_sim/moderation", self._sim_moderation, methods=["POST"]),
                Route("/_sim/state", self._sim_state, methods=["GET"]),
            ],
            middleware=[Middleware(_CountRequests, counter=self.requests)],
            lifespan=self._lifespan,
        )

    # -- public controls ---------------------------------------------------------------

    def set_outcome(
        self, phone: str, outcome: OutcomeName, answer: int | str | None = None
    ) -> None:
        """Make calls to ``phone`` end this way; ``answer`` is given to an answered call's
        IVR (an int for a pressed digit, a string for a spoken word)."""
        if not rules.is_phone(phone):
            raise ValueError("phone must be 11 digits")
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
        if answer is not None and (isinstance(answer, bool) or not isinstance(answer, int | str)):
            raise ValueError("answer must be an int digit or a string")
        if answer is not None and outcome != "answered":
            raise ValueError("only an answered call has an answer")
        self.outcomes[phone] = Outcome(outcome, answer)

    async def moderate(
        self,
        *,
        account: bool | None = None,
        record: int | None = None,
        status: Literal["approved", "rejected"] | None = None,
        comment: str | None = None,
    ) -> list[int]:
        """Put the account under moderation or lift it (``account``) and/or give a record's
        verdict; start the calls it no longer blocks and return their ids."""
        if account is None and record is None:
            raise ValueError("give account and/or record")
        if record is not None:
            if status not in VERDICTS:
                raise ValueError(f"status must be one of {sorted(VERDICTS)}")
            if record not in self.records:
                raise ValueError(f"no record {record}")
        if account is not None:
            self.account_moderation = account
        if record is not None:
            found = self.records[record]
            found.status = cast(RecordStatus, status)
            found.moderator_comment = comment
        released = []
        for call in list(self.calls.values()):
            if self._held(call) and not self._blocked(call):
                self._start(call)
                released.append(call.id)
        return released

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - fixed public API
        """Return once every running call and pending webhook resend has finished; calls
        waiting for their plannedAt or for moderation do not count."""
        await self._background.wait_idle(timeout)

    async def aclose(self) -> None:
        """Stop every call and resend; close the HTTP client if the simulator made it."""
        await self._cancel_all()
        if self._owns_http:
            await self._http.aclose()

    # -- the vendor's endpoints ----------------------------------------------------------

    def _api(self, handler: Handler, *, multipart: bool = False) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                body = await read_body(request, multipart=multipart)
            except BadBody as exc:
                return _error(400, str(exc))
            key = body.get("apiKey", request.query_params.get("apiKey"))
            if not isinstance(key, str) or not hmac.compare_digest(
                key.encode(), self._api_key.encode()
            ):
                return _error(401, "Invalid apiKey")
            try:
                data = await handler(body, request)
            except Invalid as exc:
                return _error(422, exc.message, errors=exc.errors)
            except _Refused as exc:
                return _error(200, str(exc))
            return JSONResponse({"status": "success", "data": data})

        return endpoint

    async def _create(self, body: dict[str, Any], request: Request) -> object:
        codes = {str(lang.get("defaultLangCode")) for lang in self.languages}
        checked = rules.check_create(body, max_phones=self.max_phones, lang_codes=codes)
        self._check_balance()
        known = [p["phone"] for p in self.phones]
        if checked.outgoing_phone is None and not known:
            raise _Refused("Нет доступных дежурных номеров")
        if checked.outgoing_phone is not None and checked.outgoing_phone not in known:
            raise _Refused("Номер не подтверждён")
        for record_id in checked.record_ids():
            self._live_record(record_id)
        # The page: recordCost is "the total cost of the records made in this request",
        # so every call of the request reports the same sum, paid once.
        cost = round(TTS_COST * checked.generated_texts(), 2)
        self._spend(cost)
        replies = []
        for phone in checked.phones:
            call = SimApiCall(
                id=next(self._call_ids),
                phone=phone,
                outgoing_phone=checked.outgoing_phone or random.choice(known),
                created_at=_now(),
                planned_at=checked.planned_at,
                smart_delay=checked.smart_delay,
                need_recording=checked.need_recording,
                webhook_url=checked.webhook_url,
                webhook_parameters=checked.webhook_parameters,
                webhook_fields=checked.webhook_fields,
                webhook_headers=checked.webhook_headers,
                record_id=checked.record.id,
                record_text=checked.record.text,
                ivrs=checked.ivrs,
                ivr_ids=tuple(next(self._ivr_ids) for _ in checked.ivrs),
            )
            self.calls[call.id] = call
            self._schedule(call)
            replies.append(
                {
                    "id": call.id,
                    "createdAt": call.created_at,
                    "plannedAt": call.planned_at,
                    "smartDelay": call.smart_delay,
                    "needRecording": call.need_recording,
                    "phone": phone,
                    "recordCost": cost,
                }
            )
        return replies[0] if checked.single else replies

    async def _create_with_template(self, body: dict[str, Any], request: Request) -> object:
        checked = rules.check_template_call(body, max_phones=self.max_phones)
        self._check_balance()
        template = self.templates.get(checked.template_id)
        if template is None:
            raise _Refused("Шаблон не найден")
        if template.get("status") != "moderated":
            raise _Refused("Шаблон не прошёл модерацию")
        replies = []
        for phone in checked.phones:
            names = checked.variables.get(phone, {})
            text = str(template.get("recordText", ""))
            for name, value in names.items():
                text = text.replace(f"{{{name}}}", value)
            call = SimApiCall(
                id=next(self._call_ids),
                phone=phone,
                outgoing_phone=str(template.get("outgoingPhone", "")),
                created_at=_now(),
                planned_at=checked.planned_at,
                webhook_url=template.get("webhookUrl"),
                record_text=text,
                template_id=checked.template_id,
                # PHP's json_encode: compact, non-ASCII escaped.
                phone_info=json.dumps(names, separators=(",", ":")),
            )
            self.calls[call.id] = call
            self._schedule(call)
            replies.append(
                {
                    "id": call.id,
                    "phone": phone,
                    "templateId": call.template_id,
                    "phoneInfo": call.phone_info,
                    "createdAt": call.created_at,
                    "plannedAt": call.planned_at,
                }
            )
        return replies

    async def _get(self, body: dict[str, Any], request: Request, *, templates: bool) -> object:
        source: Mapping[str, Any] = body
        if "apiCallIdList" not in body:
            # The page's PHP example puts the ids in the query string: apiCallIdList[]=1.
            listed = [
                value
                for key, value in request.query_params.multi_items()
                if key == "apiCallIdList" or key.startswith("apiCallIdList[")
            ]
            source = {"apiCallIdList": listed}
        ids = rules.check_call_ids(source)
        found = [self.calls.get(i) for i in ids]
        return [
            call.to_json()
            for call in found
            if call is not None and (call.template_id is not None) == templates
        ]

    async def _update(self, body: dict[str, Any], request: Request) -> object:
        moved = []
        for call_id, planned_at in rules.check_update(body):
            call = self.calls.get(call_id)
            if call is None or call.status != "created":
                continue
            call.planned_at, call.updated_at = planned_at, _now()
            self._schedule(call)
            moved.append(call_id)
        return {"callIdList": moved}

    async def _remove(self, body: dict[str, Any], request: Request) -> object:
        checked = rules.check_remove(body)
        removed = []
        for call_id in checked.ids:
            call = self.calls.get(call_id)
            # The page: a template call is removed only with isTemplate; the reverse is
            # taken to hold too, so an id names one kind of call.
            if (
                call is None
                or call.status != "created"
                or (call.template_id is not None) != checked.is_template
            ):
                continue
            self._unschedule(call_id)
            del self.calls[call_id]
            removed.append(call_id)
        if checked.single:
            if not removed:
                raise _Refused("Звонок не найден или уже запущен")
            return []
        return {"callIdList": removed}

    async def _create_record(self, body: dict[str, Any], request: Request) -> object:
        checked = rules.check_new_record(body)
        cost = TTS_COST if checked.source == "text" else 0.0
        if cost:
            self._check_balance()
        self._spend(cost)
        record = SimRecord(
            id=next(self._record_ids),
            name=checked.name,
            source=cast(Literal["text", "file"], checked.source),
            created_at=_now(),
            need_moderation=self.record_moderation,
            status="moderation" if self.record_moderation else "approved",
            text=checked.text,
            cost=cost,
            file_name=checked.file.filename if checked.file else None,
        )
        self.records[record.id] = record
        return record.to_json()

    async def _remove_record(self, body: dict[str, Any], request: Request) -> object:
        records = [self._live_record(i) for i in rules.check_record_ids(body)]
        now = _now()
        for record in records:
            record.deleted_at = now
        shown = [r.removed_json() for r in records]
        return shown[0] if len(shown) == 1 else shown

    async def _user_info(self, body: dict[str, Any], request: Request) -> object:
        return {"id": self.user_id, "balance": self.balance}

    async def _get_phones(self, body: dict[str, Any], request: Request) -> object:
        every = self._flag(body, "all")
        return [dict(p) for p in self.phones if every or p.get("overall") == 0]

    async def _get_languages(self, body: dict[str, Any], request: Request) -> object:
        return [dict(lang) for lang in self.languages]

    async def _get_templates(self, body: dict[str, Any], request: Request) -> object:
        moderated_only = self._flag(body, "onlyModerated")
        return [
            dict(t)
            for t in self.templates.values()
            if not moderated_only or t.get("status") == "moderated"
        ]

    async def _confirm_phone(self, body: dict[str, Any], request: Request) -> object:
        phone, pin = rules.check_confirm_phone(body)
        self.verifications.append({"phone": phone, "pin": pin})
        return "done"

    @staticmethod
    def _flag(body: Mapping[str, Any], name: str) -> bool:
        fields = rules.Fields()
        flag = fields.flag(body, name)
        fields.done()
        return flag == 1

    def _check_balance(self) -> None:
        if self.balance <= 0:
            raise _Refused(NO_MONEY)

    def _spend(self, amount: float) -> None:
        # Rounded to kopecks so that repeated 0.40s do not drift.
        self.balance = round(self.balance - amount, 2)

    def _live_record(self, record_id: int) -> SimRecord:
        record = self.records.get(record_id)
        if record is None or record.deleted_at is not None:
            raise _Refused(NO_RECORD)
        return record

    # -- calls ---------------------------------------------------------------------------

    def _blocked(self, call: SimApiCall) -> bool:
        """Whether moderation keeps the call from starting (the page: "calls will not
        start" until it is lifted for the account or for the records sent)."""
        if call.template_id is not None:
            return False  # its template passed moderation already
        if call.record_text is not None:
            return self.account_moderation
        record = self.records.get(call.record_id) if call.record_id is not None else None
        return record is not None and record.need_moderation and record.status != "approved"

    def _held(self, call: SimApiCall) -> bool:
        """A created call that is due but was blocked when it came due."""
        return (
            call.status == "created"
            and call.id not in self._timers
            and call.id not in self._scripts
        )

    def _schedule(self, call: SimApiCall) -> None:
        """(Re)start the call's wait for its plannedAt, then its script."""
        self._unschedule(call.id)
        delay = (call.planned_at or 0) - time.time()
        if delay > 0:
            loop = asyncio.get_running_loop()
            self._timers[call.id] = loop.call_later(delay, self._due, call.id)
        elif not self._blocked(call):
            self._start(call)

    def _unschedule(self, call_id: int) -> None:
        # Only ever done to a call still "created": its script has posted nothing yet.
        if (timer := self._timers.pop(call_id, None)) is not None:
            timer.cancel()
        if (script := self._scripts.pop(call_id, None)) is not None:
            script.cancel()

    def _due(self, call_id: int) -> None:
        self._timers.pop(call_id, None)
        call = self.calls.get(call_id)
        if call is not None and not self._blocked(call):
            self._start(call)

    def _start(self, call: SimApiCall) -> None:
        script = self._background.spawn(self._play(call))
        self._scripts[call.id] = script
        script.add_done_callback(functools.partial(self._forget_script, call.id))

    def _forget_script(self, call_id: int, script: asyncio.Task[None]) -> None:
        if self._scripts.get(call_id) is script:  # not a newer one that replaced it
            del self._scripts[call_id]

    async def _play(self, call: SimApiCall) -> None:
        await self._step()
        await self._change(call, "processed")
        await self._step()
        call.started_at = _now()
        await self._change(call, "started")
        await self._step()
        outcome = self.outcomes.get(call.phone, Outcome())
        if outcome.result != "answered":
            call.finished_at, call.hangup_cause = _now(), HANGUP_CAUSES[outcome.result]
            await self._change(call, "canceled")
            return
        call.answered_at = _now()
        await self._change(call, "answered")
        await self._step()
        if outcome.answer is not None:
            await self._hear(call, outcome.answer)
        call.finished_at, call.hangup_cause = _now(), NORMAL_CLEARING
        call.cost = CALL_COST
        self._spend(CALL_COST)
        if call.need_recording:
            call.record_file_path = f"{FILES_BASE}/{call.id}.mp3"
        await self._change(call, "finished")

    async def _hear(self, call: SimApiCall, answer: int | str) -> None:
        """The subscriber's IVR answer: recorded, and acted on by the node it goes to."""
        call.ivr_answers, call.updated_at = str(answer), _now()
        if isinstance(answer, int):
            call.ivr_digit = answer
        picked = rules.pick_node(call.ivrs, answer)
        if picked is None:
            return
        index, node = picked
        call.ivr_id_list = [call.ivr_ids[index]]
        call.to_block = call.to_block or node.need_block
        if node.manager_phone is not None:
            call.manager_started_at = call.manager_answered_at = _now()
            call.manager_status = "answered"
        if node.webhook_url is not None:
            body = {"call": {"phone": call.phone, "answer": answer}}
            # The vendor's own keys win over a parameter of the same name.
            body.update({k: v for k, v in node.webhook_parameters.items() if k != "call"})
            headers = _headers(node.webhook_headers)
            await self._deliver(_Hook("ivr", call, node.webhook_url, body, headers))

    async def _change(self, call: SimApiCall, status: CallStatus) -> None:
        call.status, call.updated_at = status, _now()
        if call.webhook_url is None:
            return
        body = call.to_json()
        body.update({k: v for k, v in call.webhook_fields.items() if k not in body})
        headers = _headers(call.webhook_headers)
        await self._deliver(_Hook("status", call, call.webhook_url, body, headers))

    async def _deliver(self, hook: _Hook) -> None:
        """The first try now, so a call's webhooks go out in order; resends later."""
        if not await self._try(hook, 1):
            self._background.spawn(self._resend(hook))

    async def _resend(self, hook: _Hook) -> None:
        for try_number in range(2, MAX_TRIES + 1):
            await asyncio.sleep(self.resend_delay)
            if await self._try(hook, try_number):
                return

    async def _try(self, hook: _Hook, try_number: int) -> bool:
        body = dict(hook.body)
        if hook.kind == "status":
            body["webhookTry"] = hook.call.webhook_try = try_number
        code: int | None = None
        error: str | None = None
        try:
            code = (await self._http.post(hook.url, json=body, headers=hook.headers)).status_code
        except Exception as exc:  # a broken receiver must not stop the call
            error = f"{type(exc).__name__}: {exc}"
        self.deliveries.append(
            Delivery(hook.kind, hook.call.id, hook.url, body, hook.headers, code, error, try_number)
        )
        delivered = code == 200
        if delivered and hook.kind == "status":
            hook.call.webhook_sent = True
        return delivered

    async def _step(self) -> None:
        await asyncio.sleep(self.step_delay)

    # -- bookkeeping ---------------------------------------------------------------------

    async def _cancel_all(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await self._background.cancel_all()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await self._cancel_all()

    # -- control endpoints (ours, not Zvonobot's) ----------------------------------------

    async def _sim_outcome(self, request: Request) -> Response:
        try:
            body = await read_body(request, multipart=False)
            phone, outcome = body.get("phone"), body.get("outcome")
            if not isinstance(phone, str) or outcome not in OUTCOMES:
                raise ValueError(f"give a phone and an outcome of {sorted(OUTCOMES)}")
            self.set_outcome(phone, cast(OutcomeName, outcome), body.get("answer"))
        except (BadBody, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"phone": body["phone"], "outcome": body["outcome"]})

    async def _sim_moderation(self, request: Request) -> Response:
        try:
            body = await read_body(request, multipart=False)
            account, record = body.get("account"), body.get("record")
            if account is not None and not isinstance(account, bool):
                raise ValueError("account must be true or false")
            if record is not None and (isinstance(record, bool) or not isinstance(record, int)):
                raise ValueError("record must be an id")
            comment = body.get("comment")
            if comment is not None and not isinstance(comment, str):
                raise ValueError("comment must be a string")
            started = await self.moderate(
                account=account, record=record, status=body.get("status"), comment=comment
            )
        except (BadBody, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"started": started})

    async def _sim_state(self, request: Request) -> Response:
        return JSONResponse(
            {
                "balance": self.balance,
                "account_moderation": self.account_moderation,
                "calls": dict(collections.Counter(c.status for c in self.calls.values())),
                "records": [
                    {"id": r.id, "name": r.name, "status": r.status, "deleted": bool(r.deleted_at)}
                    for r in self.records.values()
                ],
                "deliveries": len(self.deliveries),
                "requests": dict(self.requests),
            }
        )


def _headers(extra: Mapping[str, str]) -> dict[str, str]:
    """A webhook's headers: the caller's, but the body is JSON whatever they say."""
    headers = {k: v for k, v in extra.items() if k.lower() != "content-type"}
    return {"Content-Type": "application/json", **headers}
