"""Zvonobot's replies and webhooks into Callboard's model (pure: no I/O).

Tolerant by design: the page shows shapes, not a schema, so a field may be missing,
an id may come as a string, one object may come where a list was shown.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from callboard.domain import json_bounds
from callboard.domain.call_outcomes import status_of_cause
from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.directory import AudioRecord, ModerationStatus, PhoneNumber
from callboard.domain.errors import ProviderUnavailable
from callboard.domain.phones import parse_vendor_phone
from callboard.domain.provider_requests import PlacedCall
from callboard.domain.robocalls import Balance, Language, RobocallDetails, RobocallTemplate
from callboard.providers.lenient import number
from callboard.providers.zvonobot.requests import NODE_PARAMETER, REF_PARAMETER

__all__ = [
    "audio_record",
    "balance",
    "call_signals",
    "call_status",
    "details",
    "id_list",
    "items",
    "ivr_signal",
    "languages",
    "numbers",
    "placed_calls",
    "record_cost",
    "ref_link",
    "templates",
]

# Zvonobot's statuses: processed - being processed, created - created, not started,
# started - dialling, answered - in conversation, finished - over and talked,
# canceled - over without a conversation.
_LIVE_STATUS = {
    "created": CallStatus.QUEUED,
    "processed": CallStatus.QUEUED,
    "started": CallStatus.DIALING,
    "answered": CallStatus.IN_PROGRESS,
    "finished": CallStatus.COMPLETED,
}
# "canceled" says only that no conversation took place; the hang-up cause (Q.850, the
# codes telephony switches report) tells why, when Zvonobot gives one.
# Keys that change between resends of one status webhook.
_RESEND_KEYS = frozenset({"webhookTry", "webhookSent", "updatedAt"})


def call_status(
    vendor: Any, *, hangup_cause: Any = None, dialled: bool = True
) -> CallStatus | None:
    """The normalized status for Zvonobot's; None for one the page does not name."""
    name = str(vendor or "").strip().lower()
    if name in _LIVE_STATUS:
        return _LIVE_STATUS[name]
    if name not in ("canceled", "cancelled"):
        return None
    if not dialled:
        return CallStatus.CANCELED  # removed, or given up before it was ever dialled
    return status_of_cause(hangup_cause) or CallStatus.NO_ANSWER


def placed_calls(
    data: Any, *, region: str, outgoing: str | None, ref: str, template_id: int | None = None
) -> list[PlacedCall]:
    """The calls `create` or `createWithTemplate` accepted: one per phone."""
    items = data if isinstance(data, list) else [data]
    placed = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("id") in (None, ""):
            raise ProviderUnavailable("Zvonobot accepted the calls but its reply had no call id.")
        phone = str(item.get("phone") or "")
        raw = dict(item)
        if template_id is not None:
            raw.setdefault("templateId", template_id)
        placed.append(
            PlacedCall(
                provider_call_id=str(item["id"]),
                status=CallStatus.QUEUED,
                direction=CallDirection.OUTBOUND,
                from_number=outgoing,
                to_number=parse_vendor_phone(phone, region) if phone else None,
                raw=raw,
                refs=(ref_link(ref, phone),) if phone else (),
                vendor_times=True,
            )
        )
    return placed


def ref_link(ref: str, phone: Any) -> str:
    """The alias that ties an IVR answer (phone only) to the call of one request."""
    return f"{ref}:{_digits(phone)}"


def call_signals(
    api_call: Mapping[str, Any], *, received_at: datetime, region: str
) -> list[CallSignal]:
    """One apiCall (a `get` item, or the status webhook's body) as signals for its call."""
    call_id = api_call.get("id")
    leg = _last_leg(api_call)
    phone = leg.get("phone") or api_call.get("phone")
    refs: list[str] = [str(call_id)] if call_id not in (None, "") else []
    ref = _parameter(api_call, REF_PARAMETER)
    if ref and phone:
        refs.append(ref_link(ref, phone))
    started, answered = _time(leg.get("startedAt")), _time(leg.get("answeredAt"))
    ended = _time(leg.get("finishedAt"))
    duration = int((ended - answered).total_seconds()) if ended and answered else None
    cost = number(leg.get("cost"))
    if cost is not None and not math.isfinite(cost):
        cost = None
    status = CallSignal(
        refs=tuple(refs),
        kind=CallEventKind.STATUS_CHANGED,
        occurred_at=received_at,
        status=call_status(
            leg.get("status"), hangup_cause=leg.get("hangupCause"), dialled=bool(started)
        ),
        direction=CallDirection.OUTBOUND,
        to_number=parse_vendor_phone(str(phone), region) if phone else None,
        duration_seconds=duration,
        cost=cost,
        # The page: "cost": <the call's cost, rub.>
        currency="RUB" if cost is not None else None,
        raw=dict(api_call),
        exact_times=True,
        started_at=started,
        answered_at=answered,
        ended_at=ended,
    )
    signals = [status]
    if leg.get("recordFilePath"):
        signals.append(
            dataclasses.replace(
                status,
                kind=CallEventKind.RECORDING_READY,
                status=None,
                recording_url=str(leg["recordFilePath"]),
            )
        )
    return signals


