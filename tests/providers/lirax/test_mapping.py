"""LiraX's pure mapping, and the domain rules it leans on, checked against the vendor's page.

The payloads below are the page's own examples (shared/vendor-docs/lirax-api.txt), copied
with their quirks: the `event` table spells the token `From_LiraX_token`, its example
`from_LiraX_token`; the `record` example's callid differs from the `event` one.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callboard.domain.calls import (
    Call,
    CallDirection,
    CallEventKind,
    CallSignal,
    CallStatus,
    apply_signal,
    is_news,
    merge_calls,
    next_status,
)
from callboard.domain.directory import Contact
from callboard.domain.errors import BadInput, ProviderUnavailable
from callboard.domain.phones import digits_only, normalize_phone, parse_vendor_phone
from callboard.domain.provider_requests import ConnectPartiesRequest, PlaceCallRequest, PlacedCall
from callboard.providers.lirax.mapping import (
    check_connect_request,
    contact_answer,
    make2calls_params,
    make_call_params,
    placed_call,
    webhook_signals,
    without_token,
)

T0 = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)
WEBHOOK_TOKEN = "303cb962ac59075b964b07152d234b70"


def page_form(text: str) -> dict[str, str]:
    """One of the page's `name=value` examples, a field a line, as the form it describes."""
    fields: dict[str, str] = {}
    for line in text.strip().splitlines():
        name, _, value = line.strip().partition("=")
        fields[name] = value
    return fields


# --- the page's examples, verbatim ------------------------------------------------------

MAKE2CALLS_PHONES = page_form("""
cmd=make2Calls
from=101
to1=19101234561
to2=19101234567
timeout=60
successtime=30
notbefore=18
notafter=21
token=202cb962ac59075b964b07152d234b70
""")

MAKE2CALLS_SOUND = page_form("""
cmd=make2Calls
from=201
to1=19101234567
to2=https://www.test.mp3/tttt.mp3
timeout=60
successtime=30
notbefore=18
notafter=21
token=202cb962ac59075b964b07152d234b70
""")

EVENT = page_form("""
cmd=event
type=out
event=COMPLETED
phone=19101234567
ext=102
callid=D10D0EB124F4E64AF4EA-1511
duration=124
is_recorded=1
status=Success
record_link=https://link/file.wav
keys=[{"ivr_name":"Test","ivr_entry":"09","key":"4"}]
from_LiraX_token=303cb962ac59075b964b07152d234b70
""")

MAKECALL_FINISHED = page_form("""
cmd=makecall_finished
id_makecall=ef232234feb12
from_LiraX_token=303cb962ac59075b964b07152d234b70
Call_id=b964b07152d
success=1
""")

MAKE2CALLS_FINISHED = page_form("""
cmd=make2calls_finished
id_make2calls=ef232234feb12
from_LiraX_token=303cb962ac59075b964b07152d234b70
success=1
keys=[{"ivr_name":"Test","ivr_entry":"0","key":"9"}, {"ivr_name":"Test","ivr_entry":"09","key":"7"}]
duration_success=0
""")

RECORD = page_form("""
cmd=record
callid=D10D0EB124F4E64AF4EA01511
record_link=https://link/file.wav
from_LiraX_token=303cb962ac59075b964b07152d234b70
""")

STATON = page_form("""
cmd=staton
ext=910
from_LiraX_token=303cb962ac59075b964b07152d234b70
status=1
""")

CONTACT = page_form("""
cmd=contact
phone=19101234567
diversion=12101234567
from_LiraX_token=303cb962ac59075b964b07152d234b70
callid=D12D0EB124F4E64AF4EA-1511
""")

SMS_DELIVERED = page_form("""
cmd=smsDelivered
from_LiraX_token=303cb962ac59075b964b07152d234b70
id_sms=1212
""")


def signals(form: dict[str, str], region: str = "RU") -> tuple[CallSignal, ...]:
    return webhook_signals(form, received_at=T0, region=region)


def event(**changes: str) -> dict[str, str]:
    """The page's `event` example with some fields changed (an empty value drops one)."""
    form = {**EVENT, **changes}
    return {k: v for k, v in form.items() if v != ""}


def the_call_signal(form: dict[str, str], region: str = "RU") -> CallSignal:
    found = [s for s in signals(form, region) if s.kind is not CallEventKind.RECORDING_READY]
    assert len(found) == 1, found
    return found[0]


# --- phones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("8 912 345-67-89", "RU", "+79123456789"),
        ("+7 (912) 345 67 89", "RU", "+79123456789"),
        ("  89123456789 ", "RU", "+79123456789"),
        ("050 123 45 67", "UA", "+380501234567"),
        ("380501234567", "RU", "+380501234567"),  # bare international digits, as CRMs write
        ("+380 50 123 4567", "US", "+380501234567"),
    ],
)
def test_normalize_phone_gives_e164(typed: str, region: str, e164: str) -> None:
    assert normalize_phone(typed, region) == e164


