"""A fake LiraX PBX: its /general command URL, scripted calls, the webhooks it posts back,
the CRM it keeps (contacts, tasks, notes, deals), its black lists, shops, users and their
statuses, the messenger's messages, and the GSM modems' text messages."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import ipaddress
import itertools
import logging
import random
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callboard.providers.lirax.simulator.history import HistoryCall, HistoryDesk
from callboard.providers.simulator_base import Scripts

__all__ = [
    "Delivery",
    "LiraxSimulator",
    "Outcome",
    "SimAgent",
    "SimCall",
    "SimContact",
    "SimDeal",
    "SimMessage",
    "SimModem",
    "SimNote",
    "SimReceivedSms",
    "SimSms",
    "SimTask",
    "SmsOutcome",
]

log = logging.getLogger(__name__)

Outcome = Literal[
    "answered", "busy", "no_answer", "unavailable", "not_allowed", "agent_no_answer", "missed"
]
CallState = Literal["ringing", "accepted", "finished", "killed"]
SmsOutcome = Literal["delivered", "expired"]

OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))
INBOUND_OUTCOMES: frozenset[str] = frozenset({"answered", "missed"})
OUTBOUND_OUTCOMES: frozenset[str] = OUTCOMES - {"missed"}
SMS_OUTCOMES: frozenset[str] = frozenset(get_args(SmsOutcome))

# The page's vocabulary for outgoing calls has no "no answer"; an unanswered
# client looks to the PBX like an unreachable one.
_OUT_STATUS = {
    "busy": "Busy",
    "unavailable": "NotAvailable",
    "not_allowed": "NotAllowed",
    "no_answer": "NotAvailable",
}
RECORDS_BASE = "https://lirax-sim.invalid/records"
SIM_KEYS = '[{"ivr_name":"Sim","ivr_entry":"0","key":"1"}]'

# [0-9] rather than \d: \d would let non-ASCII digits through.
_DIGITS = re.compile(r"[0-9]+")
_PHONE = re.compile(r"[0-9]{5,15}")
_UINT = re.compile(r"[0-9]+")
_HOUR = re.compile(r"[01]?[0-9]|2[0-3]")
_VTIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_VDATE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_MONEY = re.compile(r"[0-9]+\.[0-9]{2}")
_SOUND_URL = re.compile(r"https?://[^\s?#]+\.(mp3|wav)", re.IGNORECASE)
_TASK_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_EMAIL_PART = re.compile(r"[^\s@,]+")
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")
TASK_TYPES = frozenset({"1", "2", "3"})  # Follow-up, meeting, call
DEAL_STATUSES = frozenset({"0", "1", "2"})  # active, won, lost

DEFAULT_AGENTS = {"101": "Anna Petrova", "102": "Boris Ivanov", "103": "Vera Sidorova"}
DEFAULT_STAGES = {1: "New", 2: "Negotiation", 3: "Contract"}
DEFAULT_SHOPS = {1: "Main shop", 2: "Online shop"}
# The staton webhook's vocabulary: 0 went offline, 1 free, above 1 busy "as configured".
DEFAULT_USER_STATUSES = {0: "Offline", 1: "Available", 2: "Busy", 3: "On a break"}
DEFAULT_AGENT_STATUSES = {"101": 1, "102": 2, "103": 0}
DEFAULT_MODEM = "380123456789"  # the page's example provider
# checkSMS's sms_status: 1 handed to the provider, state unknown; 2 handed over, being
# delivered; 3 delivered; 4 delivery time ran out.
SMS_QUEUED, SMS_DELIVERING, SMS_DELIVERED, SMS_EXPIRED = 1, 2, 3, 4


@dataclass(frozen=True)
class Delivery:
    """One webhook the simulator posted, and what came back."""

    cmd: str
    form: dict[str, str]
    status_code: int | None
    body: str
    error: str | None


@dataclass
class SimCall:
    """A call as the simulated PBX sees it."""

    callid: str
    direction: Literal["in", "out"]
    ext: str
    phone: str
    outcome: Outcome
    state: CallState = "ringing"
    started_at: float = dataclasses.field(default_factory=time.time)
    accepted_at: float | None = None
    id_makecall: str | None = None
    id_make2calls: str | None = None
    duration: int | None = None  # set when the call has ended
    recorded: bool = False


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


@dataclass(frozen=True)
class SimAgent:
    """What getUsers tells about an agent beyond ``agents``' extension -> name: its user id
    and whether the account is active."""

    id: int
    active: bool = True


DEFAULT_AGENT_DETAILS = {"101": SimAgent(1), "102": SimAgent(2), "103": SimAgent(3)}


@dataclass(frozen=True)
class SimMessage:
    """A message sendMsg put in agent ``ext``'s messenger; ``ani`` is who it is from."""

    ext: str
    ani: str
    text: str