def status_fingerprint_fields(api_call: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook minus what changes between resends of the same delivery."""
    kept = {k: v for k, v in api_call.items() if k not in _RESEND_KEYS}
    kept["calls"] = [
        {k: v for k, v in leg.items() if k not in _RESEND_KEYS} for leg in _legs(api_call)
    ]
    return kept


def ivr_signal(body: Mapping[str, Any], *, received_at: datetime, region: str) -> CallSignal:
    """The IVR node webhook: a callee's key or word, tied to its call through our ref."""
    call = body.get("call") if isinstance(body.get("call"), Mapping) else {}
    assert isinstance(call, Mapping)
    phone = call.get("phone")
    ref = _parameter(body, REF_PARAMETER)
    return CallSignal(
        refs=(ref_link(ref, phone),) if ref and phone else (),
        kind=CallEventKind.IVR_INPUT,
        occurred_at=received_at,
        direction=CallDirection.OUTBOUND,
        to_number=parse_vendor_phone(str(phone), region) if phone else None,
        exact_times=True,
        raw={
            **body,
            "answer": call.get("answer"),
            "node": body.get(NODE_PARAMETER),
        },
    )


def details(raw: Mapping[str, Any]) -> RobocallDetails | None:
    """A stored call's last Zvonobot payload, read for the fields the common Call lacks."""
    if not raw:
        return None
    leg = _last_leg(raw)
    answers = leg.get("ivrAnswers")
    digit = leg.get("ivrDigit")
    return RobocallDetails(
        vendor_status=str(leg["status"]) if leg.get("status") else None,
        planned_at=_time(raw.get("plannedAt")),
        ivr_digit=_int(digit),
        ivr_answers=tuple(a for a in str(answers).split("|") if a) if answers else (),
        blocked=_flag(leg.get("toBlock")),
        manager_status=str(leg["managerStatus"]) if leg.get("managerStatus") else None,
        manager_started_at=_time(leg.get("managerStartedAt")),
        manager_answered_at=_time(leg.get("managerAnsweredAt")),
        hangup_cause=str(leg["hangupCause"]) if leg.get("hangupCause") is not None else None,
        cost=number(leg.get("cost")),
        template_id=_int(raw.get("templateId")),
        template_variables=_phone_info(raw.get("phoneInfo")),
        smart_delay=_int(raw.get("smartDelay")),
        previous_call_id=str(raw["prevCallId"]) if raw.get("prevCallId") else None,
        next_call_id=str(leg["nextCallId"]) if leg.get("nextCallId") else None,
    )


def audio_record(provider_id: str, data: Any) -> AudioRecord:
    if not isinstance(data, Mapping) or data.get("id") in (None, ""):
        raise ProviderUnavailable("Zvonobot's audio record reply had no record id.")
    return AudioRecord(
        provider_id=provider_id,
        record_id=str(data["id"]),
        name=data.get("name"),
        moderation_status=moderation(data.get("needModeration"), data.get("status")),
        moderator_comment=data.get("moderatorComment") or None,
        text=data.get("recordText") or None,
        url=data.get("path") or None,
        cost=number(data.get("cost")),
        created_at=_time(data.get("createdAt")),
        deleted_at=_time(data.get("deletedAt")),
        raw=dict(data),
    )


def moderation(need: Any, status: Any) -> ModerationStatus:
    """The page names the fields, not their values: read them leniently."""
    word = str(status or "").lower()
    if any(w in word for w in ("unmoderat", "not moderat", "не ")):
        return ModerationStatus.PENDING
    if any(w in word for w in ("reject", "declin", "отклон")):
        return ModerationStatus.REJECTED
    if any(w in word for w in ("approv", "accept", "moderated", "success", "одобр")):
        return ModerationStatus.APPROVED
    if need in (True, 1, "1", "true"):
        return ModerationStatus.PENDING
    return ModerationStatus.NOT_REQUIRED


def balance(data: Any) -> Balance:
    amount = number(data.get("balance")) if isinstance(data, Mapping) else None
    if amount is None:
        raise ProviderUnavailable("Zvonobot's userInfo reply had no balance.")
    account = data.get("id")
    return Balance(account_id=str(account) if account is not None else None, amount=amount)


def numbers(provider_id: str, data: Any, *, region: str) -> list[PhoneNumber]:
    found = []
    for item in items(data):
        phone = parse_vendor_phone(str(item.get("phone") or ""), region)
        if not phone:
            continue
        overall = item.get("overall")
        found.append(
            PhoneNumber(
                provider_id=provider_id,
                number=phone,
                number_id=str(item["id"]) if item.get("id") is not None else None,
                shared=bool(_int(overall)) if _is_int(overall) else None,
                raw=dict(item),
            )
        )
    return found


def languages(data: Any) -> list[Language]:
    return [
        Language(
            language_id=str(item.get("id", "")),
            name=str(item.get("name") or item.get("defaultLangCode") or ""),
            code=str(item.get("defaultLangCode") or item.get("code") or ""),
        )
        for item in items(data)
    ]


def templates(data: Any) -> list[RobocallTemplate]:
    found = []
    for item in items(data):
        if not _is_int(item.get("id")):
            continue
        status = item.get("status", item.get("isModerated", item.get("moderated")))
        if isinstance(status, bool | int):
            moderated: bool | None = bool(status)
        elif status is None:
            moderated = None
        else:
            moderated = moderation(None, status) is ModerationStatus.APPROVED
        found.append(
            RobocallTemplate(
                template_id=int(item["id"]),
                name=item.get("name") or item.get("title"),
                moderated=moderated,
                text=item.get("recordText") or item.get("text"),
                raw=dict(item),
            )
        )
    return found


def id_list(data: Any) -> list[str]:
    """`update`'s and `remove`'s `{"callIdList": [...]}`."""
    ids = data.get("callIdList") if isinstance(data, Mapping) else data
    return [str(i) for i in ids or () if i is not None] if isinstance(ids, list) else []


def record_cost(item: Mapping[str, Any]) -> float | None:
    return number(item.get("recordCost"))


def items(data: Any) -> list[Mapping[str, Any]]:
    """The objects of a reply that shows a list but may carry one object."""
    if isinstance(data, Mapping):
        data = [data]
    return [i for i in data or () if isinstance(i, Mapping)] if isinstance(data, list) else []


def _legs(api_call: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The apiCall's `calls` (its attempts); one object where a list was shown is one."""
    return items(api_call.get("calls"))


def _last_leg(api_call: Mapping[str, Any]) -> Mapping[str, Any]:
    legs = _legs(api_call)
    return legs[-1] if legs else {}


def _flag(value: Any) -> bool | None:
    """0/1, true/false, "0"/"1", "true"/"false" as the vendor may write them."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no")
    return bool(value)


def _parameter(body: Mapping[str, Any], name: str) -> str | None:
    """One of Callboard's webhook parameters: merged into the body, or in the echoed
    `webhookParameters` JSON string."""
    value = body.get(name)
    if value is None:
        params = body.get("webhookParameters")
        if isinstance(params, str):
            try:
                params = json_bounds.loads(params)
            except json_bounds.JsonOutOfBounds:
                params = None
        if isinstance(params, Mapping):
            value = params.get(name)
    return str(value) if value not in (None, "") else None


def _phone_info(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        try:
            value = json_bounds.loads(value)
        except json_bounds.JsonOutOfBounds:
            return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _time(value: Any) -> datetime | None:
    """Unix seconds (as a number or digits) to an aware UTC time."""
    if value in (None, "", 0, "0") or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _is_int(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    try:
        int(str(value))
    except ValueError:
        return False
    return True


def _int(value: Any) -> int | None:
    return int(str(value)) if _is_int(value) else None


def _digits(value: Any) -> str:
    return "".join(c for c in str(value) if c.isdigit())
