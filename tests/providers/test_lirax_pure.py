"""LiraX mapping and webhook parsing on plain data: the page's own examples, quirks included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest

from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.errors import BadInput
from callboard.providers.base import (
    ConnectPartiesRequest,
    PlaceCallRequest,
    ProviderContext,
    WebhookDelivery,
    WebhookRejected,
)
from callboard.providers.lirax import mapping
from callboard.providers.lirax.provider import LiraxOptions, LiraxProvider
from callboard.providers.options import parse_options

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TOKEN = "303cb962ac59075b964b07152d234b70"  # the page's example token

# The page's examples, as written there.
EVENT_COMPLETED = {
    "cmd": "event",
    "type": "out",
    "event": "COMPLETED",
    "phone": "19101234567",
    "ext": "102",
    "callid": "D10D0EB124F4E64AF4EA-1511",
    "duration": "124",
    "is_recorded": "1",
    "status": "Success",
    "record_link": "https://link/file.wav",
    "keys": '[{"ivr_name":"Test","ivr_entry":"09","key":"4"}]',
    "from_LiraX_token": TOKEN,
}
MAKECALL_FINISHED = {
    "cmd": "makecall_finished",
    "id_makecall": "ef232234feb12",
    "from_LiraX_token": TOKEN,
    "Call_id": "b964b07152d",
    "success": "1",
}
MAKE2CALLS_FINISHED = {
    "cmd": "make2calls_finished",
    "id_make2calls": "ef232234feb12",
    "from_LiraX_token": TOKEN,
    "success": "1",
    "duration_success": "0",
    "keys": '[{"ivr_name":"Test","ivr_entry":"0","key":"9"}, '
    '{"ivr_name":"Test","ivr_entry":"09","key":"7"}]',
}
RECORD = {
    "cmd": "record",
    "callid": "D10D0EB124F4E64AF4EA01511",
    "record_link": "https://link/file.wav",
    "from_LiraX_token": TOKEN,
}


def signals(form: dict[str, str]) -> tuple[CallSignal, ...]:
    return mapping.webhook_signals(form, received_at=AT, region="RU")


def test_event_completed_of_the_page() -> None:
    ended, recording = signals(EVENT_COMPLETED)
    assert (ended.kind, ended.status) == (CallEventKind.ENDED, CallStatus.COMPLETED)
    assert ended.direction is CallDirection.OUTBOUND
    assert ended.to_number == "+19101234567"
    assert ended.agent == "102"
    assert ended.duration_seconds == 124
    assert ended.control_id == ended.refs[0] == "D10D0EB124F4E64AF4EA-1511"
    assert ended.raw["keys"] == [{"ivr_name": "Test", "ivr_entry": "09", "key": "4"}]
    assert "from_LiraX_token" not in ended.raw
    assert recording.kind is CallEventKind.RECORDING_READY
    assert recording.recording_url == "https://link/file.wav"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Success", CallStatus.COMPLETED),
        ("Missed", CallStatus.NO_ANSWER),
        ("Busy", CallStatus.BUSY),
        ("NotAvailable", CallStatus.UNREACHABLE),
        ("NotAllowed", CallStatus.REJECTED),
    ],
)
def test_end_statuses(status: str, expected: CallStatus) -> None:
    (ended, _) = signals({**EVENT_COMPLETED, "status": status})
    assert ended.status is expected


def test_an_unlisted_end_status_counts_by_duration() -> None:
    lasted = signals({**EVENT_COMPLETED, "status": "Strange", "record_link": ""})[0]
    nothing = signals({**EVENT_COMPLETED, "status": "", "duration": "0", "record_link": ""})[0]
    assert (lasted.status, nothing.status) == (CallStatus.COMPLETED, CallStatus.FAILED)


def test_incoming_call_numbers_and_the_ext_of_call_completed() -> None:
    incoming = {
        "cmd": "event",
        "type": "in",
        "event": "INCOMING",
        "phone": "+380 50 123 4567",
        "diversion": "380441234567",
        "ext": "101",
        "callid": "X",
    }
    (ringing,) = signals(incoming)
    assert (ringing.from_number, ringing.to_number) == ("+380501234567", "+380441234567")
    assert ringing.agent == "101"
    # in CALL_COMPLETED of an incoming call, ext is the number called, not an agent
    done = {
        **incoming,
        "event": "CALL_COMPLETED",
        "diversion": "",
        "ext": "74950000000",
        "status": "Missed",
        "duration": "0",
    }
    (completed,) = signals(done)
    assert completed.agent is None
    assert completed.to_number == "+74950000000"
    assert completed.status is CallStatus.NO_ANSWER


def test_unparseable_vendor_numbers_are_kept() -> None:
    (ringing,) = signals(
        {"cmd": "event", "type": "in", "event": "INCOMING", "phone": "Anonymous", "callid": "X"}
    )
    assert ringing.from_number == "Anonymous"


def test_utm_fields_and_broken_keys_stay_in_raw() -> None:
    form = {**EVENT_COMPLETED, "cs": "google", "cm": "cpc", "tid": "UA-1", "keys": "[not json"}
    ended = signals(form)[0]
    assert (ended.raw["cs"], ended.raw["cm"], ended.raw["tid"]) == ("google", "cpc", "UA-1")
    assert ended.raw["keys"] == "[not json"


def test_makecall_finished_ties_the_leg_to_the_placed_call() -> None:
    (answered,) = signals(MAKECALL_FINISHED)
    assert answered.refs == ("ef232234feb12", "b964b07152d")
    assert (answered.status, answered.control_id) == (CallStatus.DIALING, "b964b07152d")
    (unanswered,) = signals({**MAKECALL_FINISHED, "success": "0", "Call_id": ""})
    assert unanswered.refs == ("ef232234feb12",)
    assert (unanswered.kind, unanswered.status) == (CallEventKind.FAILED, CallStatus.NO_ANSWER)


def test_make2calls_finished_and_record() -> None:
    (finished,) = signals(MAKE2CALLS_FINISHED)
    assert finished.status is CallStatus.COMPLETED
    assert [k["key"] for k in finished.raw["keys"]] == ["9", "7"]
    (record,) = signals(RECORD)
    assert (record.kind, record.recording_url) == (
        CallEventKind.RECORDING_READY,
        "https://link/file.wav",
    )


def test_make_call_and_make2calls_parameters() -> None:
    assert mapping.make_call_params(PlaceCallRequest("101", "+79123456789", 7)) == {
        "from": "101",
        "to": "79123456789",
        "idshop": "7",
    }
    request = ConnectPartiesRequest(
        "101",
        "+19101234561",
        "+19101234567",
        retry_minutes=60,
        success_after_seconds=30,
        not_before_hour=8,
        not_after_hour=21,
        ivr_time="14:05",
        ivr_date="today",
        ivr_amount=5,
    )
    assert mapping.make2calls_params(request) == {
        "from": "101",
        "to1": "19101234561",
        "to2": "19101234567",
        "timeout": "60",
        "successtime": "30",
        "notbefore": "08",
        "notafter": "21",
        "vtime": "14:05",
        "vdate": "today",
        "vmoney": "5.00",
    }
    sound = ConnectPartiesRequest("101", "+19101234561", "https://a.example/x.mp3")
    assert mapping.make2calls_params(sound)["to2"] == "https://a.example/x.mp3"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"not_after_hour": 24}, "notAfterHour"),
        ({"ivr_time": "25:00"}, "ivrTime"),
        ({"ivr_date": "31.02.2026"}, "ivrDate"),
        ({"ivr_date": "1.1.2026"}, "ivrDate"),
        ({"second": "https://a.example/x.ogg"}, "second"),
        ({"retry_minutes": -1}, "retryMinutes"),
    ],
)
def test_make2calls_options_are_checked_before_sending(
    change: dict[str, object], field: str
) -> None:
    request = ConnectPartiesRequest(**{"agent": "101", "first": "+1", "second": "+2", **change})  # type: ignore[arg-type]
    with pytest.raises(BadInput) as error:
        mapping.check_connect_request(request)
    assert error.value.field == field


@pytest.fixture
async def provider() -> AsyncIterator[LiraxProvider]:
    async with httpx.AsyncClient() as http:
        options = parse_options(
            LiraxOptions,
            {"base_url": "https://lira.example/general", "token": "t", "webhook_token": TOKEN},
        )
        yield LiraxProvider(ProviderContext("lirax", http, "http://cb/webhooks/lirax"), options)


def delivery(
    body: bytes, content_type: str = "application/x-www-form-urlencoded"
) -> WebhookDelivery:
    return WebhookDelivery("POST", {"content-type": content_type}, {}, body, AT)


async def test_webhook_answers_and_dedup_keys(provider: LiraxProvider) -> None:
    outcome = provider.handle_webhook(delivery(urlencode(EVENT_COMPLETED).encode()))
    assert outcome.body == b"{}"
    assert TOKEN not in str(outcome.payload)
    again = provider.handle_webhook(delivery(urlencode(EVENT_COMPLETED).encode()))
    other = provider.handle_webhook(
        delivery(urlencode({**EVENT_COMPLETED, "duration": "1"}).encode())
    )
    assert again.dedup_key == outcome.dedup_key != other.dedup_key
    # the page's event table spells the token field From_LiraX_token
    quirky = {**EVENT_COMPLETED}
    quirky["From_LiraX_token"] = quirky.pop("from_LiraX_token")
    assert provider.handle_webhook(delivery(urlencode(quirky).encode())).signals
    as_json = provider.handle_webhook(
        delivery(httpx.Request("POST", "http://x", json=RECORD).content, "application/json")
    )
    assert as_json.signals[0].recording_url == "https://link/file.wav"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (urlencode({**RECORD, "from_LiraX_token": "wrong"}).encode(), 401),
        (urlencode({k: v for k, v in RECORD.items() if k != "from_LiraX_token"}).encode(), 401),
        (urlencode({k: v for k, v in RECORD.items() if k != "record_link"}).encode(), 400),
        (
            urlencode({k: v for k, v in MAKECALL_FINISHED.items() if k != "id_makecall"}).encode(),
            400,
        ),
    ],
)
async def test_webhook_refusals(provider: LiraxProvider, body: bytes, status: int) -> None:
    with pytest.raises(WebhookRejected) as rejected:
        provider.handle_webhook(delivery(body))
    assert rejected.value.status_code == status
    expected = (
        b'{"error": "Invalid token"}' if status == 401 else b'{"error": "Invalid parameters"}'
    )
    assert rejected.value.body == expected
