"""Twin24's webhooks into call signals (pure). The payloads are undocumented: the shapes
here are the simulator's (our assumption) and the variants a tolerant reader should take."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.providers.twin24.mapping import call_signals, ended_status, fields

RECEIVED = datetime(2024, 6, 3, 18, 0, 30, tzinfo=UTC)
CALL = "5f0c8a7e-1d2b-4c3a-9e8f-7a6b5c4d3e2f"
RECORD = "https://twin24-sim.invalid/records/5f0c.mp3"
INCOMING = {
    "callId": CALL,
    "number": "71234567001",
    "caller": "79123456789",
    "name": "Линия 1",
    "date": "2024-06-03T21:00:00+03:00",
}


def signals(body: dict[str, Any]) -> list[CallSignal]:
    return call_signals(body, received_at=RECEIVED, region="RU")


def only(body: dict[str, Any]) -> CallSignal:
    (signal,) = signals(body)
    return signal


# --- the incoming-call hook ----------------------------------------------------------------


def test_the_incoming_call_hook_is_an_inbound_call_ringing() -> None:
    signal = only(INCOMING)
    assert signal.refs == (CALL,)
    assert signal.kind is CallEventKind.RINGING
    assert signal.status is CallStatus.RINGING
    assert signal.direction is CallDirection.INBOUND
    assert signal.from_number == "+79123456789"
    assert signal.to_number == "+71234567001"
    assert signal.occurred_at == datetime(2024, 6, 3, 18, 0, tzinfo=UTC)
    assert signal.raw == INCOMING


@pytest.mark.parametrize("event", ["INCOMING_CALL", "CALL_INCOMING", "incoming-call"])
def test_an_incoming_event_type_is_the_same_hook(event: str) -> None:
    assert only({**INCOMING, "type": event}).kind is CallEventKind.RINGING


def test_its_second_delivery_with_the_recording_is_recording_ready() -> None:
    signal = only({**INCOMING, "recordPath": RECORD, "duration": 42})
    assert signal.refs == (CALL,)
    assert signal.kind is CallEventKind.RECORDING_READY
    assert signal.status is None
    assert signal.recording_url == RECORD
    assert signal.duration_seconds == 42


@pytest.mark.parametrize(
    "recording",
    [
        {"recordUrl": RECORD},
        {"record_url": RECORD},
        {"record": RECORD},
        {"recording": {"url": RECORD}},
        {"recordingUrl": f"  {RECORD} "},
    ],
)
def test_the_recording_under_any_usual_name(recording: dict[str, Any]) -> None:
    assert only({**INCOMING, **recording}).recording_url == RECORD


def test_a_record_flag_is_not_a_recording() -> None:
    assert only({**INCOMING, "record": True}).kind is CallEventKind.RINGING


# --- typed events ----------------------------------------------------------------------------


def test_call_redirected_is_answered() -> None:
    signal = only(
        {"type": "CALL_REDIRECTED", "callId": CALL, "botId": "b-1", "timestamp": 1717426845}
    )
    assert signal.kind is CallEventKind.ANSWERED
    assert signal.status is CallStatus.IN_PROGRESS
    assert signal.direction is CallDirection.INBOUND
    assert signal.occurred_at == datetime.fromtimestamp(1717426845, UTC)


def test_call_ended_after_talking_is_completed() -> None:
    signal = only({"type": "CALL_ENDED", "callId": CALL, "status": "answered", "duration": 37})
    assert signal.kind is CallEventKind.COMPLETED
    assert signal.status is CallStatus.COMPLETED
    assert signal.duration_seconds == 37


def test_call_ended_with_a_duration_and_no_word_is_completed() -> None:
    assert only({"event": "CALL_ENDED", "call_id": CALL, "billsec": "12"}).status is (
        CallStatus.COMPLETED
    )


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("no_answer", CallStatus.NO_ANSWER),
        ("NOANSWER", CallStatus.NO_ANSWER),
        ("unanswered", CallStatus.NO_ANSWER),
        ("missed", CallStatus.NO_ANSWER),
        ("busy", CallStatus.BUSY),
        ("USER_BUSY", CallStatus.BUSY),
        ("failed", CallStatus.FAILED),
        # the shared vocabulary (domain.call_outcomes), as While1 and Zvonobot read it
        ("congestion", CallStatus.UNREACHABLE),
        ("unavailable", CallStatus.UNREACHABLE),
        ("rejected", CallStatus.REJECTED),
        ("cancel", CallStatus.CANCELED),
        ("Отклонён", CallStatus.REJECTED),
        ("17", CallStatus.BUSY),  # a Q.850 cause
        ("21", CallStatus.REJECTED),
    ],
)
def test_call_ended_unanswered_fails_by_its_status_word(word: str, status: CallStatus) -> None:
    signal = only({"type": "CALL_ENDED", "callId": CALL, "status": word, "duration": 0})
    assert signal.kind is CallEventKind.FAILED
    assert signal.status is status


def test_a_failure_word_wins_over_ringing_time() -> None:
    # A missed call may report how long it rang: that is not a conversation.
    body = {"type": "CALL_ENDED", "callId": CALL, "result": "no answer", "duration": 25}
    assert only(body).status is CallStatus.NO_ANSWER


def test_call_ended_with_nothing_to_go_on_is_missed() -> None:
    # An incoming call that ended, neither answered nor talked: nobody picked it up.
    assert ended_status(fields({"type": "CALL_ENDED", "callId": CALL})) is CallStatus.NO_ANSWER


def test_an_answered_flag_is_completed() -> None:
    assert ended_status(fields({"answered": "true"})) is CallStatus.COMPLETED


def test_call_ended_with_a_recording_also_announces_it() -> None:
    ended, recording = signals(
        {"type": "CALL_ENDED", "callId": CALL, "duration": 5, "recordUrl": RECORD}
    )
    assert ended.kind is CallEventKind.COMPLETED
    assert recording.kind is CallEventKind.RECORDING_READY
    assert recording.recording_url == RECORD


@pytest.mark.parametrize("event", ["CANDIDATE_CHANGED", "SOMETHING_NEW"])
def test_candidate_changed_and_unknown_types_keep_the_status(event: str) -> None:
    body = {"type": event, "callId": CALL, "candidate": {"id": 7}}
    signal = only(body)
    assert signal.kind is CallEventKind.STATUS_CHANGED
    assert signal.status is None
    assert signal.raw == body


@pytest.mark.parametrize(
    "body",
    [
        {"type": "CALL_ENDED", "status": "answered"},
        {"type": "CALL_ENDED", "callId": "  "},
        {"type": "CALL_ENDED", "callId": {"nested": 1}},
        {},
    ],
)
def test_no_call_id_no_signal(body: dict[str, Any]) -> None:
    assert signals(body) == []


# --- tolerance -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"call_id": CALL},
        {"uuid": CALL},
        {"callUuid": CALL},
        {"CallID": CALL},
        {"id": CALL},
        {"id": "event-1", "callId": CALL},  # a bare id may be the event's: callId first
        {"data": {"callId": CALL}},
        {"event": "CALL_INCOMING", "payload": {"call": {"id": CALL}}},
    ],
)
def test_the_call_id_under_any_usual_name(body: dict[str, Any]) -> None:
    assert only(body).refs == (CALL,)


def test_numeric_ids_and_numbers_become_text() -> None:
    signal = only({"callId": 90210, "from": 79123456789, "to": "8 (495) 123-45-67"})
    assert signal.refs == ("90210",)
    assert signal.from_number == "+79123456789"
    assert signal.to_number == "+74951234567"


@pytest.mark.parametrize(
    ("parties", "caller", "called"),
    [
        ({"from": "79123456789", "to": "71234567001"}, "+79123456789", "+71234567001"),
        (
            {"callerNumber": "79123456789", "calledNumber": "71234567001"},
            "+79123456789",
            "+71234567001",
        ),
        ({"cid": "79123456789", "did": "71234567001"}, "+79123456789", "+71234567001"),
        ({"caller": "anonymous"}, "anonymous", None),
    ],
)
def test_parties_under_any_usual_name(
    parties: dict[str, Any], caller: str | None, called: str | None
) -> None:
    signal = only({"callId": CALL, **parties})
    assert (signal.from_number, signal.to_number) == (caller, called)


def test_a_wrapped_event_reads_its_type_outside_and_call_inside() -> None:
    body = {"event": "CALL_ENDED", "data": {"call_id": CALL, "status": "busy"}}
    assert only(body).status is CallStatus.BUSY


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"timestamp": 1717426800}, datetime(2024, 6, 3, 15, 0, tzinfo=UTC)),
        ({"timestamp": "1717426800"}, datetime(2024, 6, 3, 15, 0, tzinfo=UTC)),
        ({"timestamp": 1717426800123}, datetime(2024, 6, 3, 15, 0, 0, 123000, tzinfo=UTC)),
        ({"date": "2024-06-03T15:00:00Z"}, datetime(2024, 6, 3, 15, 0, tzinfo=UTC)),
        ({"endedAt": "2024-06-03T18:00:00+03:00"}, datetime(2024, 6, 3, 15, 0, tzinfo=UTC)),
        # no zone: Moscow or UTC? Not guessed; when it arrived is used instead
        ({"date": "2024-06-03 18:00:00"}, RECEIVED),
        ({"date": "yesterday"}, RECEIVED),
        ({"timestamp": 0}, RECEIVED),
        ({}, RECEIVED),
    ],
)
def test_event_times_iso_or_unix(when: dict[str, Any], expected: datetime) -> None:
    assert only({"type": "CALL_ENDED", "callId": CALL, **when}).occurred_at == expected


def test_an_ended_call_prefers_its_end_time() -> None:
    body = {
        "type": "CALL_ENDED",
        "callId": CALL,
        "startedAt": 1717426800,
        "endedAt": 1717426860,
    }
    assert only(body).occurred_at == datetime.fromtimestamp(1717426860, UTC)


@pytest.mark.parametrize("duration", ["abc", -5, True, None, {"s": 1}])
def test_a_duration_that_is_not_seconds_is_left_out(duration: Any) -> None:
    assert (
        only({"type": "CALL_REDIRECTED", "callId": CALL, "duration": duration}).duration_seconds
        is None
    )
