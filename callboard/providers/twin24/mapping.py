"""Twin24's webhooks and added numbers into Callboard's model (pure: no I/O).

The vendor page documents no webhook payload; NOTES.md names the event types
(CALL_REDIRECTED, CALL_ENDED, CANDIDATE_CHANGED) and says the incoming-call webhook comes
twice per call, the second time with the recording path. Everything else is read
tolerantly: a field under any of its likely names (any case, camel or snake), the call
wrapped in `data`/`call`/`payload` or not, times as ISO or Unix, so a shape we guessed
wrong still yields what it can, and its payload is always kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from callboard.domain.call_outcomes import status_of_cause
from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.directory import PhoneNumber
from callboard.domain.incoming import IncomingNumbersRequest
from callboard.domain.phones import parse_vendor_phone
from callboard.providers.lenient import number
from callboard.providers.twin24.requests import number_raw

__all__ = [
    "INCOMING_EVENTS",
    "added_numbers",
    "call_signals",
    "ended_status",
    "event_type",
    "fields",
    "fingerprint_fields",
]

# Event types that mean "a call is coming in"; the incoming-call hook may also carry none.
INCOMING_EVENTS = frozenset({"", "INCOMING_CALL", "CALL_INCOMING", "INCOMING"})
# Where the call may be wrapped (NestJS-style envelopes put it in `data`).
_WRAPPERS = ("data", "call", "payload", "event")
# Each list: the normalized keys (lower case, no "_"/"-") a field may come under, best
# first. A bare `id` comes after the call-specific names: it may be the event's own id.
_CALL_ID = ("callid", "calluuid", "uuid", "id")
_EVENT = ("type", "event", "eventtype")
_CALLER = ("caller", "from", "callernumber", "cid", "callerid")
_CALLED = ("number", "to", "called", "callednumber", "did")
_RECORDING = ("recordpath", "recordurl", "record", "recording", "recordingurl", "recordlink")
_DURATION = ("duration", "billsec", "durationseconds", "talkduration", "callduration")
_STATUS_WORD = ("status", "result", "reason", "hangupcause", "cause", "disposition", "endreason")
_ANSWERED_FLAG = ("answered", "isanswered")
_TIMES_GENERIC = ("timestamp", "time", "date", "datetime", "eventtime", "createdat")
_TIMES_START = ("startedat", "starttime", "startat")
_TIMES_END = ("endedat", "endtime", "finishedat", "endat")
# Keys a vendor bumps when it resends one delivery; not part of its identity.
_RESEND_KEYS = frozenset({"attempt", "attempts", "try", "retry", "retrycount", "webhooktry"})

# CALL_ENDED's status word, read with the shared vocabulary (domain.call_outcomes): a
# failure it names wins, else these mean the call was answered ("unanswer" is a failure).
_ANSWERED_WORDS = ("answer", "success", "complet", "talk", "ответ", "успеш")


def fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The delivery's fields by normalized key, wrappers opened (outer keys win)."""
    found: dict[str, Any] = {}
    for key, value in body.items():
        if _norm(key) in _WRAPPERS and isinstance(value, Mapping):
            for inner_key, inner in fields(value).items():
                found.setdefault(inner_key, inner)
    for key, value in body.items():
        if not (_norm(key) in _WRAPPERS and isinstance(value, Mapping)):
            found[_norm(key)] = value
    return found


def event_type(found: Mapping[str, Any]) -> str:
    """CALL_ENDED, CALL_REDIRECTED, ...; "" for the incoming-call hook, which has none."""
    value = _first(found, _EVENT)
    text = value if isinstance(value, str) else ""
    return "_".join(text.replace("-", " ").replace(".", " ").split()).upper()


