"""While1 -> Callboard event notifications through While1Provider.handle_webhook.

The PBX calls the event URL its operator set, `{public_url}/webhooks/{id}?token=...`,
with GET requests (a POSTed form is read the same): the token is the only proof, the
answer is 200 with an empty body, and any event, even one not understood, is kept.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from callboard.domain.calls import CallDirection, CallEventKind, CallStatus
from callboard.domain.json_bounds import MAX_DEPTH
from callboard.providers.base import ProviderContext, WebhookDelivery, WebhookRejected
from callboard.providers.options import parse_options
from callboard.providers.webhook_body import MAX_FIELDS
from callboard.providers.while1.provider import While1Options, While1Provider

TOKEN = "hook-token-41f8"
RECEIVED = datetime(2024, 6, 3, 18, 0, tzinfo=UTC)
EXT = "cb-0123456789abcdef0123456789abcdef"
UNIQUEID = "1717437600.42"
INVALID_KEY = {"error": "Invalid key"}
SOURCE_NOT_ALLOWED = {"error": "Source not allowed"}

DIAL_ANSWER = {
    "event": "dial_answer",
    "uniqueid": UNIQUEID,
    "external_id": EXT,
    "telephone": "0721234567",
    "dnid": "+40212345678",
    "agent": "101",
    "queue": "",
    "fail_reason": "",
}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_provider(http: httpx.AsyncClient, **raw: Any) -> While1Provider:
    options = parse_options(
        While1Options,
        {
            "base_url": "https://pbx.example.ro",
            "api_username": "cb-api",
            "api_password": "pw",
            "api_key": "key",
            "project_id": 1,
            "webhook_token": TOKEN,
            **raw,
        },
    )
    context = ProviderContext(
        id="w1", http=http, webhook_url="http://cb/webhooks/w1", default_region="RO"
    )
    return While1Provider(context, options)


@pytest.fixture
def provider(http: httpx.AsyncClient) -> While1Provider:
    return make_provider(http)


def get(fields: Mapping[str, str], *, token: str | None = TOKEN, ip: str = "10.1.2.3") -> Any:
    """A GET as the PBX makes it: the event's fields in the query, after the token."""
    query = {"token": token} if token is not None else {}
    return WebhookDelivery(
        method="GET",
        headers={},
        query={**query, **fields},
        body=b"",
        received_at=RECEIVED,
        client_ip=ip,
    )


