"""What each call status means, one vocabulary for every vendor, and the words and
hang-up causes vendors use for the ways a call ends unanswered."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from callboard.domain.calls import Call, CallEventKind, CallSignal, CallStatus

__all__ = ["MEANINGS", "settle", "status_of_cause", "status_of_words", "status_table"]

# The README's status table is generated from this; every vendor mapping follows it.
MEANINGS: dict[CallStatus, str] = {
    CallStatus.QUEUED: "accepted by the vendor, not dialled yet",
    CallStatus.DIALING: (
        "being dialled (a two-leg call: the agent answered, the customer is being dialled)"
    ),
    CallStatus.RINGING: "ringing",
    CallStatus.IN_PROGRESS: "answered, in conversation",
    CallStatus.COMPLETED: "answered, then ended",
    CallStatus.NO_ANSWER: "it rang and nobody answered (missed)",
    CallStatus.BUSY: "the callee's line was busy",
    CallStatus.UNREACHABLE: (
        "the network could not reach the number (unavailable, congestion, switched off, "
        "no such number)"
    ),
    CallStatus.REJECTED: "the callee declined",
    CallStatus.CANCELED: "the calling side gave up or cancelled before an answer",
    CallStatus.FAILED: (
        "the vendor could not or would not place it (a prohibited direction, an error, no funds)"
    ),
}

# Parts of vendors' free-text end reasons (Asterisk dial statuses, Q.850 cause names,
# English and Russian words), squashed to lower-case letters and digits, most specific
# first: "notavailable" must not read as "unavail", "no answer" before anything else.
_WORDS: tuple[tuple[CallStatus, tuple[str, ...]], ...] = (
    (CallStatus.BUSY, ("busy", "занят")),
    (
        CallStatus.NO_ANSWER,
        (
            "unanswer",
            "noanswer",
            "notanswer",
            "nouserresponse",
            "noreply",
            "missed",
            "нетответа",
            "неответ",
            "безответа",
            "пропущ",
        ),
    ),
    (
        CallStatus.UNREACHABLE,
        (
            "congest",
            "unavail",
            "notavailable",
            "unreachable",
            "switchedoff",
            "poweredoff",
            "unallocated",
            "nosuchnumber",
            "invalidnumber",
            "noroute",
            "absent",
            "outoforder",
            "недоступ",
            "выключен",
            "несуществ",
        ),
    ),
    (CallStatus.REJECTED, ("reject", "declin", "dontcall", "отклон", "сброс")),
    (CallStatus.CANCELED, ("cancel", "abandon", "отмен")),
    (
        CallStatus.FAILED,
        (
            "notallowed",
            "prohibit",
            "forbid",
            "nofunds",
            "insufficient",
            "запрещ",
            "fail",
            "error",
            "ошибк",
        ),
    ),
)

# Q.850 cause codes, which telephone switches report as the reason a call cleared.
_CAUSES = {
    17: CallStatus.BUSY,  # user busy
    18: CallStatus.NO_ANSWER,  # no user responding
    19: CallStatus.NO_ANSWER,  # no answer from user (user alerted)
    21: CallStatus.REJECTED,  # call rejected
    1: CallStatus.UNREACHABLE,  # unallocated number
    3: CallStatus.UNREACHABLE,  # no route to destination
    20: CallStatus.UNREACHABLE,  # subscriber absent
    27: CallStatus.UNREACHABLE,  # destination out of order
    28: CallStatus.UNREACHABLE,  # invalid number format
    38: CallStatus.UNREACHABLE,  # network out of order
}

_NOT_LETTERS = re.compile(r"[\W_]+")


def status_of_words(text: Any) -> CallStatus | None:
    """The unanswered end a vendor's reason words name; None when they name none."""
    squashed = _NOT_LETTERS.sub("", str(text or "")).lower()
    if not squashed:
        return None
    for status, parts in _WORDS:
        if any(part in squashed for part in parts):
            return status
    return None


def status_of_cause(cause: Any) -> CallStatus | None:
    """The unanswered end a Q.850 cause (a number or its name) stands for; None if it
    stands for none of them (16, normal clearing, for one)."""
    text = str(cause if cause is not None else "").strip()
    if text.isdigit():
        return _CAUSES.get(int(text))
    return status_of_words(text)


def settle(call: Call, signal: CallSignal) -> CallSignal:
    """The signal with the call's end decided where an end and its answer meet.

    A vendor that says only that the call ended (`answer_needed`: While1's outgoing_end
    without fail_reason) gets COMPLETED for a call that was answered or talked, else
    NO_ANSWER (a FAILED event). And an answer that comes after such an end (deliveries
    overtaking each other) makes the NO_ANSWER call COMPLETED: the one final status that
    may move, because the answer is evidence and the end was a guess without it.
    """
    if signal.kind is CallEventKind.ANSWERED and _ended_unanswered(call):
        return dataclasses.replace(signal, status=CallStatus.COMPLETED)
    if not signal.answer_needed or signal.status is not CallStatus.COMPLETED:
        return signal
    # Not the call's status: a call this signal starts has the signal's own COMPLETED.
    answered = (
        call.answered_at is not None
        or call.status is CallStatus.IN_PROGRESS
        or (signal.duration_seconds or 0) > 0
    )
    if answered:
        return dataclasses.replace(signal, answer_needed=False)
    return dataclasses.replace(
        signal, kind=CallEventKind.FAILED, status=CallStatus.NO_ANSWER, answer_needed=False
    )


def _ended_unanswered(call: Call) -> bool:
    return (
        call.status is CallStatus.NO_ANSWER
        and call.answered_at is None
        and call.ended_at is not None
    )


def status_table() -> str:
    """The README's table of statuses (a test keeps its copy equal)."""
    rows = ["| status | means |", "|---|---|"]
    rows += [f"| `{status.value}` | {MEANINGS[status]} |" for status in CallStatus]
    return "\n".join(rows) + "\n"