@pytest.mark.parametrize("typed", ["", "   "])
def test_normalize_phone_requires_a_number(typed: str) -> None:
    with pytest.raises(BadInput, match="required") as caught:
        normalize_phone(typed, "RU", field="to")
    assert caught.value.field == "to"


@pytest.mark.parametrize("typed", ["12", "abc", "101", "+7 912 345", "+19101234567"])
def test_normalize_phone_refuses_numbers_that_cannot_exist(typed: str) -> None:
    # +1 910 123-4567 (the page's sample) has an exchange starting with 1: not a real number
    with pytest.raises(BadInput, match="not a valid phone number") as caught:
        normalize_phone(typed, "RU", field="first")
    assert caught.value.field == "first"


def test_normalize_phone_names_the_field_phone_by_default() -> None:
    with pytest.raises(BadInput) as caught:
        normalize_phone("12", "RU")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("sent", "region", "expected"),
    [
        # the page's numbers: bare international digits
        ("19101234567", "RU", "+19101234567"),
        ("12101234567", "RU", "+12101234567"),
        ("380123456789", "RU", "+380123456789"),
        ("380112345678", "UA", "+380112345678"),
        ("+19101234567", "RU", "+19101234567"),
        # national forms, read in the provider's region
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("0501234567", "UA", "+380501234567"),
        (" 79123456789 ", "RU", "+79123456789"),
        # digits that read validly both ways: the national reading wins
        ("84951234567", "RU", "+74951234567"),  # Moscow, not a Vietnamese number
        ("9123456789", "RU", "+79123456789"),
        # not phone numbers: kept as the vendor wrote them, never refused
        ("101", "RU", "101"),
        ("anonymous", "RU", "anonymous"),
        ("38012345679", "RU", "38012345679"),  # the smsReceived sample, a digit short
        (" Unknown ", "RU", "Unknown"),
    ],
)
def test_parse_vendor_phone(sent: str, region: str, expected: str) -> None:
    assert parse_vendor_phone(sent, region) == expected


@pytest.mark.parametrize("sent", [None, "", "   "])
def test_parse_vendor_phone_of_nothing_is_none(sent: str | None) -> None:
    assert parse_vendor_phone(sent, "RU") is None


@pytest.mark.parametrize(
    ("e164", "digits"), [("+19101234567", "19101234567"), ("380501234567", "380501234567")]
)
def test_digits_only_drops_the_plus(e164: str, digits: str) -> None:
    assert digits_only(e164) == digits


# --- call status and folding signals into a call ------------------------------------------


def test_only_live_statuses_are_not_final() -> None:
    live = {s for s in CallStatus if not s.is_final}
    assert live == {
        CallStatus.QUEUED,
        CallStatus.DIALING,
        CallStatus.RINGING,
        CallStatus.IN_PROGRESS,
    }


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        (CallStatus.QUEUED, CallStatus.DIALING, CallStatus.DIALING),
        (CallStatus.DIALING, CallStatus.RINGING, CallStatus.RINGING),
        (CallStatus.RINGING, CallStatus.IN_PROGRESS, CallStatus.IN_PROGRESS),
        (CallStatus.IN_PROGRESS, CallStatus.COMPLETED, CallStatus.COMPLETED),
        (CallStatus.QUEUED, CallStatus.NO_ANSWER, CallStatus.NO_ANSWER),
        # late live reports never pull a call back
        (CallStatus.IN_PROGRESS, CallStatus.RINGING, CallStatus.IN_PROGRESS),
        (CallStatus.RINGING, CallStatus.DIALING, CallStatus.RINGING),
        (CallStatus.DIALING, CallStatus.QUEUED, CallStatus.DIALING),
        (CallStatus.COMPLETED, CallStatus.RINGING, CallStatus.COMPLETED),
        (CallStatus.COMPLETED, CallStatus.IN_PROGRESS, CallStatus.COMPLETED),
        (CallStatus.BUSY, CallStatus.QUEUED, CallStatus.BUSY),
        # a later final report corrects an earlier one (COMPLETED/Missed, then CALL_COMPLETED)
        (CallStatus.NO_ANSWER, CallStatus.COMPLETED, CallStatus.COMPLETED),
        # nothing reported, or the same again
        (CallStatus.RINGING, None, CallStatus.RINGING),
        (CallStatus.COMPLETED, None, CallStatus.COMPLETED),
        (CallStatus.RINGING, CallStatus.RINGING, CallStatus.RINGING),
    ],
)
def test_next_status(
    current: CallStatus, reported: CallStatus | None, expected: CallStatus
) -> None:
    assert next_status(current, reported) is expected