@dataclass
class SimModem:
    """A GSM modem, known by its phone number (sendSMS's and checkSMS's ``provider``).

    A modem that is not ``connected`` answers 402, as an unknown one does."""

    number: str
    connected: bool = True


@dataclass
class SimSms:
    """A text message sendSMS accepted; ``status`` is what checkSMS answers (1 to 4) and
    ``outcome`` where its script takes it: ``delivered`` ends at 3 with an smsDelivered
    webhook, ``expired`` at 4 with none."""

    id: int
    ext: str
    modem: str
    phone: str
    text: str
    status: int = SMS_QUEUED
    outcome: SmsOutcome = "delivered"


@dataclass(frozen=True)
class SimReceivedSms:
    """A text message that reached modem ``modem`` from ``ani`` (see ``receive_sms``)."""

    id: int
    ani: str
    modem: str
    text: str


class _Invalid(Exception):
    """A command's parameters are wrong: LiraX answers 400 with no body."""


def _check(ok: object) -> None:
    if not ok:
        raise _Invalid


def _is_vdate(value: str) -> bool:
    if value in ("today", "tomorrow"):
        return True
    if not _VDATE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%d.%m.%Y")
    except ValueError:
        return False
    return True


_MAKE2CALLS_OPTIONAL: dict[str, Callable[[str], object]] = {
    "timeout": _UINT.fullmatch,
    "successtime": _UINT.fullmatch,
    "notbefore": _HOUR.fullmatch,
    "notafter": _HOUR.fullmatch,
    "vtime": _VTIME.fullmatch,
    "vdate": _is_vdate,
    "vmoney": _MONEY.fullmatch,
}


def _is_task_date(value: str) -> bool:
    if not _TASK_DATE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def _two_years_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 2)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 2, day=28)


def _digit_list(value: str) -> list[str]:
    """``380123456789,380234567890`` -> its numbers; an empty value means none."""
    items = value.split(",") if value else []
    _check(all(_DIGITS.fullmatch(item) for item in items))
    return items


def _email_list(value: str) -> list[str]:
    items = value.split(",") if value else []
    for item in items:
        local, at, domain = item.partition("@")
        _check(at and _EMAIL_PART.fullmatch(local) and _EMAIL_PART.fullmatch(domain))
    return items


def _black_ip(value: str) -> str:
    """An address for the black list, in its canonical form so that deleting finds it.

    The page's own example sends ``100.111.000.101``: leading zeros in an IPv4 octet are
    read as decimal (``ipaddress`` refuses them outright). IPv6 is accepted, without a
    ``%zone``; networks, host names and surrounding blanks are not.
    """
    if _DOTTED_QUAD.fullmatch(value):
        value = ".".join(str(int(octet)) for octet in value.split("."))
    _check("%" not in value)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise _Invalid from None


def _text(p: Mapping[str, str], name: str) -> str:
    value = p.get(name, "")
    _check(value.strip())
    return value


def _new_callid() -> str:
    return f"{secrets.token_hex(10).upper()}-{random.randint(1000, 9999)}"