def call_signals(
    body: Mapping[str, Any], *, received_at: datetime, region: str
) -> list[CallSignal]:
    """What one delivery says about its call; nothing when it names no call."""
    found = fields(body)
    call_id = _first(found, _CALL_ID)
    if call_id is None or isinstance(call_id, bool | Mapping | list) or not str(call_id).strip():
        return []
    event = event_type(found)
    recording = _recording(found)
    base = CallSignal(
        refs=(str(call_id).strip(),),
        kind=CallEventKind.STATUS_CHANGED,
        occurred_at=_event_time(found, event) or received_at,
        direction=CallDirection.INBOUND,  # the hooks are those of incoming-number rules
        from_number=_phone(_first(found, _CALLER), region),
        to_number=_phone(_first(found, _CALLED), region),
        duration_seconds=_duration(found),
        raw=dict(body),
    )
    if event in INCOMING_EVENTS:
        if recording is not None:  # the hook's second delivery, after the call
            return [_recording_signal(base, recording)]
        return [dataclasses.replace(base, kind=CallEventKind.RINGING, status=CallStatus.RINGING)]
    if event == "CALL_REDIRECTED":  # the robot (or an operator) took the call
        signals = [
            dataclasses.replace(base, kind=CallEventKind.ANSWERED, status=CallStatus.IN_PROGRESS)
        ]
    elif event == "CALL_ENDED":
        status = ended_status(found)
        kind = CallEventKind.COMPLETED if status is CallStatus.COMPLETED else CallEventKind.FAILED
        signals = [dataclasses.replace(base, kind=kind, status=status)]
    else:  # CANDIDATE_CHANGED and types nobody told us about: kept, status untouched
        signals = [base]
    if recording is not None:
        signals.append(_recording_signal(base, recording))
    return signals


def ended_status(found: Mapping[str, Any]) -> CallStatus:
    """How an ended call ended: the unanswered end its status word (or Q.850 cause) names,
    else COMPLETED when it was answered or lasted, else NO_ANSWER: these hooks are of
    incoming calls, and one that ended without an answer is a missed call."""
    word = _squash(_first(found, _STATUS_WORD))
    failed = status_of_cause(word)
    if failed is not None:
        return failed
    duration = _duration(found)
    if (
        any(part in word for part in _ANSWERED_WORDS)
        or _flag(_first(found, _ANSWERED_FLAG))
        or (duration is not None and duration > 0)
    ):
        return CallStatus.COMPLETED
    return CallStatus.NO_ANSWER


def fingerprint_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The delivery minus what changes between resends of it."""
    return {k: v for k, v in body.items() if _norm(k) not in _RESEND_KEYS}


def added_numbers(
    provider_id: str, request: IncomingNumbersRequest, body: Mapping[str, Any]
) -> list[PhoneNumber]:
    """The numbers the batch added, each with what was sent for it (no password)."""
    client_urls: Sequence[str] = [u.strip() for u in request.webhook_urls]
    return [
        PhoneNumber(
            provider_id=provider_id,
            number=number.number,
            name=body["names"][i],
            number_id=None,  # the batch answers with no body: Twin24 gives no id
            shared=False,
            raw=number_raw(body, i, client_webhook_urls=client_urls),
        )
        for i, number in enumerate(request.numbers)
    ]


def _recording_signal(base: CallSignal, url: str) -> CallSignal:
    return dataclasses.replace(
        base, kind=CallEventKind.RECORDING_READY, status=None, recording_url=url
    )


def _norm(key: Any) -> str:
    return str(key).replace("_", "").replace("-", "").lower()


def _first(found: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = found.get(key)
        if value is not None and value != "":
            return value
    return None


def _phone(value: Any, region: str) -> str | None:
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    return parse_vendor_phone(str(value), region)


def _recording(found: Mapping[str, Any]) -> str | None:
    for key in _RECORDING:
        value = found.get(key)
        if isinstance(value, Mapping):  # {"record": {"url": ...}}
            value = value.get("url") or value.get("path") or value.get("link")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _duration(found: Mapping[str, Any]) -> int | None:
    value = _first(found, _DURATION)
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if seconds >= 0 else None


def _event_time(found: Mapping[str, Any], event: str) -> datetime | None:
    specific = _TIMES_END if event == "CALL_ENDED" else _TIMES_START
    for key in (*specific, *_TIMES_GENERIC):
        moment = _time(found.get(key))
        if moment is not None:
            return moment
    return None


def _time(value: Any) -> datetime | None:
    """Unix seconds (or milliseconds), or ISO 8601 with a zone. An ISO time without one
    is not used: Twin24 may mean Moscow time, and a guess would be hours wrong."""
    if value is None or isinstance(value, bool):
        return None
    seconds = number(value) if isinstance(value, int | float | str) else None
    if seconds is not None:
        if seconds <= 0:
            return None
        if seconds > 1e12:  # milliseconds
            seconds /= 1000
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return value is True or value == 1


def _squash(value: Any) -> str:
    """A status word for matching: lower case, no spaces, "_" or "-"."""
    if value is None or isinstance(value, Mapping | list):
        return ""
    return "".join(c for c in str(value).lower() if c.isalnum())