def a_call(**changes: Any) -> Call:
    base = Call(
        id="call-1",
        provider_id="lirax-main",
        direction=CallDirection.OUTBOUND,
        status=CallStatus.QUEUED,
        created_at=T0,
    )
    return dataclasses.replace(base, **changes)


def a_signal(kind: CallEventKind, at: datetime = T0, **changes: Any) -> CallSignal:
    return CallSignal(refs=("D10D0EB124F4E64AF4EA-1511",), kind=kind, occurred_at=at, **changes)


def test_apply_signal_fills_what_the_call_did_not_know() -> None:
    signal = a_signal(
        CallEventKind.RINGING,
        status=CallStatus.RINGING,
        from_number="+12101234567",
        to_number="+19101234567",
        agent="102",
        control_id="D10D0EB124F4E64AF4EA-1511",
        raw={"cmd": "event"},
    )
    call = apply_signal(a_call(), signal)
    assert call.status is CallStatus.RINGING
    assert call.provider_call_id == "D10D0EB124F4E64AF4EA-1511"
    assert (call.from_number, call.to_number, call.agent) == ("+12101234567", "+19101234567", "102")
    assert call.started_at == T0
    assert call.answered_at is None
    assert call.ended_at is None
    assert call.control_id == "D10D0EB124F4E64AF4EA-1511"
    assert call.raw == {"cmd": "event"}
    assert call.phones == ("+12101234567", "+19101234567")


def test_apply_signal_never_forgets_what_the_call_knew() -> None:
    known = a_call(
        provider_call_id="ef232234feb12",
        from_number="+12101234567",
        to_number="+19101234567",
        agent="101",
        started_at=T0,
        recording_url="https://link/file.wav",
        control_id="b964b07152d",
        raw={"cmd": "makecall_finished"},
    )
    later = T0 + timedelta(seconds=5)
    signal = a_signal(
        CallEventKind.STATUS_CHANGED,
        at=later,
        from_number="101",
        to_number="anonymous",
        agent="999",
    )
    call = apply_signal(known, signal)
    assert call.provider_call_id == "ef232234feb12"
    assert (call.from_number, call.to_number, call.agent) == ("+12101234567", "+19101234567", "101")
    assert call.started_at == T0
    assert call.recording_url == "https://link/file.wav"
    assert call.control_id == "b964b07152d"
    assert call.raw == {"cmd": "makecall_finished"}
    assert call.status is CallStatus.QUEUED  # the signal reported no status


def test_a_late_ringing_after_completed_keeps_the_call_completed() -> None:
    answered, ended = T0 + timedelta(seconds=3), T0 + timedelta(seconds=130)
    call = a_call()
    call = apply_signal(call, a_signal(CallEventKind.RINGING, T0, status=CallStatus.RINGING))
    call = apply_signal(
        call, a_signal(CallEventKind.ANSWERED, answered, status=CallStatus.IN_PROGRESS)
    )
    call = apply_signal(
        call,
        a_signal(CallEventKind.ENDED, ended, status=CallStatus.COMPLETED, duration_seconds=124),
    )
    late = apply_signal(
        call,
        a_signal(CallEventKind.RINGING, ended + timedelta(seconds=1), status=CallStatus.RINGING),
    )
    assert late.status is CallStatus.COMPLETED
    assert late.answered_at == answered
    assert late.ended_at == ended
    assert late.duration_seconds == 124


@pytest.mark.parametrize(
    "kind", [CallEventKind.ENDED, CallEventKind.COMPLETED, CallEventKind.FAILED]
)
def test_ending_kinds_set_ended_at_once(kind: CallEventKind) -> None:
    first_end = T0 + timedelta(seconds=60)
    call = apply_signal(a_call(), a_signal(kind, first_end))
    assert call.ended_at == first_end
    again = apply_signal(call, a_signal(CallEventKind.COMPLETED, first_end + timedelta(seconds=9)))
    assert again.ended_at == first_end


@pytest.mark.parametrize(
    "kind",
    [
        CallEventKind.RINGING,
        CallEventKind.STATUS_CHANGED,
        CallEventKind.RECORDING_READY,
        CallEventKind.PLACED,
    ],
)
def test_other_kinds_neither_answer_nor_end_a_call(kind: CallEventKind) -> None:
    call = apply_signal(a_call(), a_signal(kind))
    assert call.answered_at is None
    assert call.ended_at is None


def test_duration_takes_the_latest_report_and_survives_a_signal_without_one() -> None:
    call = apply_signal(a_call(), a_signal(CallEventKind.ENDED, duration_seconds=120))
    call = apply_signal(call, a_signal(CallEventKind.COMPLETED, duration_seconds=124))
    assert call.duration_seconds == 124
    call = apply_signal(
        call, a_signal(CallEventKind.RECORDING_READY, recording_url="https://link/file.wav")
    )
    assert call.duration_seconds == 124
    assert call.recording_url == "https://link/file.wav"


