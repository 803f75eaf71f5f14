"""While1 -> Callboard: the PBX's event notifications read into call signals (pure).

The PBX calls the event URL its operator configured, `{public_url}/webhooks/{id}?token=...`,
with GET requests (a POSTed form is read the same) carrying `event`, `uniqueid`,
`telephone`, `dnid`, `queue`, `agent`, `fail_reason` and, for calls Callboard placed,
`external_id` (assumed: the page says it is "used for further queries"). It cannot sign
them: the token in the URL is the proof. An event of a shape not understood is still
answered 200 and kept, so the PBX has no reason to send it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callboard.domain.call_outcomes import status_of_words
from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.phones import parse_vendor_phone
from callboard.providers import webhook_body
from callboard.providers.base import WebhookDelivery

__all__ = [
    "EVENTS",
    "TOKEN_PARAM",
    "event_signal",
    "failure_status",
    "read_fields",
    "without_token",
]

TOKEN_PARAM = "token"  # noqa: S105 - the parameter's name, not a secret

# event -> (kind, status, direction). The direction matters only for a call Callboard
# did not place: queue and forward events are customers calling in.
EVENTS: dict[str, tuple[CallEventKind, CallStatus | None, CallDirection]] = {
    "dial_answer": (CallEventKind.ANSWERED, CallStatus.IN_PROGRESS, CallDirection.OUTBOUND),
    "outgoing_end": (CallEventKind.COMPLETED, CallStatus.COMPLETED, CallDirection.OUTBOUND),
    "queue_answer": (CallEventKind.ANSWERED, CallStatus.IN_PROGRESS, CallDirection.INBOUND),
    "queue_answer_end": (CallEventKind.COMPLETED, CallStatus.COMPLETED, CallDirection.INBOUND),
    "call_forward_answer": (
        CallEventKind.ANSWERED,
        CallStatus.IN_PROGRESS,
        CallDirection.INBOUND,
    ),
    "missed_calls": (CallEventKind.FAILED, CallStatus.NO_ANSWER, CallDirection.INBOUND),
}
# `fail_reason` of outgoing_end: Asterisk's dial statuses (BUSY, NOANSWER, CONGESTION,
# CHANUNAVAIL, CANCEL, DONTCALL) or words like them, read with the shared vocabulary
# (domain.call_outcomes); a reason it does not know is FAILED.
# Values a PBX may put in fail_reason of a call that did not fail (assumed).
_NO_FAILURE = frozenset({"", "answer", "answered", "none", "null", "0"})


def read_fields(delivery: WebhookDelivery) -> dict[str, str]:
    """The query's fields, then a POSTed form's (or JSON object's) over them.

    Refuses only a delivery over a bound (400, `webhook_body.UNREADABLE`): a body that
    is neither form nor JSON is kept as `body`.
    """
    try:
        return webhook_body.fields(delivery, text_of=_text)
    except webhook_body.OutOfBounds:
        raise webhook_body.UNREADABLE from None
    except webhook_body.NotFields:
        text = delivery.body.decode("utf-8", errors="replace").strip()
        return {**delivery.query, "body": text}


def without_token(fields: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k != TOKEN_PARAM}


def event_signal(
    fields: Mapping[str, str], *, received_at: datetime, region: str
) -> CallSignal | None:
    """What one event says about its call; None when it names no call."""
    refs = tuple(
        dict.fromkeys(v for v in (_get(fields, "external_id"), _get(fields, "uniqueid")) if v)
    )
    if not refs:
        return None
    event = (_get(fields, "event") or "").lower()
    kind, status, direction = EVENTS.get(event, (CallEventKind.STATUS_CHANGED, None, None))
    # No page names a talk time; a PBX that adds Asterisk's billsec (or a duration) says
    # the call was answered.
    talked = _seconds(_get(fields, "billsec") or _get(fields, "duration"))
    answer_needed = False
    if event == "outgoing_end":
        failed = failure_status(_get(fields, "fail_reason"))
        if failed is not None:
            kind, status = CallEventKind.FAILED, failed
        else:  # COMPLETED only if it was answered: the store knows of a dial_answer
            answer_needed = True
    # `telephone` is the customer; `dnid` the number dialled on our side (the DID a
    # customer called, the line an outgoing call left on).
    customer = parse_vendor_phone(_get(fields, "telephone"), region)
    ours = parse_vendor_phone(_get(fields, "dnid"), region)
    if ours == customer:
        ours = None
    inbound = direction is CallDirection.INBOUND
    return CallSignal(
        refs=refs,
        kind=kind,
        occurred_at=received_at,
        status=status,
        direction=direction,
        from_number=customer if inbound else ours,
        to_number=ours if inbound else customer,
        agent=_get(fields, "agent"),
        duration_seconds=talked,
        raw=without_token(fields),
        answer_needed=answer_needed,
    )


def failure_status(reason: str | None) -> CallStatus | None:
    """The final status an outgoing call's `fail_reason` means; None if it did not fail."""
    word = (reason or "").strip().lower()
    if word in _NO_FAILURE:
        return None
    return status_of_words(word) or CallStatus.FAILED


def _seconds(value: str | None) -> int | None:
    try:
        return max(int(float(value)), 0) if value is not None else None
    except (ValueError, OverflowError):
        return None


def _get(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name)
    return (value.strip() or None) if isinstance(value, str) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
