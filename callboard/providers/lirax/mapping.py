"""LiraX fields <-> Callboard's model, as pure functions of plain data.

What the page says, and what is assumed where it is vague:
- `makecall_finished` reports whether the first leg (the agent) picked up; its
  `Call_id` is the outgoing leg, the same id later `event`s carry as `callid`.
- `event` carries no timestamp: the time of receipt is used.
- An `event` COMPLETED/CALL_COMPLETED with a `status` the page does not list ends
  the call as COMPLETED when it lasted, FAILED when it did not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callboard.domain import json_bounds
from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.crm import Deal, DealStatus, Note, Task, TaskType
from callboard.domain.directory import Contact
from callboard.domain.errors import BadInput, ProviderUnavailable
from callboard.domain.pbx import AgentState, AgentStatus
from callboard.domain.phones import digits_only, parse_vendor_phone
from callboard.domain.provider_requests import ConnectPartiesRequest, PlaceCallRequest, PlacedCall
from callboard.domain.sms import SmsSignal, SmsStatus
from callboard.providers.lirax.call_options import LiraxCallOptions

# LiraX documents no reason with its 400; say what the command needed instead.
_REFUSALS = {
    "makeCall": "LiraX refused the call (HTTP 400): check that the agent extension exists "
    "and the number may be dialled.",
    "make2Calls": "LiraX refused to connect the parties (HTTP 400): check the extension, "
    "both numbers or the audio URL, and the time options.",
    "killCall": "LiraX refused to hang up (HTTP 400): the call is unknown to it or has "
    "already ended.",
    "checkContact": "LiraX refused the contact (HTTP 400): check the responsible extension, "
    "the phones and the e-mails.",
    "createTask": "LiraX refused the task (HTTP 400): the contact must exist in LiraX "
    "(upsertContact with this provider first) and the extension must be an agent's.",
    "createNote": "LiraX refused the note (HTTP 400): the contact must exist in LiraX "
    "(upsertContact with this provider first) and the extension must be an agent's.",
    "createDeal": "LiraX refused the deal (HTTP 400): the contact must exist in LiraX and "
    "the stage must be one of its deal stages.",
    "updateDeal": "LiraX refused to update the deal (HTTP 400): the deal or the stage is "
    "unknown to it, or nothing changed.",
    "addBlackPhone": "LiraX refused to black-list the phone (HTTP 400).",
    "delBlackPhone": "LiraX refused to remove the phone from its black list (HTTP 400): "
    "it is probably not listed.",
    "addBlackIP": "LiraX refused to black-list the IP address (HTTP 400).",
    "delBlackIP": "LiraX refused to remove the IP address from its black list (HTTP 400): "
    "it is probably not listed.",
    "sendMsg": "LiraX refused the message (HTTP 400): check the agent's extension.",
    "sendSMS": "LiraX refused the SMS (HTTP 400): check the agent's extension, the modem's "
    "number and the phone.",
    "checkSMS": "LiraX refused the status check (HTTP 400): the SMS is unknown to that modem.",
}

_TASK_TYPES = {TaskType.FOLLOW_UP: "1", TaskType.MEETING: "2", TaskType.CALL: "3"}
_DEAL_STATUSES = {DealStatus.ACTIVE: "0", DealStatus.WON: "1", DealStatus.LOST: "2"}
# "must be later than now and less than two years ahead", the page says of task dates
_TASK_HORIZON = timedelta(days=730)

_EVENT_KINDS = {
    "INCOMING": (CallEventKind.RINGING, CallStatus.RINGING),
    "ACCEPTED": (CallEventKind.ANSWERED, CallStatus.IN_PROGRESS),
    "COMPLETED": (CallEventKind.ENDED, None),
    "CALL_COMPLETED": (CallEventKind.COMPLETED, None),
}

_END_STATUSES = {
    "success": CallStatus.COMPLETED,
    "missed": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "notavailable": CallStatus.UNREACHABLE,
    "notallowed": CallStatus.FAILED,  # "calls to this direction are prohibited"
}

# The key's field: every example says from_LiraX_token (in two casings); the page's
# general section says "token". Both are read, without case, the first preferred.
TOKEN_FIELDS = ("from_lirax_token", "token")

_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_SOUND_URL = re.compile(r"https?://\S+\.(mp3|wav)", re.IGNORECASE)


def agent_status(
    form: Mapping[str, str], *, provider_id: str, received_at: datetime
) -> AgentStatus | None:
    """`staton`: 0 offline, 1 free, above 1 busy (the PBX's own status ids); None if the
    status is not a number."""
    try:
        status = int(form["status"].strip())
    except (KeyError, ValueError):
        return None
    state = (
        AgentState.OFFLINE if status <= 0 else AgentState.FREE if status == 1 else AgentState.BUSY
    )
    return AgentStatus(provider_id, form["ext"].strip(), str(status), state, received_at)


_SMS_STATUSES = {
    "1": SmsStatus.ACCEPTED,
    "2": SmsStatus.SENDING,
    "3": SmsStatus.DELIVERED,
    "4": SmsStatus.EXPIRED,
}


def sms_params(*, modem: str, agent: str, to: str, text: str) -> dict[str, str | None]:
    return {
        **sms_check_params(modem=modem, agent=agent, vendor_id=None),
        "phone": digits_only(to),
        "text": _text(text, "text"),
    }


def sms_check_params(*, modem: str, agent: str, vendor_id: str | None) -> dict[str, str | None]:
    if not agent.strip().isdigit():
        raise BadInput(f"'{agent}' is not a LiraX extension, e.g. 101.", field="agent")
    modem_digits = digits_only(modem.strip()).replace(" ", "")
    if not modem_digits.isdigit():
        raise BadInput("`modem` is the modem's phone number, digits.", field="modem")
    return {"ext": agent.strip(), "provider": modem_digits, "id_sms": vendor_id}


def sms_id(reply: Mapping[str, Any]) -> str:
    value = reply.get("id_sms")
    if value in (None, ""):
        raise ProviderUnavailable("LiraX accepted the SMS but its reply had no `id_sms`.")
    return str(value)


def sms_status(reply: Mapping[str, Any]) -> SmsStatus:
    status = _SMS_STATUSES.get(str(reply.get("sms_status", "")).strip())
    if status is None:
        raise ProviderUnavailable("LiraX answered checkSMS with a status it does not document.")
    return status


def sms_signals(
    form: Mapping[str, str], *, received_at: datetime, region: str
) -> tuple[SmsSignal, ...]:
    """smsDelivered and smsReceived. The smsReceived example sends `id_sms` where its table
    says `id`, and `text>Hello` for `text=Hello`: both are read."""
    cmd = form.get("cmd", "")
    if cmd == "smsDelivered" and form.get("id_sms"):
        return (SmsSignal(form["id_sms"], SmsStatus.DELIVERED, received_at),)
    if cmd == "smsReceived":
        vendor_id = form.get("id") or form.get("id_sms")
        text = form.get("text")
        if text is None:
            text = next((k.split(">", 1)[1] for k in form if k.startswith("text>")), "")
        if not vendor_id:
            return ()
        return (
            SmsSignal(
                vendor_id,
                SmsStatus.RECEIVED,
                received_at,
                modem=form.get("provider"),
                phone=parse_vendor_phone(form.get("ani"), region),
                text=text,
            ),
        )
    return ()


def contact_answer(contact: Contact | None, phone: str) -> bytes:
    """The page's answer to `contact`: the name, and the responsible extension when known.

    An unknown number is answered with the number itself as the name, so the agent sees
    who is calling rather than an empty card.
    """
    if contact is None:
        return json.dumps({"contact_name": phone}, ensure_ascii=False).encode()
    answer: dict[str, Any] = {"contact_name": contact.name}
    if contact.responsible:
        # The page's example gives it as a number. ASCII digits only: "²" is a digit to
        # str.isdigit() but not to int().
        digits = contact.responsible.isascii() and contact.responsible.isdigit()
        answer["responsible"] = int(contact.responsible) if digits else contact.responsible
    return json.dumps(answer, ensure_ascii=False).encode()


def refusal_message(cmd: str) -> str:
    return _REFUSALS.get(cmd, f"LiraX refused {cmd} (HTTP 400): a parameter was wrong.")


def make_call_params(request: PlaceCallRequest) -> dict[str, str | None]:
    shop_id = LiraxCallOptions.from_extra(request.extra).shop_id
    return {
        "from": request.agent,
        "to": digits_only(request.to),
        "idshop": None if shop_id is None else str(shop_id),
    }


def make2calls_params(request: ConnectPartiesRequest) -> dict[str, str | None]:
    def text(value: int | str | None, width: int = 0) -> str | None:
        if value is None:
            return None
        return str(value).zfill(width) if isinstance(value, int) else value

    second = request.second if "://" in request.second else digits_only(request.second)
    return {
        "from": request.agent,
        "to1": digits_only(request.first),
        "to2": second,
        "timeout": text(request.retry_minutes),
        "successtime": text(request.success_after_seconds),
        "notbefore": text(request.not_before_hour, 2),
        "notafter": text(request.not_after_hour, 2),
        "vtime": request.ivr_time,
        "vdate": request.ivr_date,
        "vmoney": None if request.ivr_amount is None else f"{request.ivr_amount:.2f}",
    }


def check_contact_params(contact: Contact) -> dict[str, str | None]:
    if not contact.responsible or not contact.responsible.isdigit():
        raise BadInput(
            "LiraX keeps a contact with its responsible agent: give `responsible`, the "
            "agent's extension (e.g. 101).",
            field="responsible",
        )
    return {
        "ext": contact.responsible,
        "ani": digits_only(contact.phone),
        "name": contact.name,
        "add_phone": ",".join(digits_only(p) for p in contact.additional_phones) or None,
        "emails": ",".join(contact.emails) or None,
    }


def create_task_params(task: Task, *, now: datetime, zone: ZoneInfo) -> dict[str, str | None]:
    if not now < task.due_at < now + _TASK_HORIZON:
        raise BadInput(
            "`dueAt` must be later than now and less than two years ahead (LiraX's rule).",
            field="dueAt",
        )
    return {
        **_about(task.agent, task.phone),
        "text": _text(task.text, "text"),
        # the PBX's own clock: a naive "YYYY-MM-DD HH:MM:SS" in its time zone
        "date": task.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        "type": _TASK_TYPES[task.type],
    }


def create_note_params(note: Note) -> dict[str, str | None]:
    return {**_about(note.agent, note.phone), "text": _text(note.text, "text")}


def deal_params(deal: Deal) -> dict[str, str | None]:
    if deal.amount < 0:
        raise BadInput("`amount` cannot be negative.", field="amount")
    params: dict[str, str | None] = {
        **_about(deal.agent, deal.phone),
        "name": _text(deal.name, "name"),
        "sum": str(deal.amount),
        "stage": str(deal.stage),
    }
    if deal.deal_id is not None:
        params["id_deal"] = deal.deal_id
        params["status"] = _DEAL_STATUSES[deal.status]
    return params


def deal_id(reply: Mapping[str, Any]) -> str:
    value = reply.get("id_deal")
    if value in (None, ""):
        raise ProviderUnavailable("LiraX accepted the deal but its reply had no `id_deal`.")
    return str(value)


def _about(agent: str, phone: str) -> dict[str, str | None]:
    if not agent.strip().isdigit():
        raise BadInput(f"'{agent}' is not a LiraX extension, e.g. 101.", field="agent")
    return {"ext": agent.strip(), "ani": digits_only(phone)}


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise BadInput(f"`{field}` cannot be empty.", field=field)
    return value.strip()


def check_connect_request(request: ConnectPartiesRequest) -> None:
    """The page's formats for make2Calls options, checked before LiraX sees them."""
    for name, value in (
        ("notBeforeHour", request.not_before_hour),
        ("notAfterHour", request.not_after_hour),
    ):
        if value is not None and not 0 <= value <= 23:
            raise BadInput(f"`{name}` is an hour of the day, 0 to 23.", field=name)
    for name, value in (
        ("retryMinutes", request.retry_minutes),
        ("successAfterSeconds", request.success_after_seconds),
    ):
        if value is not None and value < 0:
            raise BadInput(f"`{name}` cannot be negative.", field=name)
    if request.ivr_time is not None and not _HHMM.fullmatch(request.ivr_time):
        raise BadInput("`ivrTime` is written hh:mm, e.g. 14:30.", field="ivrTime")
    if request.ivr_date is not None and not _is_ivr_date(request.ivr_date):
        raise BadInput(
            '`ivrDate` is written dd.mm.YYYY, or is "today" or "tomorrow".', field="ivrDate"
        )
    if request.ivr_amount is not None and not 0 <= request.ivr_amount < 10**12:
        raise BadInput("`ivrAmount` must be a non-negative amount.", field="ivrAmount")
    if "://" in request.second and not _SOUND_URL.fullmatch(request.second):
        raise BadInput(
            "`second` is a phone number, or the http(s) URL of an mp3 or wav file to play.",
            field="second",
        )


def _is_ivr_date(text: str) -> bool:
    if text in ("today", "tomorrow"):
        return True
    try:
        datetime.strptime(text, "%d.%m.%Y")
    except ValueError:
        return False
    return len(text) == 10


def placed_call(reply: Mapping[str, Any], id_field: str, *, agent: str, to: str) -> PlacedCall:
    call_id = reply.get(id_field)
    if call_id in (None, ""):
        raise ProviderUnavailable(f"LiraX accepted the call but its reply had no `{id_field}`.")
    return PlacedCall(
        provider_call_id=str(call_id),
        status=CallStatus.QUEUED,
        direction=CallDirection.OUTBOUND,
        agent=agent,
        to_number=to,
        raw=dict(reply),
    )


def without_token(form: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k.lower() not in TOKEN_FIELDS}


def webhook_signals(
    form: Mapping[str, str], *, received_at: datetime, region: str
) -> tuple[CallSignal, ...]:
    """The call signals one LiraX webhook carries (none for the kinds that are not calls)."""
    raw = without_token(form)
    cmd = form.get("cmd", "")
    if cmd == "event":
        return _event_signals(raw, received_at, region)
    if cmd == "makecall_finished":
        leg = raw.get("Call_id") or None
        answered = raw.get("success") == "1"
        return (
            CallSignal(
                refs=tuple(r for r in (raw["id_makecall"], leg) if r),
                kind=CallEventKind.STATUS_CHANGED if answered else CallEventKind.FAILED,
                # the agent picked up and LiraX now dials the customer, or nobody answered
                status=CallStatus.DIALING if answered else CallStatus.NO_ANSWER,
                occurred_at=received_at,
                direction=CallDirection.OUTBOUND,
                control_id=leg,
                raw=raw,
            ),
        )
    if cmd == "make2calls_finished":
        answered = raw.get("success") == "1"
        return (
            CallSignal(
                refs=(raw["id_make2calls"],),
                kind=CallEventKind.COMPLETED if answered else CallEventKind.FAILED,
                status=CallStatus.COMPLETED if answered else CallStatus.NO_ANSWER,
                occurred_at=received_at,
                direction=CallDirection.OUTBOUND,
                raw=_with_parsed_keys(raw),
            ),
        )
    if cmd == "contact" and raw.get("callid"):
        # LiraX asks who is calling: the call exists from here on, even before its events.
        customer = parse_vendor_phone(raw.get("phone"), region)
        line = parse_vendor_phone(raw.get("diversion"), region)
        outbound = line is not None and line == customer  # the page: equal when outgoing
        return (
            CallSignal(
                refs=(raw["callid"],),
                kind=CallEventKind.STATUS_CHANGED,
                occurred_at=received_at,
                direction=CallDirection.OUTBOUND if outbound else CallDirection.INBOUND,
                from_number=None if outbound else customer,
                to_number=customer if outbound else line,
                control_id=raw["callid"],
                raw=raw,
            ),
        )
    if cmd == "record":
        return (
            CallSignal(
                refs=(raw["callid"],),
                kind=CallEventKind.RECORDING_READY,
                occurred_at=received_at,
                recording_url=raw["record_link"],
                control_id=raw["callid"],
                raw=raw,
            ),
        )
    return ()


def _event_signals(
    raw: dict[str, str], received_at: datetime, region: str
) -> tuple[CallSignal, ...]:
    kind, status = _EVENT_KINDS.get(raw.get("event", "").upper(), (None, None))
    duration = _int(raw.get("duration"))
    if kind in (CallEventKind.ENDED, CallEventKind.COMPLETED):
        status = _END_STATUSES.get(raw.get("status", "").lower())
        if status is None:
            status = CallStatus.COMPLETED if duration else CallStatus.FAILED
    inbound = raw.get("type", "").lower() == "in"
    customer = parse_vendor_phone(raw.get("phone"), region)
    line = parse_vendor_phone(raw.get("diversion"), region)
    agent = raw.get("ext") or None
    if inbound and kind is CallEventKind.COMPLETED:
        # The page: in CALL_COMPLETED of an incoming call, `ext` is the number the call
        # came in on, not an agent.
        line = line or parse_vendor_phone(agent, region)
        agent = None
    base = CallSignal(
        refs=(raw["callid"],),
        kind=kind or CallEventKind.STATUS_CHANGED,
        status=status,
        occurred_at=received_at,
        direction=CallDirection.INBOUND if inbound else CallDirection.OUTBOUND,
        from_number=customer if inbound else line,
        to_number=line if inbound else customer,
        agent=agent,
        duration_seconds=duration,
        control_id=raw["callid"],
        raw=_with_parsed_keys(raw),
    )
    link = raw.get("record_link") or None
    if link is None:
        return (base,)
    recording = CallSignal(
        refs=base.refs,
        kind=CallEventKind.RECORDING_READY,
        occurred_at=received_at,
        recording_url=link,
        raw=base.raw,
    )
    return (base, recording)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def _with_parsed_keys(raw: dict[str, str]) -> dict[str, Any]:
    """`keys` arrives as a JSON string; listeners get it as data when it parses."""
    if "keys" not in raw:
        return raw
    try:
        return {**raw, "keys": json_bounds.loads(raw["keys"])}
    except json_bounds.JsonOutOfBounds:  # not JSON, or nested too deep to be IVR keys
        return raw