def test_is_news_announces_a_recording_once_per_file() -> None:
    link = "https://link/file.wav"
    fresh = a_call()
    assert is_news(fresh, a_signal(CallEventKind.RECORDING_READY, recording_url=link))
    known = apply_signal(fresh, a_signal(CallEventKind.RECORDING_READY, recording_url=link))
    assert not is_news(known, a_signal(CallEventKind.RECORDING_READY, recording_url=link))
    assert is_news(known, a_signal(CallEventKind.RECORDING_READY, recording_url=link + "?v=2"))
    assert not is_news(fresh, a_signal(CallEventKind.RECORDING_READY))


@pytest.mark.parametrize(
    "kind", [k for k in CallEventKind if k is not CallEventKind.RECORDING_READY]
)
def test_is_news_for_every_other_kind(kind: CallEventKind) -> None:
    call = a_call(status=CallStatus.COMPLETED, recording_url="https://link/file.wav")
    assert is_news(call, a_signal(kind, recording_url="https://link/file.wav"))


def test_merge_calls_primary_wins_other_fills_the_gaps() -> None:
    primary = a_call(
        provider_call_id="ef232234feb12",
        agent="101",
        to_number="+19101234567",
        raw={"id_makecall": "ef232234feb12"},
    )
    other = a_call(
        id="call-2",
        status=CallStatus.COMPLETED,
        created_at=T0 + timedelta(seconds=1),
        provider_call_id="b964b07152d",
        agent="102",
        from_number="+12101234567",
        to_number="+10000000000",
        started_at=T0 + timedelta(seconds=1),
        answered_at=T0 + timedelta(seconds=4),
        ended_at=T0 + timedelta(seconds=128),
        duration_seconds=124,
        recording_url="https://link/file.wav",
        control_id="b964b07152d",
        raw={"callid": "b964b07152d"},
    )
    merged = merge_calls(primary, other)
    assert merged.id == "call-1"
    assert merged.created_at == T0
    assert merged.raw == {"id_makecall": "ef232234feb12"}
    assert merged.provider_call_id == "ef232234feb12"
    assert merged.agent == "101"
    assert merged.to_number == "+19101234567"
    assert merged.from_number == "+12101234567"
    assert merged.started_at == T0 + timedelta(seconds=1)
    assert merged.answered_at == T0 + timedelta(seconds=4)
    assert merged.ended_at == T0 + timedelta(seconds=128)
    assert merged.duration_seconds == 124
    assert merged.recording_url == "https://link/file.wav"
    assert merged.control_id == "b964b07152d"
    assert merged.status is CallStatus.COMPLETED


def test_merge_calls_does_not_regress_the_status() -> None:
    done = a_call(status=CallStatus.COMPLETED)
    assert merge_calls(done, a_call(id="call-2", status=CallStatus.RINGING)).status is (
        CallStatus.COMPLETED
    )
    ringing = a_call(status=CallStatus.IN_PROGRESS)
    assert merge_calls(ringing, a_call(id="call-2", status=CallStatus.DIALING)).status is (
        CallStatus.IN_PROGRESS
    )


# --- commands: makeCall, make2Calls ----------------------------------------------------------


def sent(params: dict[str, str | None]) -> dict[str, str]:
    """What the client puts on the wire: the fields with a value (plus cmd and token)."""
    return {k: v for k, v in params.items() if v is not None}


def without_cmd_and_token(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k not in ("cmd", "token")}


def test_make_call_params_as_on_the_page() -> None:
    params = make_call_params(PlaceCallRequest(agent="101", to="+19101234567"))
    assert params == {"from": "101", "to": "19101234567", "idshop": None}


def test_make_call_params_with_a_shop() -> None:
    params = make_call_params(
        PlaceCallRequest(agent="101", to="+380501234567", extra={"shop_id": 7})
    )
    assert sent(params) == {"from": "101", "to": "380501234567", "idshop": "7"}


def test_make2calls_params_match_the_page_example_with_two_phones() -> None:
    request = ConnectPartiesRequest(
        agent="101",
        first="+19101234561",
        second="+19101234567",
        retry_minutes=60,
        success_after_seconds=30,
        not_before_hour=18,
        not_after_hour=21,
    )
    check_connect_request(request)
    assert sent(make2calls_params(request)) == without_cmd_and_token(MAKE2CALLS_PHONES)


def test_make2calls_params_keep_the_sound_url_as_is() -> None:
    request = ConnectPartiesRequest(
        agent="201",
        first="+19101234567",
        second="https://www.test.mp3/tttt.mp3",
        retry_minutes=60,
        success_after_seconds=30,
        not_before_hour=18,
        not_after_hour=21,
    )
    check_connect_request(request)
    assert sent(make2calls_params(request)) == without_cmd_and_token(MAKE2CALLS_SOUND)