def post(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> Any:
    return WebhookDelivery(
        method="POST",
        headers={"content-type": content_type},
        query={"token": TOKEN},
        body=body,
        received_at=RECEIVED,
        client_ip="10.1.2.3",
    )


def rejected(provider: While1Provider, delivery: WebhookDelivery) -> tuple[int, Any]:
    with pytest.raises(WebhookRejected) as error:
        provider.handle_webhook(delivery)
    return error.value.status_code, json.loads(error.value.body)


# --- who may send ----------------------------------------------------------------------


def test_an_event_is_answered_200_with_an_empty_body(provider: While1Provider) -> None:
    outcome = provider.handle_webhook(get(DIAL_ANSWER))
    assert outcome.status_code == 200
    assert outcome.body == b""
    assert outcome.media_type is None
    assert outcome.payload == DIAL_ANSWER, "kept as sent, without the token"


@pytest.mark.parametrize("token", ["forged", "", None, TOKEN.upper()])
def test_a_wrong_or_missing_token_is_refused(provider: While1Provider, token: str | None) -> None:
    assert rejected(provider, get(DIAL_ANSWER, token=token)) == (403, INVALID_KEY)


@pytest.mark.parametrize("token", ["", "anything"])
def test_without_a_webhook_token_every_event_is_refused(
    http: httpx.AsyncClient, token: str
) -> None:
    provider = make_provider(http, webhook_token="")
    assert rejected(provider, get(DIAL_ANSWER, token=token)) == (403, INVALID_KEY)


def test_allowed_ips(http: httpx.AsyncClient) -> None:
    provider = make_provider(http, allowed_ips=["185.10.20.0/24"])
    assert rejected(provider, get(DIAL_ANSWER, ip="10.1.2.3")) == (403, SOURCE_NOT_ALLOWED)
    assert provider.handle_webhook(get(DIAL_ANSWER, ip="185.10.20.7")).signals


# --- what the events mean ----------------------------------------------------------------


def test_dial_answer_is_the_customer_answering_a_placed_call(provider: While1Provider) -> None:
    (signal,) = provider.handle_webhook(get(DIAL_ANSWER)).signals
    assert signal.refs == (EXT, UNIQUEID), "our id finds the call; uniqueid is linked to it"
    assert signal.kind is CallEventKind.ANSWERED
    assert signal.status is CallStatus.IN_PROGRESS
    assert signal.direction is CallDirection.OUTBOUND
    assert signal.to_number == "+40721234567"
    assert signal.from_number == "+40212345678"
    assert signal.agent == "101"
    assert signal.occurred_at == RECEIVED
    assert "token" not in signal.raw


def test_a_later_event_with_only_uniqueid_still_names_the_call(provider: While1Provider) -> None:
    fields = {**DIAL_ANSWER, "event": "outgoing_end"}
    del fields["external_id"]
    (signal,) = provider.handle_webhook(get(fields)).signals
    assert signal.refs == (UNIQUEID,)
    assert signal.status is CallStatus.COMPLETED


@pytest.mark.parametrize(
    ("reason", "kind", "status"),
    [
        ("", CallEventKind.COMPLETED, CallStatus.COMPLETED),
        ("ANSWER", CallEventKind.COMPLETED, CallStatus.COMPLETED),
        ("BUSY", CallEventKind.FAILED, CallStatus.BUSY),
        ("NOANSWER", CallEventKind.FAILED, CallStatus.NO_ANSWER),
        ("no answer", CallEventKind.FAILED, CallStatus.NO_ANSWER),
        ("CONGESTION", CallEventKind.FAILED, CallStatus.UNREACHABLE),
        ("CHANUNAVAIL", CallEventKind.FAILED, CallStatus.UNREACHABLE),
        ("CANCEL", CallEventKind.FAILED, CallStatus.CANCELED),
        ("Rejected by agent", CallEventKind.FAILED, CallStatus.REJECTED),
        ("INVALIDARGS", CallEventKind.FAILED, CallStatus.FAILED),
    ],
)
def test_outgoing_end_by_its_fail_reason(
    provider: While1Provider, reason: str, kind: CallEventKind, status: CallStatus
) -> None:
    fields = {**DIAL_ANSWER, "event": "outgoing_end", "fail_reason": reason}
    (signal,) = provider.handle_webhook(get(fields)).signals
    assert (signal.kind, signal.status) == (kind, status)
    assert signal.direction is CallDirection.OUTBOUND


@pytest.mark.parametrize(
    ("event", "kind", "status"),
    [
        ("queue_answer", CallEventKind.ANSWERED, CallStatus.IN_PROGRESS),
        ("call_forward_answer", CallEventKind.ANSWERED, CallStatus.IN_PROGRESS),
        ("queue_answer_end", CallEventKind.COMPLETED, CallStatus.COMPLETED),
        ("missed_calls", CallEventKind.FAILED, CallStatus.NO_ANSWER),
    ],
)
def test_a_customer_calling_in(
    provider: While1Provider, event: str, kind: CallEventKind, status: CallStatus
) -> None:
    fields = {
        "event": event,
        "uniqueid": UNIQUEID,
        "telephone": "0721234567",
        "dnid": "0212345678",
        "queue": "support",
        "agent": "102",
    }
    (signal,) = provider.handle_webhook(get(fields)).signals
    assert signal.refs == (UNIQUEID,)
    assert (signal.kind, signal.status) == (kind, status)
    assert signal.direction is CallDirection.INBOUND
    assert signal.from_number == "+40721234567", "the customer called"
    assert signal.to_number == "+40212345678", "the number they dialled"
    assert signal.raw["queue"] == "support"


def test_an_unknown_event_changes_nothing_but_is_kept(provider: While1Provider) -> None:
    fields = {**DIAL_ANSWER, "event": "agent_paused", "pause_reason": "lunch"}
    outcome = provider.handle_webhook(get(fields))
    (signal,) = outcome.signals
    assert signal.kind is CallEventKind.STATUS_CHANGED
    assert signal.status is None
    assert signal.direction is None
    assert outcome.payload["pause_reason"] == "lunch"


def test_an_event_naming_no_call_is_kept_without_signals(provider: While1Provider) -> None:
    fields = {"event": "missed_calls", "telephone": "0721234567", "uniqueid": " "}
    outcome = provider.handle_webhook(get(fields))
    assert outcome.status_code == 200
    assert outcome.signals == ()
    assert outcome.payload == fields


def test_numbers_that_are_no_phones_are_kept_as_written(provider: While1Provider) -> None:
    fields = {**DIAL_ANSWER, "telephone": "anonymous", "dnid": "101"}
    (signal,) = provider.handle_webhook(get(fields)).signals
    assert (signal.to_number, signal.from_number) == ("anonymous", "101")


def test_a_dnid_equal_to_the_customer_is_not_our_number(provider: While1Provider) -> None:
    fields = {**DIAL_ANSWER, "dnid": "0721234567"}
    (signal,) = provider.handle_webhook(get(fields)).signals
    assert signal.to_number == "+40721234567"
    assert signal.from_number is None


# --- POST, odd bodies, resends -----------------------------------------------------------


def test_a_posted_form_is_read_like_a_get(provider: While1Provider) -> None:
    by_get = provider.handle_webhook(get(DIAL_ANSWER))
    by_post = provider.handle_webhook(post(urlencode(DIAL_ANSWER).encode()))
    assert by_post.signals == by_get.signals
    assert by_post.payload == by_get.payload
    assert by_post.dedup_key == by_get.dedup_key


def test_a_posted_json_object_is_read_too(provider: While1Provider) -> None:
    body = json.dumps({**DIAL_ANSWER, "agent": 101}).encode()
    (signal,) = provider.handle_webhook(post(body, "application/json")).signals
    assert signal.agent == "101"
    assert signal.refs == (EXT, UNIQUEID)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
def test_a_body_of_no_known_shape_is_kept(provider: While1Provider, body: bytes) -> None:
    outcome = provider.handle_webhook(post(body, "application/json"))
    assert outcome.status_code == 200
    assert outcome.signals == ()
    assert outcome.payload == {"body": body.decode()}


def test_a_resend_has_the_same_dedup_key(provider: While1Provider) -> None:
    first = provider.handle_webhook(get(DIAL_ANSWER))
    again = provider.handle_webhook(get(dict(DIAL_ANSWER)))
    assert first.dedup_key == again.dedup_key


def test_other_events_of_the_call_have_other_keys(provider: While1Provider) -> None:
    answered = provider.handle_webhook(get(DIAL_ANSWER))
    ended = provider.handle_webhook(get({**DIAL_ANSWER, "event": "outgoing_end"}))
    assert answered.dedup_key != ended.dedup_key


def test_the_dedup_key_does_not_depend_on_the_token(http: httpx.AsyncClient) -> None:
    # After the operator changes the token, a resend of an event already stored is the
    # same delivery.
    old = make_provider(http).handle_webhook(get(DIAL_ANSWER))
    new = make_provider(http, webhook_token="rotated").handle_webhook(
        get(DIAL_ANSWER, token="rotated")
    )
    assert old.dedup_key == new.dedup_key


# --- bounds -------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_a_json_body_nested_too_deep_is_400(provider: While1Provider, depth: int) -> None:
    body = '{"event": "dial_answer", "x": ' + "[" * depth + "]" * depth + "}"
    status, answer = rejected(provider, post(body.encode(), "application/json"))
    assert status == 400
    assert "nested deeper than 32" in answer["error"]


def test_a_form_of_more_than_1000_fields_is_400(provider: While1Provider) -> None:
    form = urlencode({**DIAL_ANSWER, **{f"f{i}": "1" for i in range(MAX_FIELDS)}})
    status, answer = rejected(provider, post(form.encode()))
    assert status == 400
    assert "1000 fields" in answer["error"]


def test_a_query_of_more_than_1000_fields_is_400(provider: While1Provider) -> None:
    many = {**DIAL_ANSWER, **{f"f{i}": "1" for i in range(MAX_FIELDS)}}
    status, _ = rejected(provider, get(many))
    assert status == 400


def test_1000_fields_are_kept(provider: While1Provider) -> None:
    fields = {**DIAL_ANSWER, **{f"f{i}": "1" for i in range(MAX_FIELDS - len(DIAL_ANSWER))}}
    outcome = provider.handle_webhook(post(urlencode(fields).encode()))
    assert outcome.payload == fields