class LiraxSimulator:
    """A LiraX PBX in memory: answers makeCall, killCall and make2Calls, and plays each call
    as a script of webhooks posted to ``webhook_url``, one step every ``step_delay`` seconds.

    It also keeps the CRM the page's other commands write to: ``contacts`` (by ``ani``),
    ``tasks``, ``notes`` and ``deals`` (by id), checked against ``agents`` (extension ->
    name) and ``stages`` (id -> title, in funnel order); the black lists ``black_phones``
    and ``black_ips`` (in order of addition); ``shops`` (id -> name); ``user_statuses``
    (status id -> title); ``agent_details`` (extension -> id and active flag, for getUsers);
    ``agent_statuses`` (extension -> current status id, for initStatuses) and the
    ``messages`` sendMsg left; the GSM ``modems`` (number -> modem), the ``sms`` sendSMS
    accepted (by id) and the ``received_sms`` ``receive_sms`` delivered. Tests may read and
    change all of them.

    The page allows "one request in 5 seconds per modem" for sendSMS and checkSMS together:
    one that comes less than ``modem_interval`` seconds (by ``clock``) after the last one the
    modem accepted is refused with 403, and being refused it does not restart the wait.
    """

    # The page's command list marks only these "(POST,GET)"; every other command is POST.
    _GET_COMMANDS = frozenset({"makeCall", "killCall", "addBlackPhone", "addBlackIP"})

    def __init__(
        self,
        *,
        token: str,
        webhook_token: str,
        webhook_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        step_delay: float = 1.0,
        external_number: str = "74950000000",
        modem_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        history_login: str = "api-user",
        history_password: str = "api-password",  # noqa: S107 - a simulator's default
    ) -> None:
        self._token = token
        self._webhook_token = webhook_token
        self.webhook_url = webhook_url
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=5)
        self.step_delay = step_delay
        self.external_number = external_number
        self.deliveries: list[Delivery] = []
        self.calls: dict[str, SimCall] = {}
        self.agents: dict[str, str] = dict(DEFAULT_AGENTS)
        self.stages: dict[int, str] = dict(DEFAULT_STAGES)
        self.contacts: dict[str, SimContact] = {}
        self.tasks: list[SimTask] = []
        self.notes: list[SimNote] = []
        self.deals: dict[int, SimDeal] = {}
        self.black_phones: list[str] = []
        self.black_ips: list[str] = []
        self.shops: dict[int, str] = dict(DEFAULT_SHOPS)
        self.user_statuses: dict[int, str] = dict(DEFAULT_USER_STATUSES)
        self.agent_details: dict[str, SimAgent] = dict(DEFAULT_AGENT_DETAILS)
        self.agent_statuses: dict[str, int] = dict(DEFAULT_AGENT_STATUSES)
        self.messages: list[SimMessage] = []
        self.modems: dict[str, SimModem] = {DEFAULT_MODEM: SimModem(DEFAULT_MODEM)}
        self.sms: dict[int, SimSms] = {}
        self.received_sms: list[SimReceivedSms] = []
        self.modem_interval = modem_interval
        self.clock = clock
        self._modem_last: dict[str, float] = {}
        self._deal_ids = itertools.count(1)
        # One sequence for both directions, so that an id names one message.
        self._sms_ids = itertools.count(1)
        self._next_outcome: Outcome | None = None
        self._next_sms_outcome: SmsOutcome | None = None
        self._background = Scripts("LiraX")
        self._scripts: dict[str, asyncio.Task[None]] = {}
        self._commands: dict[str, Callable[[dict[str, str]], Awaitable[Response]]] = {
            "makeCall": self._make_call,
            "killCall": self._kill_call,
            "make2Calls": self._make_2_calls,
            "checkContact": self._check_contact,
            "createTask": self._create_task,
            "createNote": self._create_note,
            "createDeal": self._create_deal,
            "updateDeal": self._update_deal,
            "getStages": self._get_stages,
            "addBlackPhone": self._add_black_phone,
            "listBlackPhone": self._list_black_phone,
            "delBlackPhone": self._del_black_phone,
            "addBlackIP": self._add_black_ip,
            "listBlackIP": self._list_black_ip,
            "delBlackIP": self._del_black_ip,
            "getShops": self._get_shops,
            "getUserStatuses": self._get_user_statuses,
            "getUsers": self._get_users,
            "initStatuses": self._init_statuses,
            "sendMsg": self._send_msg,
            "sendSMS": self._send_sms,
            "checkSMS": self._check_sms,
        }
        # Past calls for call history besides the ones played here; tests add to it.
        self.history_calls: list[HistoryCall] = []
        self.history = HistoryDesk(
            login=history_login,
            password=history_password,
            calls=self._history,
            clock=clock,
        )
        self.app = Starlette(
            routes=[
                *self.history.routes(),
                Route("/general", self._general, methods=["GET", "POST"]),
                Route("/_sim/inbound", self._sim_inbound, methods=["POST"]),
                Route("/_sim/next-outcome", self._sim_next_outcome, methods=["POST"]),
                Route("/_sim/sms-received", self._sim_sms_received, methods=["POST"]),
                Route("/_sim/next-sms-outcome", self._sim_next_sms_outcome, methods=["POST"]),
                Route("/_sim/state", self._sim_state, methods=["GET"]),
            ],
            lifespan=self._lifespan,
        )

    # -- public controls ---------------------------------------------------------------

    def _history(self) -> list[HistoryCall]:
        """The history: the calls given, and every call played here that has ended."""
        played = [
            HistoryCall(
                call_id=c.callid,
                # the simulated PBX keeps UTC, like a provider's default `timezone`
                started_at=datetime.fromtimestamp(c.started_at, UTC).replace(tzinfo=None),
                ani=self.external_number if c.direction == "out" else c.phone,
                dnis=c.phone if c.direction == "out" else self.external_number,
                outgoing=c.direction == "out",
                connected=bool(c.duration),
                duration=c.duration or 0,
                record=f"{RECORDS_BASE}/{c.callid}.wav" if c.recorded else "",
            )
            for c in self.calls.values()
            if c.duration is not None
        ]
        return [*self.history_calls, *played]

    def set_next_outcome(self, outcome: Outcome) -> None:
        """Make the next makeCall or make2Calls end this way; later ones are answered again."""
        if outcome not in OUTBOUND_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTBOUND_OUTCOMES)}")
        self._next_outcome = outcome

    def set_next_sms_outcome(self, outcome: SmsOutcome) -> None:
        """Make the next SMS sendSMS accepts end this way; later ones are delivered again."""
        if outcome not in SMS_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(SMS_OUTCOMES)}")
        self._next_sms_outcome = outcome

    async def receive_sms(self, ani: str, modem: str, text: str) -> int:
        """Let modem ``modem`` receive ``text`` from ``ani``: posts the smsReceived webhook
        after one step; returns the message's id."""
        if not _PHONE.fullmatch(ani):
            raise ValueError("ani must be 5 to 15 digits")
        known = self.modems.get(modem)
        if known is None or not known.connected:
            raise ValueError(f"no connected modem {modem!r}")
        received = SimReceivedSms(next(self._sms_ids), ani, modem, text)
        self.received_sms.append(received)
        self._background.spawn(self._sms_received_script(received))
        return received.id

    async def start_inbound(self, *, phone: str, ext: str, outcome: Outcome = "answered") -> str:
        """Ring extension ``ext`` from ``phone``; returns the callid the webhooks will carry."""
        if not _PHONE.fullmatch(phone):
            raise ValueError("phone must be 5 to 15 digits")
        if not _DIGITS.fullmatch(ext):
            raise ValueError("ext must be digits")
        if outcome not in INBOUND_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(INBOUND_OUTCOMES)}")
        call = self._new_call(direction="in", ext=ext, phone=phone, outcome=outcome)
        self._scripts[call.callid] = self._background.spawn(self._inbound_script(call))
        return call.callid

    async def set_agent_status(self, ext: str, status: int) -> None:
        """Put agent ``ext`` in ``status`` (an id of ``user_statuses``) and post the staton
        webhook the page sends "when the state changes"."""
        if ext not in self.agents:
            raise ValueError(f"no agent {ext!r}")
        if status not in self.user_statuses:
            raise ValueError(f"status must be one of {sorted(self.user_statuses)}")
        self.agent_statuses[ext] = status
        self._background.spawn(self._staton_script([(ext, status)]))

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - fixed public API
        """Return once every running script (and any it started) has finished."""
        await self._background.wait_idle(timeout)

    async def aclose(self) -> None:
        """Cancel running scripts; close the HTTP client if the simulator made it."""
        await self._cancel_all()
        if self._owns_http:
            await self._http.aclose()

    # -- the vendor's command URL ------------------------------------------------------

    async def _general(self, request: Request) -> Response:
        if request.method == "GET":
            params = dict(request.query_params)
        else:
            async with request.form() as form:
                params = {k: v for k, v in form.items() if isinstance(v, str)}
        given = params.get("token", "").encode()
        if not hmac.compare_digest(given, self._token.encode()):
            return Response(status_code=401)
        cmd = params.get("cmd", "")
        command = self._commands.get(cmd)
        if command is None or (request.method == "GET" and cmd not in self._GET_COMMANDS):
            return Response(status_code=400)
        try:
            return await command(params)
        except _Invalid:
            return Response(status_code=400)

    async def _make_call(self, p: dict[str, str]) -> Response:
        _check(_DIGITS.fullmatch(p.get("from", "")))
        _check(_PHONE.fullmatch(p.get("to", "")))
        _check("idshop" not in p or _DIGITS.fullmatch(p["idshop"]))
        call = self._new_call(direction="out", ext=p["from"], phone=p["to"])
        call.id_makecall = secrets.token_hex(6)
        self._scripts[call.callid] = self._background.spawn(self._outbound_script(call))
        return JSONResponse({"id_makecall": call.id_makecall})

    async def _kill_call(self, p: dict[str, str]) -> Response:
        call = self.calls.get(p.get("Call_id", ""))
        if call is None or call.state not in ("ringing", "accepted"):
            raise _Invalid
        self._scripts[call.callid].cancel()
        call.state = "killed"
        self._background.spawn(self._after_kill(call, self._scripts[call.callid]))
        return Response(status_code=200)

    async def _make_2_calls(self, p: dict[str, str]) -> Response:
        _check(_DIGITS.fullmatch(p.get("from", "")))
        _check(_PHONE.fullmatch(p.get("to1", "")))
        to2 = p.get("to2", "")
        _check(_PHONE.fullmatch(to2) or _SOUND_URL.fullmatch(to2))
        for name, valid in _MAKE2CALLS_OPTIONAL.items():
            # An empty value is how form builders say "not set".
            _check(not p.get(name) or valid(p[name]))
        call = self._new_call(direction="out", ext=p["from"], phone=p["to1"])
        call.id_make2calls = secrets.token_hex(6)
        plays_sound = _SOUND_URL.fullmatch(to2) is not None
        self._scripts[call.callid] = self._background.spawn(
            self._make2calls_script(call, plays_sound)
        )
        return JSONResponse({"id_make2calls": call.id_make2calls})

    # -- CRM commands --------------------------------------------------------------------

    async def _check_contact(self, p: dict[str, str]) -> Response:
        ext = self._agent(p)
        ani = p.get("ani", "")
        _check(_PHONE.fullmatch(ani))
        # The table says ``name``, the page's example ``Name``.
        name = p.get("name") or p.get("Name", "")
        _check(name.strip())
        add_phones = _digit_list(p.get("add_phone", ""))
        emails = _email_list(p.get("emails", ""))
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
        text = _text(p, "text")
        raw_date = p.get("date", "")
        _check(_is_task_date(raw_date))
        date = datetime.strptime(raw_date, "%Y-%m-%d %H:%M:%S")
        now = datetime.now(UTC).replace(tzinfo=None)  # the PBX keeps UTC (see _history)
        # The page: "later than the current date and less than two years ahead".
        _check(now < date < _two_years_after(now))
        task_type = p.get("type", "")
        _check(task_type in TASK_TYPES)
        self.tasks.append(SimTask(ext, ani, text, date, int(task_type)))
        return Response(status_code=200)

    async def _create_note(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        self.notes.append(SimNote(ext, ani, _text(p, "text")))
        return Response(status_code=200)

    async def _create_deal(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        name, amount, stage = _text(p, "name"), self._sum(p), self._stage(p)
        deal = SimDeal(next(self._deal_ids), ext, ani, name, amount, stage)
        self.deals[deal.id] = deal
        return JSONResponse({"id_deal": deal.id})

    async def _update_deal(self, p: dict[str, str]) -> Response:
        ext, ani = self._agent(p), self._contact(p)
        id_deal = p.get("id_deal", "")
        _check(_UINT.fullmatch(id_deal) and int(id_deal) in self.deals)
        name, amount, stage = _text(p, "name"), self._sum(p), self._stage(p)
        status = p.get("status", "")
        _check(status in DEAL_STATUSES)
        deal = SimDeal(int(id_deal), ext, ani, name, amount, stage, int(status))
        # The page: 400 also when "the parameters were not updated".
        _check(deal != self.deals[deal.id])
        self.deals[deal.id] = deal
        return Response(status_code=200)

    async def _get_stages(self, p: dict[str, str]) -> Response:
        stages = [{"stage": stage, "title": title} for stage, title in self.stages.items()]
        return JSONResponse({"stages": stages})

    # -- black lists -----------------------------------------------------------------------
    # The page says nothing of adding what is listed already: the add answers 200 and the
    # entry keeps its place. Deleting what is not listed is 400 (the page gives no other
    # answer for it).

    async def _add_black_phone(self, p: dict[str, str]) -> Response:
        phone = self._black_phone(p)
        if phone not in self.black_phones:
            self.black_phones.append(phone)
        return Response(status_code=200)

    async def _list_black_phone(self, p: dict[str, str]) -> Response:
        self._ignored_phone(p)
        return JSONResponse({"blacklist": list(self.black_phones)})

    async def _del_black_phone(self, p: dict[str, str]) -> Response:
        phone = self._black_phone(p)
        _check(phone in self.black_phones)
        self.black_phones.remove(phone)
        return Response(status_code=200)

    async def _add_black_ip(self, p: dict[str, str]) -> Response:
        ip = _black_ip(p.get("IP", ""))
        if ip not in self.black_ips:
            self.black_ips.append(ip)
        return Response(status_code=200)

    async def _list_black_ip(self, p: dict[str, str]) -> Response:
        self._ignored_phone(p)
        return JSONResponse({"blacklist": list(self.black_ips)})

    async def _del_black_ip(self, p: dict[str, str]) -> Response:
        ip = _black_ip(p.get("IP", ""))
        _check(ip in self.black_ips)
        self.black_ips.remove(ip)
        return Response(status_code=200)

    @staticmethod
    def _black_phone(p: Mapping[str, str]) -> str:
        phone = p.get("phone", "")
        _check(_DIGITS.fullmatch(phone))
        return phone

    @staticmethod
    def _ignored_phone(p: Mapping[str, str]) -> None:
        # Both list commands' tables carry a "phone, digits only" row copied from the add
        # command, and their examples send none: it is optional, must be digits when given,
        # and filters nothing.
        _check(not p.get("phone") or _DIGITS.fullmatch(p["phone"]))

    # -- directory commands ------------------------------------------------------------------

    async def _get_shops(self, p: dict[str, str]) -> Response:
        # The page quotes the shop id ("$id_shop") though makeCall's idshop is an integer:
        # the id goes out as a string, as shown.
        shops = [{"id": str(id_shop), "name": name} for id_shop, name in self.shops.items()]
        return JSONResponse({"shops": shops})

    async def _get_user_statuses(self, p: dict[str, str]) -> Response:
        # Quoted on the page ("$status") although staton sends it as an integer.
        statuses = [
            {"status": str(status), "title": title} for status, title in self.user_statuses.items()
        ]
        return JSONResponse({"statuses": statuses})

    async def _get_users(self, p: dict[str, str]) -> Response:
        # As the page's example spells it: an unquoted id, a capitalised "Name" (every other
        # reply says "name"), the extension and "active" as the string "0" or "1".
        users = []
        for ext, name in self.agents.items():
            detail = self._agent_detail(ext)
            active = "1" if detail.active else "0"
            users.append({"id": detail.id, "Name": name, "ext": ext, "active": active})
        return JSONResponse({"users": users})

    async def _init_statuses(self, p: dict[str, str]) -> Response:
        # The page: the current statuses come "through webhooks" -- one staton per agent,
        # after the empty 200. An agent with no status on record is reported offline (0).
        current = [(ext, self.agent_statuses.get(ext, 0)) for ext in self.agents]
        self._background.spawn(self._staton_script(current))
        return Response(status_code=200)

    async def _send_msg(self, p: dict[str, str]) -> Response:
        ext = self._agent(p)
        # The table calls ani the contact's name, the example sends a phone number: any
        # non-blank text is taken, and the contact need not be known.
        ani = _text(p, "ani")
        self.messages.append(SimMessage(ext, ani, _text(p, "text")))
        return Response(status_code=200)

    # -- GSM modem commands ------------------------------------------------------------------
    # A request is checked for its parameters (400) first, then for its modem (402), then
    # for the modem's spacing (403); only one that passes all three counts as the modem's
    # last request.

    async def _send_sms(self, p: dict[str, str]) -> Response:
        ext, modem = self._agent(p), self._provider(p)
        phone = p.get("phone", "")
        _check(_PHONE.fullmatch(phone))
        text = _text(p, "text")
        if refused := self._modem_refusal(modem):
            return refused
        outcome, self._next_sms_outcome = self._next_sms_outcome or "delivered", None
        sms = SimSms(next(self._sms_ids), ext, modem, phone, text, outcome=outcome)
        self.sms[sms.id] = sms
        self._background.spawn(self._sms_script(sms))
        return JSONResponse({"id_sms": sms.id})

    async def _check_sms(self, p: dict[str, str]) -> Response:
        self._agent(p)  # any known agent may ask, not only the sender
        modem = self._provider(p)
        id_sms = p.get("id_sms", "")
        sms = self.sms.get(int(id_sms)) if _UINT.fullmatch(id_sms) else None
        if sms is None or sms.modem != modem:  # an id of another modem is no id here
            raise _Invalid
        if refused := self._modem_refusal(modem):
            return refused
        return JSONResponse({"sms_status": sms.status})

    @staticmethod
    def _provider(p: Mapping[str, str]) -> str:
        modem = p.get("provider", "")
        _check(_DIGITS.fullmatch(modem))
        return modem

    def _modem_refusal(self, number: str) -> Response | None:
        """402 for a modem unknown or not connected, 403 for one asked too soon; None, and
        the modem's wait restarted, when the request may go through."""
        modem = self.modems.get(number)
        if modem is None or not modem.connected:
            return Response(status_code=402)
        now = self.clock()
        last = self._modem_last.get(number)
        if last is not None and now - last < self.modem_interval:
            return Response(status_code=403)
        self._modem_last[number] = now
        return None

    def _agent_detail(self, ext: str) -> SimAgent:
        """An agent a test added to ``agents`` alone gets the next free id, active."""
        detail = self.agent_details.get(ext)
        if detail is None:
            next_id = max((d.id for d in self.agent_details.values()), default=0) + 1
            detail = self.agent_details[ext] = SimAgent(next_id)
        return detail

    def _agent(self, p: Mapping[str, str]) -> str:
        ext = p.get("ext", "")
        _check(_DIGITS.fullmatch(ext) and ext in self.agents)
        return ext

    def _contact(self, p: Mapping[str, str]) -> str:
        ani = p.get("ani", "")
        _check(ani in self.contacts)
        return ani

    def _stage(self, p: Mapping[str, str]) -> int:
        stage = p.get("stage", "")
        _check(_UINT.fullmatch(stage) and int(stage) in self.stages)
        return int(stage)

    @staticmethod
    def _sum(p: Mapping[str, str]) -> int:
        amount = p.get("sum", "")
        _check(_UINT.fullmatch(amount))
        return int(amount)

    # -- call scripts --------------------------------------------------------------------

    async def _outbound_script(self, call: SimCall) -> None:
        await self._step()
        agent_answered = call.outcome != "agent_no_answer"
        if not agent_answered:
            call.state = "finished"
        await self._post(
            "makecall_finished",
            id_makecall=call.id_makecall or "",
            Call_id=call.callid if agent_answered else "",  # the page: empty when success=0
            success="1" if agent_answered else "0",
        )
        if not agent_answered:
            return
        await self._step()
        await self._play(call)

    async def _inbound_script(self, call: SimCall) -> None:
        await self._step()
        await self._post(
            "contact", phone=call.phone, callid=call.callid, diversion=self.external_number
        )
        await self._step()
        await self._play(call)

    async def _play(self, call: SimCall) -> None:
        """From the ringing phone to the recording; shared by both directions."""
        await self._event(call, "INCOMING")
        await self._step()
        if call.outcome != "answered":
            status = "Missed" if call.direction == "in" else _OUT_STATUS[call.outcome]
            call.state = "finished"
            await self._hang_up(call, status=status, duration=0, recorded=False)
            return
        call.state = "accepted"
        call.accepted_at = time.time()
        await self._event(call, "ACCEPTED")
        await self._step()
        call.state = "finished"
        # Real durations, not the few milliseconds a test's script lasts.
        await self._hang_up(call, status="Success", duration=random.randint(5, 120), recorded=True)
        await self._step()
        await self._post(
            "record", callid=call.callid, record_link=f"{RECORDS_BASE}/{call.callid}.wav"
        )

    async def _make2calls_script(self, call: SimCall, plays_sound: bool) -> None:
        await self._step()
        call.state = "finished"
        answered = call.outcome == "answered"
        extra = {"keys": SIM_KEYS} if answered and plays_sound else {}
        await self._post_make2calls_finished(call, success=answered, **extra)

    async def _staton_script(self, statuses: list[tuple[str, int]]) -> None:
        await self._step()
        for ext, status in statuses:
            await self._post("staton", ext=ext, status=str(status))

    async def _sms_script(self, sms: SimSms) -> None:
        await self._step()
        sms.status = SMS_DELIVERING
        await self._step()
        if sms.outcome == "expired":
            sms.status = SMS_EXPIRED
            return
        sms.status = SMS_DELIVERED
        await self._post("smsDelivered", id_sms=str(sms.id))

    async def _sms_received_script(self, sms: SimReceivedSms) -> None:
        await self._step()
        # The page's table calls the id ``id``, its example ``id_sms``: both go, alike.
        await self._post(
            "smsReceived",
            ani=sms.ani,
            id=str(sms.id),
            id_sms=str(sms.id),
            provider=sms.modem,
            text=sms.text,
        )

    async def _after_kill(self, call: SimCall, script: asyncio.Task[None]) -> None:
        # Let the cancelled script unwind first so no webhook of it lands after ours.
        await asyncio.wait({script})
        if call.id_make2calls is not None:
            await self._post_make2calls_finished(call, success=False)
            return
        if call.accepted_at is None:
            await self._hang_up(call, status="NotAvailable", duration=0, recorded=False)
        else:
            duration = round(time.time() - call.accepted_at)
            await self._hang_up(call, status="Success", duration=duration, recorded=False)

    async def _hang_up(self, call: SimCall, *, status: str, duration: int, recorded: bool) -> None:
        call.duration, call.recorded = duration, recorded
        fields = {"duration": str(duration), "is_recorded": "1" if recorded else "0"}
        await self._event(call, "COMPLETED", status=status, **fields)
        await self._event(call, "CALL_COMPLETED", status=status, **fields)

    async def _event(self, call: SimCall, event: str, **extra: str) -> None:
        # The page: "ext ... in case of CALL_COMPLETED and type=in, holds the number the
        # call came to" -- the external number, not the agent's extension.
        inbound_end = call.direction == "in" and event == "CALL_COMPLETED"
        await self._post(
            "event",
            type=call.direction,
            event=event,
            phone=call.phone,
            ext=self.external_number if inbound_end else call.ext,
            diversion=self.external_number,
            callid=call.callid,
            **extra,
        )

    async def _post_make2calls_finished(
        self, call: SimCall, *, success: bool, **extra: str
    ) -> None:
        flag = "1" if success else "0"
        await self._post(
            "make2calls_finished",
            id_make2calls=call.id_make2calls or "",
            success=flag,
            duration_success=flag,
            **extra,
        )

    async def _post(self, cmd: str, **fields: str) -> None:
        form = {"cmd": cmd, **fields, "from_LiraX_token": self._webhook_token}
        if self.webhook_url is None:
            self.deliveries.append(Delivery(cmd, form, None, "", "no webhook_url"))
            return
        try:
            response = await self._http.post(self.webhook_url, data=form)
        except Exception as exc:  # a broken receiver must not stop the call
            self.deliveries.append(Delivery(cmd, form, None, "", f"{type(exc).__name__}: {exc}"))
            return
        self.deliveries.append(Delivery(cmd, form, response.status_code, response.text, None))

    async def _step(self) -> None:
        await asyncio.sleep(self.step_delay)

    # -- bookkeeping ---------------------------------------------------------------------

    def _new_call(
        self,
        *,
        direction: Literal["in", "out"],
        ext: str,
        phone: str,
        outcome: Outcome | None = None,
    ) -> SimCall:
        if outcome is None:
            outcome, self._next_outcome = self._next_outcome or "answered", None
        call = SimCall(_new_callid(), direction, ext, phone, outcome)
        self.calls[call.callid] = call
        return call

    async def _cancel_all(self) -> None:
        await self._background.cancel_all()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await self._cancel_all()

    # -- control endpoints (ours, not LiraX's) -------------------------------------------

    async def _sim_inbound(self, request: Request) -> Response:
        try:
            body = await _json_object(request)
            callid = await self.start_inbound(
                phone=_str_field(body, "phone"),
                ext=_str_field(body, "ext"),
                outcome=_outcome(body.get("outcome", "answered")),
            )
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"callid": callid})

    async def _sim_next_outcome(self, request: Request) -> Response:
        try:
            body = await _json_object(request)
            self.set_next_outcome(_outcome(body.get("outcome")))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"outcome": body["outcome"]})

    async def _sim_sms_received(self, request: Request) -> Response:
        try:
            body = await _json_object(request)
            id_sms = await self.receive_sms(
                _str_field(body, "ani"), _str_field(body, "modem"), _str_field(body, "text")
            )
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"id": id_sms})

    async def _sim_next_sms_outcome(self, request: Request) -> Response:
        try:
            body = await _json_object(request)
            self.set_next_sms_outcome(_sms_outcome(body.get("outcome")))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"outcome": body["outcome"]})

    async def _sim_state(self, request: Request) -> Response:
        def shown(d: Delivery) -> dict[str, object]:
            # The state page needs no token, so it must not hand out the receiver's secret.
            form = {k: "***" if k == "from_LiraX_token" else v for k, v in d.form.items()}
            return {**dataclasses.asdict(d), "form": form}

        return JSONResponse(
            {
                "calls": [dataclasses.asdict(c) for c in self.calls.values()],
                "deliveries": [shown(d) for d in self.deliveries],
                "contacts": [dataclasses.asdict(c) for c in self.contacts.values()],
                "tasks": [{**dataclasses.asdict(t), "date": str(t.date)} for t in self.tasks],
                "notes": [dataclasses.asdict(n) for n in self.notes],
                "deals": [dataclasses.asdict(d) for d in self.deals.values()],
                "black_phones": list(self.black_phones),
                "black_ips": list(self.black_ips),
                "agent_statuses": dict(self.agent_statuses),
                "messages": [dataclasses.asdict(m) for m in self.messages],
                "modems": [dataclasses.asdict(m) for m in self.modems.values()],
                "sms": [dataclasses.asdict(s) for s in self.sms.values()],
                "received_sms": [dataclasses.asdict(s) for s in self.received_sms],
            }
        )


async def _json_object(request: Request) -> Mapping[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise ValueError("body must be JSON") from exc
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _str_field(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def _outcome(value: object) -> Outcome:
    if not isinstance(value, str) or value not in OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
    return cast(Outcome, value)


def _sms_outcome(value: object) -> SmsOutcome:
    if not isinstance(value, str) or value not in SMS_OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(SMS_OUTCOMES)}")
    return cast(SmsOutcome, value)