def test_make2calls_params_leave_out_what_was_not_asked() -> None:
    request = ConnectPartiesRequest(agent="101", first="+19101234561", second="+19101234567")
    assert sent(make2calls_params(request)) == {
        "from": "101",
        "to1": "19101234561",
        "to2": "19101234567",
    }


@pytest.mark.parametrize(
    ("hour", "text"), [(0, "00"), (8, "08"), (9, "09"), (20, "20"), (23, "23")]
)
def test_make2calls_hours_are_two_digits(hour: int, text: str) -> None:
    request = ConnectPartiesRequest(
        agent="101",
        first="+19101234561",
        second="+19101234567",
        not_before_hour=hour,
        not_after_hour=hour,
    )
    params = make2calls_params(request)
    assert params["notbefore"] == text
    assert params["notafter"] == text


def test_make2calls_minutes_and_seconds_are_not_padded() -> None:
    request = ConnectPartiesRequest(
        agent="101",
        first="+19101234561",
        second="+19101234567",
        retry_minutes=5,
        success_after_seconds=0,
    )
    params = make2calls_params(request)
    assert (params["timeout"], params["successtime"]) == ("5", "0")


@pytest.mark.parametrize(
    ("amount", "text"),
    [(12.5, "12.50"), (0, "0.00"), (3, "3.00"), (1234.567, "1234.57"), (99.999, "100.00")],
)
def test_make2calls_vmoney_has_two_decimals(amount: float, text: str) -> None:
    request = ConnectPartiesRequest(
        agent="101", first="+19101234561", second="+19101234567", ivr_amount=amount
    )
    assert make2calls_params(request)["vmoney"] == text


def test_make2calls_ivr_time_and_date_go_as_written() -> None:
    request = ConnectPartiesRequest(
        agent="101",
        first="+19101234561",
        second="+19101234567",
        ivr_time="14:30",
        ivr_date="tomorrow",
        ivr_amount=150.0,
    )
    check_connect_request(request)
    params = make2calls_params(request)
    assert (params["vtime"], params["vdate"], params["vmoney"]) == ("14:30", "tomorrow", "150.00")


def connect(**options: Any) -> ConnectPartiesRequest:
    fields: dict[str, Any] = {
        "agent": "101",
        "first": "+19101234561",
        "second": "+19101234567",
        **options,
    }
    return ConnectPartiesRequest(**fields)


