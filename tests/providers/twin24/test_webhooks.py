"""Twin24 -> Callboard deliveries through Twin24Provider.handle_webhook, and the options.

Twin24 cannot sign its webhooks: a delivery is trusted for the secret in the URL Callboard
put in the rule (`?key=...`) and, if the operator says so, for its source address. Twin24
resends anything not answered 200 for a day, so a resend must keep its dedup key, and a
shape nobody documented must still be kept and answered 200.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from callboard.domain.calls import CallEventKind, CallStatus
from callboard.domain.capabilities import Capability
from callboard.domain.json_bounds import MAX_DEPTH
from callboard.providers.base import ProviderContext, WebhookDelivery, WebhookRejected
from callboard.providers.options import OptionError, parse_options
from callboard.providers.twin24.provider import Twin24Options, Twin24Provider
from callboard.providers.webhook_guard import derive_secret

RECEIVED = datetime(2024, 6, 3, 18, 0, tzinfo=UTC)
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjIwMDAwMDAwMDB9.c2ln"
CALL = "5f0c8a7e-1d2b-4c3a-9e8f-7a6b5c4d3e2f"
INCOMING = {"callId": CALL, "number": "71234567001", "caller": "79123456789"}
TWIN24_IP = "87.251.83.170"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_provider(http: httpx.AsyncClient, provider_id: str = "t24", **raw: Any) -> Twin24Provider:
    given: dict[str, Any] = {"base_url": "https://twin24.ai"}
    if not {"email", "password"} & raw.keys():
        given["token"] = TOKEN
    given.update(raw)
    context = ProviderContext(
        id=provider_id, http=http, webhook_url=f"http://cb/webhooks/{provider_id}"
    )
    return Twin24Provider(context, parse_options(Twin24Options, given))


@pytest.fixture
def provider(http: httpx.AsyncClient) -> Twin24Provider:
    return make_provider(http)


def secret_of(provider: Twin24Provider) -> str:
    return provider.webhook_url.split("?key=", 1)[1]


def delivery(
    provider: Twin24Provider,
    body: Any,
    *,
    ip: str | None = TWIN24_IP,
    query: Mapping[str, str] | None = None,
) -> WebhookDelivery:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return WebhookDelivery(
        method="POST",
        headers={"content-type": "application/json"},
        query=dict(query) if query is not None else {"key": secret_of(provider)},
        body=raw,
        received_at=RECEIVED,
        client_ip=ip,
    )


def refused(provider: Twin24Provider, d: WebhookDelivery) -> WebhookRejected:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(d)
    return caught.value


# --- who may post ----------------------------------------------------------------------------


def test_the_webhook_url_carries_a_secret_derived_from_the_token(provider: Twin24Provider) -> None:
    assert provider.webhook_url == f"http://cb/webhooks/t24?key={derive_secret(TOKEN, 't24')}"


def test_the_secret_differs_per_provider_and_credentials(http: httpx.AsyncClient) -> None:
    secrets = {
        secret_of(make_provider(http)),
        secret_of(make_provider(http, "other")),
        secret_of(make_provider(http, email="a@b.c", password="p-1")),
        secret_of(make_provider(http, email="a@b.c", password="p-2")),
    }
    assert len(secrets) == 4


def test_a_configured_secret_is_used(http: httpx.AsyncClient) -> None:
    provider = make_provider(http, webhook_secret="my-own-secret")
    assert provider.webhook_url.endswith("?key=my-own-secret")


@pytest.mark.parametrize("query", [{}, {"key": "forged"}, {"key": ""}])
def test_a_wrong_or_missing_key_is_403(provider: Twin24Provider, query: dict[str, str]) -> None:
    rejected = refused(provider, delivery(provider, INCOMING, query=query))
    assert rejected.status_code == 403
    assert json.loads(rejected.body) == {"error": "Invalid key"}


def test_any_source_is_accepted_by_default(provider: Twin24Provider) -> None:
    assert provider.handle_webhook(delivery(provider, INCOMING, ip="203.0.113.9")).signals


def test_allowed_ips_refuse_other_sources(http: httpx.AsyncClient) -> None:
    provider = make_provider(http, allowed_ips=["87.251.83.160/27"])
    assert provider.handle_webhook(delivery(provider, INCOMING)).signals
    rejected = refused(provider, delivery(provider, INCOMING, ip="87.251.83.200"))
    assert rejected.status_code == 403
    assert json.loads(rejected.body) == {"error": "Source not allowed"}


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[]"])
def test_a_body_that_is_not_a_json_object_is_400(provider: Twin24Provider, body: bytes) -> None:
    rejected = refused(provider, delivery(provider, body))
    assert rejected.status_code == 400


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_a_body_nested_too_deep_is_400(provider: Twin24Provider, depth: int) -> None:
    body = '{"callId": "c-1", "extra": ' + "[" * depth + "]" * depth + "}"
    rejected = refused(provider, delivery(provider, body.encode()))
    assert rejected.status_code == 400
    assert "nested deeper than 32" in json.loads(rejected.body)["error"]


# --- what a delivery becomes ---------------------------------------------------------------


def test_an_incoming_call_becomes_a_ringing_signal_answered_200_empty(
    provider: Twin24Provider,
) -> None:
    outcome = provider.handle_webhook(delivery(provider, INCOMING))
    (signal,) = outcome.signals
    assert signal.kind is CallEventKind.RINGING
    assert signal.status is CallStatus.RINGING
    assert signal.refs == (CALL,)
    assert outcome.status_code == 200
    assert outcome.body == b""
    assert outcome.payload == INCOMING


def test_a_one_item_list_is_that_object(provider: Twin24Provider) -> None:
    outcome = provider.handle_webhook(delivery(provider, [INCOMING]))
    assert outcome.signals[0].refs == (CALL,)


def test_no_call_id_is_kept_without_signals(provider: Twin24Provider) -> None:
    body = {"type": "CANDIDATE_CHANGED", "candidate": {"phone": "79123456789"}}
    outcome = provider.handle_webhook(delivery(provider, body))
    assert outcome.signals == ()
    assert outcome.payload == body
    assert outcome.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"callId": CALL, "type": ["CALL_ENDED"]},
        {"callId": CALL, "type": "CALL_ENDED", "status": ["busy"], "duration": [1]},
        {"callId": [CALL], "type": 5},
    ],
)
def test_odd_field_types_are_kept_and_answered_200(provider: Twin24Provider, body: Any) -> None:
    outcome = provider.handle_webhook(delivery(provider, body))
    assert outcome.status_code == 200
    assert outcome.payload == body


def test_a_resend_has_the_same_key(provider: Twin24Provider) -> None:
    first = provider.handle_webhook(delivery(provider, INCOMING))
    again = provider.handle_webhook(delivery(provider, dict(reversed(INCOMING.items()))))
    counted = provider.handle_webhook(delivery(provider, {**INCOMING, "attempt": 2}))
    assert first.dedup_key == again.dedup_key == counted.dedup_key


def test_the_recording_delivery_is_not_taken_for_a_resend(provider: Twin24Provider) -> None:
    first = provider.handle_webhook(delivery(provider, INCOMING))
    second = provider.handle_webhook(
        delivery(provider, {**INCOMING, "recordPath": "https://r/1.mp3"})
    )
    assert first.dedup_key != second.dedup_key
    assert second.signals[0].kind is CallEventKind.RECORDING_READY


def test_events_of_one_call_have_different_keys(provider: Twin24Provider) -> None:
    keys = {
        provider.handle_webhook(delivery(provider, {**INCOMING, "type": t})).dedup_key
        for t in ("CALL_REDIRECTED", "CALL_ENDED", "CANDIDATE_CHANGED")
    }
    assert len(keys) == 3


# --- the provider and its options ------------------------------------------------------------


def test_kind_vendor_and_capabilities() -> None:
    assert Twin24Provider.kind == "twin24"
    assert Twin24Provider.vendor == "Twin24"
    assert Twin24Provider.capabilities == {
        Capability.ADD_INCOMING_NUMBERS,
        Capability.CALL_EVENTS,
        Capability.RECORDINGS,
    }


def test_option_defaults() -> None:
    options = parse_options(Twin24Options, {"base_url": "https://twin24.ai", "token": TOKEN})
    assert options.auth_url == "https://iam.twin24.ai/api/v1/auth/login"
    assert options.token_ttl == 86400
    assert options.default_provider_id == ""
    assert options.allowed_ips == ()
    assert options.webhook_secret == ""


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ({}, "token"),
        ({"email": "a@b.c"}, "password"),
        ({"password": "p"}, "email"),
        ({"token": TOKEN, "token_ttl": 30}, "token_ttl"),
        ({"token": TOKEN, "allowed_ips": ["87.251.83.160/27", "twin24"]}, "allowed_ips"),
        ({"email": "a@b.c", "password": "p", "auth_url": "iam.twin24.ai"}, "auth_url"),
    ],
)
def test_options_say_what_is_missing_or_wrong(given: dict[str, Any], key: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_options(Twin24Options, {"base_url": "https://twin24.ai", **given})
    assert caught.value.key == key


def test_secrets_are_not_in_the_options_repr() -> None:
    options = parse_options(
        Twin24Options,
        {
            "base_url": "https://twin24.ai",
            "token": TOKEN,
            "email": "a@b.c",
            "password": "p-secret",
            "webhook_secret": "w-secret",
        },
    )
    shown = repr(options)
    assert all(s not in shown for s in (TOKEN, "p-secret", "w-secret"))
    assert "a@b.c" in shown
