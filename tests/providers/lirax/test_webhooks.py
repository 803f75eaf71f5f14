"""LiraX -> Callboard deliveries: reading them, checking the token, and what they mean.

Bodies are the page's own examples (shared/vendor-docs/lirax-api.txt), form-encoded as
LiraX sends them; answers are the page's: 401 `{"error": "Invalid token"}`, 400
`{"error": "Invalid parameters"}`, 200 otherwise.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from callboard.domain.calls import CallDirection, CallEventKind, CallStatus
from callboard.domain.json_bounds import MAX_DEPTH
from callboard.providers.base import ProviderContext, WebhookDelivery, WebhookRejected
from callboard.providers.lirax.mapping import without_token
from callboard.providers.lirax.provider import LiraxOptions, LiraxProvider
from callboard.providers.lirax.webhooks import read_form, verify
from callboard.providers.options import parse_options
from callboard.providers.webhook_body import MAX_FIELDS

T0 = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)
COMMAND_TOKEN = "202cb962ac59075b964b07152d234b70"
WEBHOOK_TOKEN = "303cb962ac59075b964b07152d234b70"
FORM = "application/x-www-form-urlencoded"

# The page's examples, token spelled as each example spells it.
EVENT = {
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
    "from_LiraX_token": WEBHOOK_TOKEN,
}
MAKECALL_FINISHED = {
    "cmd": "makecall_finished",
    "id_makecall": "ef232234feb12",
    "from_LiraX_token": WEBHOOK_TOKEN,
    "Call_id": "b964b07152d",
    "success": "1",
}
MAKE2CALLS_FINISHED = {
    "cmd": "make2calls_finished",
    "id_make2calls": "ef232234feb12",
    "from_LiraX_token": WEBHOOK_TOKEN,
    "success": "1",
    "keys": '[{"ivr_name":"Test","ivr_entry":"0","key":"9"}, '
    '{"ivr_name":"Test","ivr_entry":"09","key":"7"}]',
    "duration_success": "0",
}
RECORD = {
    "cmd": "record",
    "callid": "D10D0EB124F4E64AF4EA01511",
    "record_link": "https://link/file.wav",
    "from_LiraX_token": WEBHOOK_TOKEN,
}
STATON = {"cmd": "staton", "ext": "910", "from_LiraX_token": WEBHOOK_TOKEN, "status": "1"}
# The page's smsReceived example, with its `text>Hello` typo, as LiraX would send it.
SMS_RECEIVED_BODY = (
    "cmd=smsReceived&from_LiraX_token=303cb962ac59075b964b07152d234b70&id_sms=121"
    "&ani=38012345679&provider=380112345678&text>Hello"
)

INVALID_TOKEN = {"error": "Invalid token"}
QUERY_TOKEN = {"from_LiraX_token": WEBHOOK_TOKEN}
INVALID_PARAMETERS = {"error": "Invalid parameters"}


def form_delivery(
    form: Mapping[str, str],
    *,
    at: datetime = T0,
    query: Mapping[str, str] | None = None,
) -> WebhookDelivery:
    return raw_delivery(urlencode(form).encode(), FORM, at=at, query=query)


def json_delivery(
    data: Any, *, content_type: str = "application/json", at: datetime = T0
) -> WebhookDelivery:
    return raw_delivery(json.dumps(data).encode(), content_type, at=at)


def raw_delivery(
    body: bytes,
    content_type: str | None = FORM,
    *,
    at: datetime = T0,
    query: Mapping[str, str] | None = None,
) -> WebhookDelivery:
    headers = {"content-type": content_type} if content_type else {}
    return WebhookDelivery(
        method="POST",
        headers=headers,
        query=dict(query or {}),
        body=body,
        received_at=at,
        client_ip="203.0.113.7",
    )


def no_token(form: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k.lower() != "from_lirax_token"}


def assert_rejected(caught: pytest.ExceptionInfo[WebhookRejected], status: int, body: Any) -> None:
    assert caught.value.status_code == status
    assert json.loads(caught.value.body) == body
    assert caught.value.media_type == "application/json"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_provider(http: httpx.AsyncClient, region: str = "RU") -> LiraxProvider:
    options = parse_options(
        LiraxOptions,
        {
            "base_url": "https://lira.voip.com.ua:8482/general",
            "token": COMMAND_TOKEN,
            "webhook_token": WEBHOOK_TOKEN,
        },
    )
    context = ProviderContext(
        id="lirax-main",
        http=http,
        webhook_url="https://callboard.example/webhooks/lirax-main",
        default_region=region,
    )
    return LiraxProvider(context, options)


@pytest.fixture
def provider(http: httpx.AsyncClient) -> LiraxProvider:
    return make_provider(http)


# --- read_form ------------------------------------------------------------------------


def test_read_form_reads_a_form_body() -> None:
    assert read_form(form_delivery(EVENT)) == EVENT


def test_read_form_decodes_plus_and_percent_escapes() -> None:
    body = "cmd=smsReceived&text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82+%D0%BC%D0%B8%D1%80&x=a%26b"
    form = read_form(raw_delivery(body.encode()))
    assert form == {"cmd": "smsReceived", "text": "Привет мир", "x": "a&b"}


def test_read_form_keeps_blank_values() -> None:
    form = read_form(raw_delivery(b"cmd=makecall_finished&Call_id=&success=0"))
    assert form == {"cmd": "makecall_finished", "Call_id": "", "success": "0"}


def test_read_form_takes_the_query_for_what_the_body_lacks() -> None:
    delivery = form_delivery(
        no_token(RECORD),
        query={"from_LiraX_token": WEBHOOK_TOKEN, "callid": "from-the-query"},
    )
    form = read_form(delivery)
    assert form["from_LiraX_token"] == WEBHOOK_TOKEN
    assert form["callid"] == "D10D0EB124F4E64AF4EA01511"  # the body wins


def test_read_form_of_an_empty_body_is_the_query() -> None:
    assert read_form(raw_delivery(b"", query={"cmd": "staton"})) == {"cmd": "staton"}


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_read_form_tolerates_a_json_body(content_type: str) -> None:
    assert read_form(json_delivery(EVENT, content_type=content_type)) == EVENT


def test_read_form_recognises_a_json_object_whatever_the_content_type() -> None:
    assert read_form(json_delivery(RECORD, content_type=FORM)) == RECORD
    assert read_form(raw_delivery(b'  {"cmd": "staton"}\n', None)) == {"cmd": "staton"}


def test_read_form_turns_json_values_into_the_form_fields_liraX_would_send() -> None:
    keys = [{"ivr_name": "Test", "ivr_entry": "0", "key": "9"}]
    data = {
        "cmd": "make2calls_finished",
        "id_make2calls": 4711,
        "success": True,
        "duration_success": False,
        "keys": keys,
        "record_link": None,
        "name": "Иван",
    }
    form = read_form(json_delivery(data))
    assert form["id_make2calls"] == "4711"
    assert form["success"] == "1"
    assert form["duration_success"] == "0"
    assert json.loads(form["keys"]) == keys
    assert form["record_link"] == ""
    assert form["name"] == "Иван"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"cmd": "event", ', "application/json"),
        (b'{"cmd": "event", ', FORM),  # looks like JSON, is not
        (b'["cmd", "event"]', "application/json"),
        (b"cmd=event&callid=1", "application/json"),
        (b"", "application/json"),
    ],
)
def test_read_form_refuses_a_malformed_json_body(body: bytes, content_type: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        read_form(raw_delivery(body, content_type))
    assert_rejected(caught, 400, INVALID_PARAMETERS)


# --- verify ---------------------------------------------------------------------------


# the examples' two casings, any other, and the page's general section's plain "token"
@pytest.mark.parametrize(
    "spelling", ["from_LiraX_token", "From_LiraX_token", "FROM_LIRAX_TOKEN", "token"]
)
def test_verify_accepts_the_token_however_spelled(spelling: str) -> None:
    assert verify({**no_token(EVENT), spelling: WEBHOOK_TOKEN}, WEBHOOK_TOKEN) == "event"
    assert spelling not in without_token({**no_token(EVENT), spelling: WEBHOOK_TOKEN})


def test_from_lirax_token_is_preferred_over_token() -> None:
    form = {**no_token(EVENT), "token": "something else", "from_LiraX_token": WEBHOOK_TOKEN}
    assert verify(form, WEBHOOK_TOKEN) == "event"


@pytest.mark.parametrize(
    "form",
    [
        no_token(EVENT),
        {**EVENT, "from_LiraX_token": "303cb962ac59075b964b07152d234b7"},
        {**EVENT, "from_LiraX_token": WEBHOOK_TOKEN.upper()},
        {**EVENT, "from_LiraX_token": ""},
        {**EVENT, "from_LiraX_token": COMMAND_TOKEN},  # the other direction's key
        {**no_token(EVENT), "from_LiraX": WEBHOOK_TOKEN},
        {**EVENT, "from_LiraX_token": "тест"},
    ],
    ids=["missing", "short", "case", "empty", "command-token", "other-field", "non-ascii"],
)
def test_verify_refuses_a_wrong_or_missing_token(form: dict[str, str]) -> None:
    with pytest.raises(WebhookRejected) as caught:
        verify(form, WEBHOOK_TOKEN)
    assert_rejected(caught, 401, INVALID_TOKEN)


def test_the_token_is_checked_before_the_fields() -> None:
    with pytest.raises(WebhookRejected) as caught:
        verify({"cmd": "event", "from_LiraX_token": "forged"}, WEBHOOK_TOKEN)
    assert caught.value.status_code == 401


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        (EVENT, "callid"),
        (EVENT, "event"),
        (MAKECALL_FINISHED, "id_makecall"),
        (MAKE2CALLS_FINISHED, "id_make2calls"),
        (RECORD, "callid"),
        (RECORD, "record_link"),
        (EVENT, "cmd"),
    ],
)
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_verify_refuses_a_delivery_without_a_required_field(
    form: dict[str, str], missing: str, how: str
) -> None:
    broken = {k: v for k, v in form.items() if k != missing}
    if how == "empty":
        broken[missing] = ""
    with pytest.raises(WebhookRejected) as caught:
        verify(broken, WEBHOOK_TOKEN)
    assert_rejected(caught, 400, INVALID_PARAMETERS)


@pytest.mark.parametrize(
    ("form", "cmd"),
    [
        (EVENT, "event"),
        (MAKECALL_FINISHED, "makecall_finished"),
        (MAKE2CALLS_FINISHED, "make2calls_finished"),
        (RECORD, "record"),
        (STATON, "staton"),
        ({**MAKECALL_FINISHED, "Call_id": "", "success": "0"}, "makecall_finished"),
    ],
)
def test_verify_returns_the_command(form: dict[str, str], cmd: str) -> None:
    assert verify(dict(form), WEBHOOK_TOKEN) == cmd


# --- LiraxProvider.handle_webhook -------------------------------------------------------------


async def test_the_pages_event_becomes_an_ended_call_and_its_recording(
    provider: LiraxProvider,
) -> None:
    outcome = provider.handle_webhook(form_delivery(EVENT))
    assert outcome.status_code == 200
    assert outcome.body == b"{}"
    assert outcome.media_type == "application/json"
    assert outcome.payload == no_token(EVENT)

    ended, recording = outcome.signals
    assert ended.kind is CallEventKind.ENDED
    assert ended.status is CallStatus.COMPLETED
    assert ended.direction is CallDirection.OUTBOUND
    assert ended.from_number is None
    assert ended.to_number == "+19101234567"
    assert ended.agent == "102"
    assert ended.duration_seconds == 124
    assert ended.control_id == "D10D0EB124F4E64AF4EA-1511"
    assert ended.refs == ("D10D0EB124F4E64AF4EA-1511",)
    assert ended.occurred_at == T0
    assert ended.raw["keys"] == [{"ivr_name": "Test", "ivr_entry": "09", "key": "4"}]
    assert "from_LiraX_token" not in ended.raw
    assert recording.kind is CallEventKind.RECORDING_READY
    assert recording.recording_url == "https://link/file.wav"


async def test_the_token_spelled_as_in_the_pages_table(provider: LiraxProvider) -> None:
    form = {**no_token(EVENT), "From_LiraX_token": WEBHOOK_TOKEN}
    outcome = provider.handle_webhook(form_delivery(form))
    assert outcome.status_code == 200
    assert "From_LiraX_token" not in outcome.payload
    assert all("From_LiraX_token" not in s.raw for s in outcome.signals)
    assert WEBHOOK_TOKEN not in repr(outcome)


async def test_an_inbound_call_with_its_line_and_campaign(provider: LiraxProvider) -> None:
    form = {
        **EVENT,
        "type": "in",
        "event": "CALL_COMPLETED",
        "phone": "79123456789",
        "diversion": "74951234567",
        "status": "Missed",
        "duration": "0",
        "record_link": "",
        "tid": "UA-1234-1",
        "cid": "555.777",
        "cs": "google",
        "cm": "cpc",
        "cc": "spring",
        "ct": "звонок",
    }
    outcome = provider.handle_webhook(form_delivery(form))
    (signal,) = outcome.signals
    assert signal.kind is CallEventKind.COMPLETED
    assert signal.status is CallStatus.NO_ANSWER
    assert signal.direction is CallDirection.INBOUND
    assert signal.from_number == "+79123456789"
    assert signal.to_number == "+74951234567"
    assert signal.duration_seconds == 0
    assert signal.recording_url is None
    utm = {"tid": "UA-1234-1", "cid": "555.777", "cs": "google", "cm": "cpc", "cc": "spring"}
    for name, value in {**utm, "ct": "звонок"}.items():
        assert signal.raw[name] == value
        assert outcome.payload[name] == value


async def test_numbers_are_read_in_the_providers_region(http: httpx.AsyncClient) -> None:
    provider = make_provider(http, region="UA")
    form = {**EVENT, "type": "in", "phone": "0501234567", "diversion": "0441234567"}
    signal = provider.handle_webhook(form_delivery(form)).signals[0]
    assert (signal.from_number, signal.to_number) == ("+380501234567", "+380441234567")


@pytest.mark.parametrize("phone", ["anonymous", "101", "38012345679"])
async def test_numbers_that_do_not_parse_are_kept_as_written(
    provider: LiraxProvider, phone: str
) -> None:
    outcome = provider.handle_webhook(form_delivery({**EVENT, "type": "in", "phone": phone}))
    assert outcome.status_code == 200
    assert outcome.signals[0].from_number == phone


async def test_keys_that_are_not_json_are_kept_as_text(provider: LiraxProvider) -> None:
    outcome = provider.handle_webhook(form_delivery({**EVENT, "keys": "4, then 9"}))
    assert outcome.signals[0].raw["keys"] == "4, then 9"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
async def test_keys_nested_too_deep_are_kept_as_text(provider: LiraxProvider, depth: int) -> None:
    keys = "[" * depth + "]" * depth
    outcome = provider.handle_webhook(form_delivery({**EVENT, "keys": keys}))
    assert outcome.signals[0].raw["keys"] == keys


async def test_makecall_finished(provider: LiraxProvider) -> None:
    outcome = provider.handle_webhook(form_delivery(MAKECALL_FINISHED))
    (signal,) = outcome.signals
    assert signal.refs == ("ef232234feb12", "b964b07152d")
    assert signal.kind is CallEventKind.STATUS_CHANGED
    assert signal.status is CallStatus.DIALING
    assert signal.control_id == "b964b07152d"
    assert outcome.payload == no_token(MAKECALL_FINISHED)


async def test_make2calls_finished_keys_as_data(provider: LiraxProvider) -> None:
    outcome = provider.handle_webhook(form_delivery(MAKE2CALLS_FINISHED))
    (signal,) = outcome.signals
    assert signal.kind is CallEventKind.COMPLETED
    assert signal.status is CallStatus.COMPLETED
    assert signal.refs == ("ef232234feb12",)
    assert [k["key"] for k in signal.raw["keys"]] == ["9", "7"]
    assert outcome.payload["keys"] == MAKE2CALLS_FINISHED["keys"]  # stored as LiraX sent it


async def test_record(provider: LiraxProvider) -> None:
    (signal,) = provider.handle_webhook(form_delivery(RECORD)).signals
    assert signal.kind is CallEventKind.RECORDING_READY
    assert signal.recording_url == "https://link/file.wav"
    assert signal.control_id == "D10D0EB124F4E64AF4EA01511"


async def test_staton_is_answered_and_means_no_call(provider: LiraxProvider) -> None:
    outcome = provider.handle_webhook(form_delivery(STATON))
    assert outcome.status_code == 200
    assert outcome.signals == ()
    assert outcome.payload == {"cmd": "staton", "ext": "910", "status": "1"}


async def test_the_pages_sms_received_typo_is_answered(provider: LiraxProvider) -> None:
    outcome = provider.handle_webhook(raw_delivery(SMS_RECEIVED_BODY.encode()))
    assert outcome.status_code == 200
    assert outcome.signals == ()
    assert outcome.payload["text>Hello"] == ""


@pytest.mark.parametrize(
    "form",
    [
        no_token(EVENT),
        {**EVENT, "from_LiraX_token": "forged"},
        {**no_token(EVENT), "token": WEBHOOK_TOKEN.replace("3", "2", 1)},
    ],
    ids=["missing", "forged", "command-style"],
)
async def test_a_wrong_or_missing_token_is_401(
    provider: LiraxProvider, form: dict[str, str]
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(form_delivery(form))
    assert_rejected(caught, 401, INVALID_TOKEN)


@pytest.mark.parametrize(
    "delivery",
    [
        # a body that cannot be read cannot show its token: here the query does
        raw_delivery(b'{"cmd": "event"', "application/json", query=QUERY_TOKEN),
        raw_delivery(b'["cmd", "event"]', "application/json", query=QUERY_TOKEN),
        form_delivery(no_token(EVENT) | {"from_LiraX_token": WEBHOOK_TOKEN, "callid": ""}),
        form_delivery({k: v for k, v in RECORD.items() if k != "record_link"}),
        form_delivery({"from_LiraX_token": WEBHOOK_TOKEN}),
    ],
    ids=["truncated-json", "json-array", "empty-callid", "record-without-link", "no-cmd"],
)
async def test_a_malformed_delivery_is_400(
    provider: LiraxProvider, delivery: WebhookDelivery
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery)
    assert_rejected(caught, 400, INVALID_PARAMETERS)


async def test_a_json_body_means_the_same_as_the_form(provider: LiraxProvider) -> None:
    as_form = provider.handle_webhook(form_delivery(EVENT))
    as_json = provider.handle_webhook(json_delivery(EVENT))
    assert as_json.signals == as_form.signals
    assert as_json.payload == as_form.payload
    assert as_json.dedup_key == as_form.dedup_key


async def test_a_json_body_with_keys_as_an_array(provider: LiraxProvider) -> None:
    keys = [{"ivr_name": "Test", "ivr_entry": "0", "key": "9"}]
    data = {**MAKE2CALLS_FINISHED, "keys": keys, "success": 1}
    (signal,) = provider.handle_webhook(json_delivery(data)).signals
    assert signal.raw["keys"] == keys
    assert signal.status is CallStatus.COMPLETED


async def test_the_same_delivery_again_has_the_same_dedup_key(provider: LiraxProvider) -> None:
    first = provider.handle_webhook(form_delivery(EVENT, at=T0))
    resent = provider.handle_webhook(form_delivery(EVENT, at=T0 + timedelta(minutes=1)))
    reordered = provider.handle_webhook(form_delivery(dict(reversed(list(EVENT.items())))))
    respelled = provider.handle_webhook(
        form_delivery({**no_token(EVENT), "From_LiraX_token": WEBHOOK_TOKEN})
    )
    assert first.dedup_key == resent.dedup_key == reordered.dedup_key == respelled.dedup_key
    assert len(first.dedup_key) >= 32


@pytest.mark.parametrize(
    "change",
    [
        {"callid": "D10D0EB124F4E64AF4EA-1512"},
        {"event": "CALL_COMPLETED"},
        {"duration": "125"},
        {"record_link": "https://link/other.wav"},
    ],
)
async def test_a_different_delivery_has_a_different_dedup_key(
    provider: LiraxProvider, change: dict[str, str]
) -> None:
    first = provider.handle_webhook(form_delivery(EVENT))
    other = provider.handle_webhook(form_delivery({**EVENT, **change}))
    assert other.dedup_key != first.dedup_key


async def test_different_commands_about_one_call_have_different_dedup_keys(
    provider: LiraxProvider,
) -> None:
    keys = {
        provider.handle_webhook(form_delivery(form)).dedup_key
        for form in (EVENT, MAKECALL_FINISHED, MAKE2CALLS_FINISHED, RECORD, STATON)
    }
    assert len(keys) == 5


# --- bounds: what cannot be read is refused, and only its token decides how -------------


def deep_object(depth: int, **fields: str) -> bytes:
    return (json.dumps(fields)[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}").encode()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
async def test_a_body_nested_too_deep_without_the_token_in_the_query_is_401(
    provider: LiraxProvider, depth: int
) -> None:
    # the token inside a body that cannot be read does not count: it cannot be found
    body = deep_object(depth, **RECORD)
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(raw_delivery(body, "application/json"))
    assert_rejected(caught, 401, INVALID_TOKEN)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
async def test_a_body_nested_too_deep_with_the_token_in_the_query_is_400(
    provider: LiraxProvider, depth: int
) -> None:
    body = deep_object(depth, **no_token(RECORD))
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(raw_delivery(body, "application/json", query=QUERY_TOKEN))
    assert_rejected(caught, 400, INVALID_PARAMETERS)


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
async def test_more_than_1000_fields_are_400(provider: LiraxProvider, as_json: bool) -> None:
    fields = {**no_token(RECORD), **{f"utm_{i}": "x" for i in range(MAX_FIELDS)}}
    body = json.dumps(fields).encode() if as_json else urlencode(fields).encode()
    delivery = raw_delivery(body, "application/json" if as_json else FORM, query=QUERY_TOKEN)
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery)
    assert_rejected(caught, 400, INVALID_PARAMETERS)


async def test_a_body_within_the_bounds_is_read(provider: LiraxProvider) -> None:
    fields = {**RECORD, **{f"utm_{i}": "x" for i in range(MAX_FIELDS - len(RECORD))}}
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    body = json.dumps(fields)[:-1] + f', "deep": {nested}}}'
    with pytest.raises(WebhookRejected):  # one field more than 1000
        provider.handle_webhook(raw_delivery(body.encode(), "application/json"))
    del fields["utm_0"]
    body = json.dumps(fields)[:-1] + f', "deep": {nested}}}'
    outcome = provider.handle_webhook(raw_delivery(body.encode(), "application/json"))
    (signal,) = outcome.signals
    assert signal.raw["deep"] == nested