@pytest.mark.parametrize(
    "options",
    [
        {"not_before_hour": 0, "not_after_hour": 23},
        {"retry_minutes": 0, "success_after_seconds": 0},
        {"ivr_time": "00:00"},
        {"ivr_time": "23:59"},
        {"ivr_time": "09:05"},
        {"ivr_date": "today"},
        {"ivr_date": "tomorrow"},
        {"ivr_date": "31.12.2024"},
        {"ivr_date": "29.02.2024"},
        {"ivr_amount": 0.0},
        {"ivr_amount": 999_999_999_999.99},
        {"second": "http://cdn.example.com/ivr/hello.WAV"},
        {"second": "https://www.test.mp3/tttt.mp3"},
    ],
)
def test_check_connect_request_accepts_the_pages_formats(options: dict[str, object]) -> None:
    check_connect_request(connect(**options))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"not_before_hour": 24}, "notBeforeHour"),
        ({"not_before_hour": -1}, "notBeforeHour"),
        ({"not_after_hour": 25}, "notAfterHour"),
        ({"not_after_hour": -3}, "notAfterHour"),
        ({"retry_minutes": -1}, "retryMinutes"),
        ({"success_after_seconds": -5}, "successAfterSeconds"),
        ({"ivr_time": "24:00"}, "ivrTime"),
        ({"ivr_time": "9:30"}, "ivrTime"),
        ({"ivr_time": "14:60"}, "ivrTime"),
        ({"ivr_time": "1430"}, "ivrTime"),
        ({"ivr_time": "14:30:00"}, "ivrTime"),
        ({"ivr_time": "14:30\n"}, "ivrTime"),
        ({"ivr_time": ""}, "ivrTime"),
        ({"ivr_date": "2024-12-31"}, "ivrDate"),
        ({"ivr_date": "1.1.2024"}, "ivrDate"),
        ({"ivr_date": "31.02.2024"}, "ivrDate"),
        ({"ivr_date": "29.02.2023"}, "ivrDate"),
        ({"ivr_date": "Today"}, "ivrDate"),
        ({"ivr_date": "yesterday"}, "ivrDate"),
        ({"ivr_date": ""}, "ivrDate"),
        ({"ivr_amount": -0.01}, "ivrAmount"),
        ({"ivr_amount": 1e12}, "ivrAmount"),
        ({"ivr_amount": math.nan}, "ivrAmount"),
        ({"ivr_amount": math.inf}, "ivrAmount"),
        ({"second": "ftp://www.test.com/tttt.mp3"}, "second"),
        ({"second": "https://www.test.com/tttt.ogg"}, "second"),
        ({"second": "https://www.test.com/music"}, "second"),
        ({"second": "https://www.test.com/a b.mp3"}, "second"),
    ],
)
def test_check_connect_request_refuses_with_the_field(
    options: dict[str, object], field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        check_connect_request(connect(**options))
    assert caught.value.field == field
    assert f"`{field}`" in caught.value.message


def test_placed_call_from_the_makecall_reply() -> None:
    reply = {"id_makecall": "ef232234feb12"}
    placed = placed_call(reply, "id_makecall", agent="101", to="+19101234567")
    assert placed == PlacedCall(
        provider_call_id="ef232234feb12",
        status=CallStatus.QUEUED,
        direction=CallDirection.OUTBOUND,
        agent="101",
        to_number="+19101234567",
        raw={"id_makecall": "ef232234feb12"},
    )
    assert placed.raw is not reply


def test_placed_call_from_the_make2calls_reply_with_a_numeric_id() -> None:
    placed = placed_call(
        {"id_make2calls": 4711}, "id_make2calls", agent="201", to="https://www.test.mp3/tttt.mp3"
    )
    assert placed.provider_call_id == "4711"
    assert placed.to_number == "https://www.test.mp3/tttt.mp3"


@pytest.mark.parametrize("reply", [{}, {"id_makecall": ""}, {"id_makecall": None}, {"id": "x"}])
def test_placed_call_without_the_id_is_the_vendors_fault(reply: dict[str, object]) -> None:
    with pytest.raises(ProviderUnavailable, match="`id_makecall`"):
        placed_call(reply, "id_makecall", agent="101", to="+19101234567")


# --- webhooks: tokens out of the data ------------------------------------------------------


@pytest.mark.parametrize("spelling", ["from_LiraX_token", "From_LiraX_token", "FROM_LIRAX_TOKEN"])
def test_without_token_drops_the_token_however_spelled(spelling: str) -> None:
    form = {"cmd": "record", "callid": "c1", spelling: WEBHOOK_TOKEN}
    assert without_token(form) == {"cmd": "record", "callid": "c1"}
    assert spelling in form  # the caller's form is left alone


@pytest.mark.parametrize(
    "form", [EVENT, MAKECALL_FINISHED, MAKE2CALLS_FINISHED, RECORD], ids=lambda f: f["cmd"]
)
def test_no_signal_carries_the_token(form: dict[str, str]) -> None:
    for signal in signals(form):
        assert WEBHOOK_TOKEN not in repr(signal)
        assert not any(k.lower() == "from_lirax_token" for k in signal.raw)


# --- webhooks: event --------------------------------------------------------------------


def test_the_pages_event_example() -> None:
    ended, recording = signals(EVENT)
    assert ended.kind is CallEventKind.ENDED
    assert ended.status is CallStatus.COMPLETED
    assert ended.refs == ("D10D0EB124F4E64AF4EA-1511",)
    assert ended.control_id == "D10D0EB124F4E64AF4EA-1511"
    assert ended.direction is CallDirection.OUTBOUND
    assert ended.to_number == "+19101234567"
    assert ended.from_number is None  # the example has no `diversion`
    assert ended.agent == "102"
    assert ended.duration_seconds == 124
    assert ended.occurred_at == T0
    assert ended.raw["keys"] == [{"ivr_name": "Test", "ivr_entry": "09", "key": "4"}]
    assert ended.raw["status"] == "Success"
    assert ended.raw["is_recorded"] == "1"

    assert recording.kind is CallEventKind.RECORDING_READY
    assert recording.recording_url == "https://link/file.wav"
    assert recording.refs == ended.refs
    assert recording.status is None
    assert recording.occurred_at == T0


@pytest.mark.parametrize(
    ("name", "kind", "status"),
    [
        ("INCOMING", CallEventKind.RINGING, CallStatus.RINGING),
        ("ACCEPTED", CallEventKind.ANSWERED, CallStatus.IN_PROGRESS),
        ("COMPLETED", CallEventKind.ENDED, CallStatus.COMPLETED),
        ("CALL_COMPLETED", CallEventKind.COMPLETED, CallStatus.COMPLETED),
        ("accepted", CallEventKind.ANSWERED, CallStatus.IN_PROGRESS),
        ("Call_Completed", CallEventKind.COMPLETED, CallStatus.COMPLETED),
    ],
)
def test_event_kinds(name: str, kind: CallEventKind, status: CallStatus) -> None:
    signal = the_call_signal(event(event=name))
    assert (signal.kind, signal.status) == (kind, status)


def test_incoming_before_the_call_ends_has_no_duration_nor_recording() -> None:
    form = event(event="INCOMING", duration="", is_recorded="", status="", record_link="", keys="")
    (signal,) = signals(form)
    assert signal.kind is CallEventKind.RINGING
    assert signal.duration_seconds is None
    assert signal.recording_url is None
    assert "keys" not in signal.raw


def test_an_unknown_event_is_a_status_change_without_a_status() -> None:
    signal = the_call_signal(event(event="TRANSFERRED", status="", duration=""))
    assert signal.kind is CallEventKind.STATUS_CHANGED
    assert signal.status is None


@pytest.mark.parametrize(
    ("vendor_status", "status"),
    [
        ("Success", CallStatus.COMPLETED),
        ("Missed", CallStatus.NO_ANSWER),
        ("Busy", CallStatus.BUSY),
        ("NotAvailable", CallStatus.UNREACHABLE),
        ("NotAllowed", CallStatus.FAILED),  # "calls to this direction are prohibited"
        ("BUSY", CallStatus.BUSY),
        ("notavailable", CallStatus.UNREACHABLE),
    ],
)
@pytest.mark.parametrize("name", ["COMPLETED", "CALL_COMPLETED"])
def test_end_statuses(name: str, vendor_status: str, status: CallStatus) -> None:
    signal = the_call_signal(event(event=name, status=vendor_status))
    assert signal.status is status


@pytest.mark.parametrize(
    ("duration", "status"),
    [("124", CallStatus.COMPLETED), ("0", CallStatus.FAILED), ("", CallStatus.FAILED)],
)
def test_an_unlisted_end_status_is_judged_by_the_duration(
    duration: str, status: CallStatus
) -> None:
    for vendor_status in ("Congestion", ""):
        signal = the_call_signal(event(status=vendor_status, duration=duration))
        assert signal.status is status


@pytest.mark.parametrize("duration", ["", "abc", "12.5"])
def test_a_duration_that_is_not_whole_seconds_is_unknown(duration: str) -> None:
    assert the_call_signal(event(duration=duration)).duration_seconds is None


def test_an_inbound_call_is_from_the_customer_to_the_line() -> None:
    signal = the_call_signal(
        event(type="in", event="INCOMING", phone="19101234567", diversion="12101234567")
    )
    assert signal.direction is CallDirection.INBOUND
    assert signal.from_number == "+19101234567"
    assert signal.to_number == "+12101234567"


def test_in_call_completed_of_an_inbound_call_ext_is_the_line_not_an_agent() -> None:
    """The page: "ext ... in the case of CALL_COMPLETED and type=in, holds the number the
    call came in on"."""
    signal = the_call_signal(
        event(
            type="in",
            event="CALL_COMPLETED",
            phone="19101234567",
            diversion="",
            ext="74950000000",
            status="Missed",
            duration="0",
            record_link="",
        )
    )
    assert signal.agent is None
    assert signal.to_number == "+74950000000"
    assert signal.status is CallStatus.NO_ANSWER
    ringing = the_call_signal(event(type="in", event="INCOMING", ext="101"))
    assert ringing.agent == "101"


def test_an_outbound_call_is_from_the_line_to_the_customer() -> None:
    signal = the_call_signal(event(type="out", phone="19101234567", diversion="12101234567"))
    assert signal.direction is CallDirection.OUTBOUND
    assert signal.from_number == "+12101234567"
    assert signal.to_number == "+19101234567"


def test_type_is_read_without_case() -> None:
    assert the_call_signal(event(type="IN")).direction is CallDirection.INBOUND


def test_numbers_are_read_in_the_providers_region() -> None:
    signal = the_call_signal(event(type="in", phone="0501234567", diversion="0441234567"), "UA")
    assert signal.from_number == "+380501234567"
    assert signal.to_number == "+380441234567"


@pytest.mark.parametrize("phone", ["anonymous", "101", "38012345679", "+"])
def test_numbers_that_do_not_parse_are_kept_as_written(phone: str) -> None:
    signal = the_call_signal(event(type="in", phone=phone))
    assert signal.from_number == phone


def test_no_extension_means_no_agent() -> None:
    assert the_call_signal(event(ext="")).agent is None


def test_keys_that_are_not_json_are_kept_as_text() -> None:
    signal = the_call_signal(event(keys="[{ivr_name: Test"))
    assert signal.raw["keys"] == "[{ivr_name: Test"


def test_keys_nested_too_deep_to_parse_are_kept_as_text() -> None:
    deep = "[" * 100_000
    assert the_call_signal(event(keys=deep)).raw["keys"] == deep


def test_utm_fields_stay_in_raw() -> None:
    utm = {"tid": "UA-1234-1", "cid": "555.777", "cs": "google", "cm": "cpc", "cc": "spring"}
    signal = the_call_signal(event(**utm, ct="телефония"))
    for name, value in {**utm, "ct": "телефония"}.items():
        assert signal.raw[name] == value


def test_an_empty_record_link_announces_no_recording() -> None:
    assert [s.kind for s in signals(event(record_link=""))] == [CallEventKind.ENDED]


def test_the_token_spelled_as_in_the_pages_table_is_dropped_too() -> None:
    form = {**without_token(EVENT), "From_LiraX_token": WEBHOOK_TOKEN}
    for signal in signals(form):
        assert "From_LiraX_token" not in signal.raw


# --- webhooks: makecall_finished, make2calls_finished, record, the rest ----------------------


def test_makecall_finished_with_the_agent_answering() -> None:
    (signal,) = signals(MAKECALL_FINISHED)
    assert signal.refs == ("ef232234feb12", "b964b07152d")
    assert signal.kind is CallEventKind.STATUS_CHANGED
    assert signal.status is CallStatus.DIALING
    assert signal.direction is CallDirection.OUTBOUND
    assert signal.control_id == "b964b07152d"
    assert signal.occurred_at == T0
    assert signal.raw == {
        "cmd": "makecall_finished",
        "id_makecall": "ef232234feb12",
        "Call_id": "b964b07152d",
        "success": "1",
    }


def test_makecall_finished_when_nobody_answered() -> None:
    (signal,) = signals({**MAKECALL_FINISHED, "success": "0", "Call_id": ""})
    assert signal.refs == ("ef232234feb12",)
    assert signal.kind is CallEventKind.FAILED
    assert signal.status is CallStatus.NO_ANSWER
    assert signal.control_id is None


def test_make2calls_finished_as_on_the_page() -> None:
    (signal,) = signals(MAKE2CALLS_FINISHED)
    assert signal.refs == ("ef232234feb12",)
    assert signal.kind is CallEventKind.COMPLETED
    assert signal.status is CallStatus.COMPLETED
    assert signal.direction is CallDirection.OUTBOUND
    assert signal.raw["keys"] == [
        {"ivr_name": "Test", "ivr_entry": "0", "key": "9"},
        {"ivr_name": "Test", "ivr_entry": "09", "key": "7"},
    ]
    assert signal.raw["duration_success"] == "0"


def test_make2calls_finished_unanswered_and_without_keys() -> None:
    form = {k: v for k, v in MAKE2CALLS_FINISHED.items() if k != "keys"}
    (signal,) = signals({**form, "success": "0"})
    assert signal.kind is CallEventKind.FAILED
    assert signal.status is CallStatus.NO_ANSWER
    assert "keys" not in signal.raw


def test_make2calls_finished_keys_that_are_not_json_are_kept() -> None:
    (signal,) = signals({**MAKE2CALLS_FINISHED, "keys": "9,7"})
    assert signal.raw["keys"] == "9,7"


def test_record_as_on_the_page() -> None:
    (signal,) = signals(RECORD)
    assert signal.kind is CallEventKind.RECORDING_READY
    assert signal.refs == ("D10D0EB124F4E64AF4EA01511",)
    assert signal.recording_url == "https://link/file.wav"
    assert signal.control_id == "D10D0EB124F4E64AF4EA01511"
    assert signal.status is None
    assert signal.raw == {
        "cmd": "record",
        "callid": "D10D0EB124F4E64AF4EA01511",
        "record_link": "https://link/file.wav",
    }


@pytest.mark.parametrize(
    "form",
    [STATON, SMS_DELIVERED, {"cmd": ""}, {}],
    ids=["staton", "smsDelivered", "empty-cmd", "no-cmd"],
)
def test_webhooks_about_other_things_carry_no_call_signal(form: dict[str, str]) -> None:
    assert signals(form) == ()


def test_contact_lookup_records_the_call_that_asked() -> None:
    (signal,) = signals(CONTACT)
    assert signal.refs == (CONTACT["callid"],)
    assert signal.direction is CallDirection.INBOUND
    assert (signal.from_number, signal.to_number) == ("+19101234567", "+12101234567")
    outgoing = {**CONTACT, "diversion": CONTACT["phone"]}  # the page: equal when outgoing
    (out,) = signals(outgoing)
    assert (out.direction, out.from_number) == (CallDirection.OUTBOUND, None)


@pytest.mark.parametrize(
    ("responsible", "answered"), [("101", 101), ("²", "²"), ("10a", "10a"), ("١٢", "١٢")]
)
def test_the_contact_answer_gives_a_numeric_extension_as_a_number(
    responsible: str, answered: int | str
) -> None:
    contact = Contact("+79161234567", "Anna", responsible=responsible)
    body = json.loads(contact_answer(contact, "+79161234567"))
    assert body == {"contact_name": "Anna", "responsible": answered}
