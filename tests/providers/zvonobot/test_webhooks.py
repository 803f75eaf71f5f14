"""Zvonobot -> Callboard deliveries through ZvonobotProvider.handle_webhook.

Zvonobot cannot sign its webhooks: a delivery is trusted for the secret in the URL Callboard
handed it (`?key=...`) and, by default, for coming from the page's address 82.202.206.194.
It resends anything not answered 200 (every minute, three times), so a resend must have the
dedup key of the first try. Bodies are the page's: the status webhook is an apiCall as
`apiCalls/get` shows it, the IVR webhook {"call": {"phone", "answer"}} plus parameters.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from callboard.domain.calls import CallEventKind, CallStatus
from callboard.domain.json_bounds import MAX_DEPTH
from callboard.providers.base import ProviderContext, WebhookDelivery, WebhookRejected
from callboard.providers.options import OptionError, parse_options
from callboard.providers.zvonobot.provider import ZvonobotOptions, ZvonobotProvider
from callboard.providers.zvonobot.webhooks import derive_secret

T0 = 1717421951
RECEIVED = datetime(2024, 6, 3, 18, 0, tzinfo=UTC)
API_KEY = "nWvGmHlvkj1tM323tsEgfdRYkagGi7Qx"
ZVONOBOT_IP = "82.202.206.194"
REF = "a1b2c3d4e5f60718"
RECORDING = "https://files.zvonobot.ru/records/1001.mp3"

INVALID_KEY = {"error": "Invalid key"}
SOURCE_NOT_ALLOWED = {"error": "Source not allowed"}
NOT_AN_OBJECT = {"error": "Body must be a JSON object"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_provider(http: httpx.AsyncClient, provider_id: str = "zb", **raw: Any) -> ZvonobotProvider:
    options = parse_options(
        ZvonobotOptions, {"base_url": "https://lk.zvonobot.ru", "api_key": API_KEY, **raw}
    )
    context = ProviderContext(
        id=provider_id, http=http, webhook_url=f"http://cb/webhooks/{provider_id}"
    )
    return ZvonobotProvider(context, options)


@pytest.fixture
def provider(http: httpx.AsyncClient) -> ZvonobotProvider:
    return make_provider(http)


def secret_of(provider: ZvonobotProvider) -> str:
    return provider.webhook_url.split("?key=", 1)[1]


def delivery(
    provider: ZvonobotProvider,
    body: Any,
    *,
    ip: str | None = ZVONOBOT_IP,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> WebhookDelivery:
    """A POST as Zvonobot makes it to the URL it was given (its query by default)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return WebhookDelivery(
        method="POST",
        headers={"content-type": "application/json", **(headers or {})},
        query=dict(query) if query is not None else {"key": secret_of(provider)},
        body=raw,
        received_at=RECEIVED,
        client_ip=ip,
    )


def assert_rejected(caught: pytest.ExceptionInfo[WebhookRejected], status: int, body: Any) -> None:
    assert caught.value.status_code == status
    assert json.loads(caught.value.body) == body
    assert caught.value.media_type == "application/json"


def a_leg(**changes: Any) -> dict[str, Any]:
    leg = {
        "phone": "79123456789",
        "ivrDigit": 1,
        "startedAt": T0 + 60,
        "answeredAt": T0 + 75,
        "managerStartedAt": None,
        "managerAnsweredAt": None,
        "finishedAt": T0 + 175,
        "toBlock": False,
        "status": "finished",
        "nextCallId": None,
        "hangupCause": 16,
        "managerStatus": None,
        "recordFilePath": RECORDING,
        "cost": 1.5,
        "createdAt": T0,
        "updatedAt": T0 + 176,
        "label": ZVONOBOT_IP,
        "ivrAnswers": "1",
        "ivrIdList": [11],
        "comment": None,
    }
    leg.update(changes)
    return leg


def status_body(*, webhook_try: int = 1, **leg: Any) -> dict[str, Any]:
    """The status webhook: the apiCall, its webhookParameters' fields added to the body."""
    return {
        "id": 1001,
        "createdAt": T0,
        "smartDelay": None,
        "prevCallId": None,
        "needRecording": 1,
        "plannedAt": T0,
        "webhookUrl": "http://cb/webhooks/zb?key=...",
        "webhookSent": webhook_try > 1,
        "amoscriptId": None,
        "webhookParameters": json.dumps({"crm_lead": "L-7", "callboard_ref": REF}),
        "webhookTry": webhook_try,
        "recognitionGroupId": None,
        "generateGroupId": None,
        "calls": [a_leg(**leg)],
        "crm_lead": "L-7",
        "callboard_ref": REF,
    }


def ivr_body(answer: Any = 1) -> dict[str, Any]:
    return {
        "call": {"phone": "79123456789", "answer": answer},
        "crm_lead": "L-7",
        "callboard_ref": REF,
        "callboard_node": "0",
    }


# --- the URL secret ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [{"key": "wrong"}, {"key": ""}, {}, {"secret": "x"}, {"KEY": "x"}],
    ids=["wrong", "empty", "missing", "other-name", "other-case"],
)
def test_a_wrong_or_missing_key_is_refused(
    provider: ZvonobotProvider, query: dict[str, str]
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, status_body(), query=query))
    assert_rejected(caught, 403, INVALID_KEY)


def test_a_key_with_a_suffix_is_refused(provider: ZvonobotProvider) -> None:
    query = {"key": secret_of(provider) + "0"}
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, status_body(), query=query))
    assert_rejected(caught, 403, INVALID_KEY)


def test_another_providers_key_is_refused(http: httpx.AsyncClient) -> None:
    ours, theirs = make_provider(http, "zb"), make_provider(http, "zb-2")
    with pytest.raises(WebhookRejected) as caught:
        ours.handle_webhook(delivery(ours, status_body(), query={"key": secret_of(theirs)}))
    assert_rejected(caught, 403, INVALID_KEY)


def test_a_key_in_a_header_or_the_body_does_not_count(provider: ZvonobotProvider) -> None:
    body = {**status_body(), "key": secret_of(provider)}
    sent = delivery(provider, body, query={}, headers={"x-key": secret_of(provider)})
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(sent)
    assert_rejected(caught, 403, INVALID_KEY)


def test_the_configured_secret_is_the_key(http: httpx.AsyncClient) -> None:
    provider = make_provider(http, webhook_secret="s3cr3t-from-the-operator")
    assert provider.webhook_url == "http://cb/webhooks/zb?key=s3cr3t-from-the-operator"
    outcome = provider.handle_webhook(
        delivery(provider, status_body(), query={"key": "s3cr3t-from-the-operator"})
    )
    assert outcome.signals
    with pytest.raises(WebhookRejected):
        provider.handle_webhook(
            delivery(provider, status_body(), query={"key": derive_secret(API_KEY, "zb")})
        )


def test_the_derived_secret_is_stable_and_does_not_reveal_the_key(
    http: httpx.AsyncClient,
) -> None:
    secret = derive_secret(API_KEY, "zb")
    assert secret == derive_secret(API_KEY, "zb"), "every instance and restart agrees"
    assert API_KEY not in secret
    assert API_KEY[:8] not in secret
    assert len(secret) >= 32
    assert secret != derive_secret(API_KEY, "zb-2")
    assert secret != derive_secret(API_KEY + "x", "zb")
    assert make_provider(http).webhook_url == make_provider(http).webhook_url


def test_the_webhook_url_carries_the_secret(provider: ZvonobotProvider) -> None:
    secret = derive_secret(API_KEY, "zb")
    assert provider.webhook_url == f"http://cb/webhooks/zb?key={secret}"
    assert provider.webhook_url.endswith(f"?key={secret}")
    assert API_KEY not in provider.webhook_url
    assert len(provider.webhook_url) <= 255, "Zvonobot's webhookUrl is string(255)"


def test_options_and_provider_reprs_hide_the_secrets(http: httpx.AsyncClient) -> None:
    options = parse_options(
        ZvonobotOptions,
        {
            "base_url": "https://lk.zvonobot.ru",
            "api_key": API_KEY,
            "webhook_secret": "s3cr3t-from-the-operator",
        },
    )
    for text in (repr(options), str(options)):
        assert API_KEY not in text
        assert "s3cr3t-from-the-operator" not in text
        assert "lk.zvonobot.ru" in text
    provider = make_provider(http, webhook_secret="s3cr3t-from-the-operator")
    assert API_KEY not in repr(provider)
    assert "s3cr3t-from-the-operator" not in repr(provider)


def test_an_empty_api_key_is_refused_at_configuration() -> None:
    with pytest.raises(OptionError) as caught:
        parse_options(ZvonobotOptions, {"base_url": "https://lk.zvonobot.ru", "api_key": ""})
    assert caught.value.key == "api_key"


@pytest.mark.parametrize("address", ["82.202.206", "zvonobot.ru", "82.202.206.194/33"])
def test_an_allowed_ip_that_is_not_an_address_is_refused_at_configuration(address: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_options(
            ZvonobotOptions,
            {"base_url": "https://lk.zvonobot.ru", "api_key": API_KEY, "allowed_ips": [address]},
        )
    assert caught.value.key == "allowed_ips"


# --- the source address -------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip", ["82.202.206.195", "10.0.0.1", "127.0.0.1", "::1", "::ffff:82.202.206.195", "", None]
)
def test_by_default_only_zvonobots_address_may_post(
    provider: ZvonobotProvider, ip: str | None
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, status_body(), ip=ip))
    assert_rejected(caught, 403, SOURCE_NOT_ALLOWED)


@pytest.mark.parametrize("ip", [ZVONOBOT_IP, "::ffff:82.202.206.194", " 82.202.206.194 "])
def test_zvonobots_address_may_post(provider: ZvonobotProvider, ip: str) -> None:
    assert provider.handle_webhook(delivery(provider, status_body(), ip=ip)).signals


def test_a_source_outside_is_refused_even_with_the_right_key(provider: ZvonobotProvider) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, status_body(), ip="203.0.113.7"))
    assert caught.value.status_code == 403


@pytest.mark.parametrize(
    ("allowed", "ip", "accepted"),
    [
        (["82.202.206.0/24"], "82.202.206.7", True),
        (["82.202.206.0/24"], "82.202.207.7", False),
        (["82.202.206.0/24"], "::ffff:82.202.206.7", True),
        (["10.0.0.0/8", ZVONOBOT_IP], ZVONOBOT_IP, True),
        (["10.0.0.0/8", ZVONOBOT_IP], "10.20.30.40", True),
        (["10.0.0.0/8"], ZVONOBOT_IP, False),
        (["2001:db8::/32"], "2001:db8::1", True),
        (["2001:db8::/32"], ZVONOBOT_IP, False),
        ([], "203.0.113.7", True),
        ([], "::1", True),
        ([], None, True),
    ],
)
def test_allowed_ips(
    http: httpx.AsyncClient, allowed: list[str], ip: str | None, accepted: bool
) -> None:
    provider = make_provider(http, allowed_ips=allowed)
    sent = delivery(provider, status_body(), ip=ip)
    if accepted:
        assert provider.handle_webhook(sent).signals
    else:
        with pytest.raises(WebhookRejected) as caught:
            provider.handle_webhook(sent)
        assert_rejected(caught, 403, SOURCE_NOT_ALLOWED)


def test_with_any_source_allowed_the_key_still_applies(http: httpx.AsyncClient) -> None:
    provider = make_provider(http, allowed_ips=[])
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(
            delivery(provider, status_body(), query={"key": "wrong"}, ip="203.0.113.7")
        )
    assert_rejected(caught, 403, INVALID_KEY)


# --- the body -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"call[phone]=79123456789&call[answer]=1", b'{"id": 1', b"\xff\xfe{}"],
)
def test_a_body_that_is_not_json_is_malformed(provider: ZvonobotProvider, raw: bytes) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, raw))
    assert_rejected(caught, 400, NOT_AN_OBJECT)


@pytest.mark.parametrize("raw", [b"[1, 2]", b"42", b'"text"', b"null"])
def test_json_that_is_not_an_object_is_malformed(provider: ZvonobotProvider, raw: bytes) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, raw))
    assert_rejected(caught, 400, NOT_AN_OBJECT)


def test_a_malformed_body_from_a_stranger_is_refused_for_its_source_first(
    provider: ZvonobotProvider,
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(
            delivery(provider, b"not json", ip="203.0.113.7", query={"key": "x"})
        )
    assert caught.value.status_code == 403


# --- status webhooks --------------------------------------------------------------------


def test_a_status_webhook(provider: ZvonobotProvider) -> None:
    body = status_body()
    outcome = provider.handle_webhook(delivery(provider, body))
    assert outcome.status_code == 200
    status, recording = outcome.signals
    assert status.kind is CallEventKind.STATUS_CHANGED
    assert status.status is CallStatus.COMPLETED
    assert status.refs == ("1001", f"{REF}:79123456789")
    assert status.to_number == "+79123456789"
    assert status.duration_seconds == 100
    assert status.started_at == datetime.fromtimestamp(T0 + 60, UTC)
    assert status.occurred_at == RECEIVED
    assert recording.kind is CallEventKind.RECORDING_READY
    assert recording.recording_url == RECORDING
    assert outcome.payload == body


@pytest.mark.parametrize(
    ("leg", "expected"),
    [
        (
            {"status": "created", "startedAt": None, "answeredAt": None, "finishedAt": None},
            "QUEUED",
        ),
        ({"status": "started", "answeredAt": None, "finishedAt": None}, "DIALING"),
        ({"status": "answered", "finishedAt": None}, "IN_PROGRESS"),
        ({"status": "canceled", "hangupCause": 17, "answeredAt": None}, "BUSY"),
        ({"status": "canceled", "hangupCause": 19, "answeredAt": None}, "NO_ANSWER"),
        (
            {"status": "canceled", "startedAt": None, "answeredAt": None, "finishedAt": None},
            "CANCELED",
        ),
    ],
)
def test_each_status_webhook_moves_the_call(
    provider: ZvonobotProvider, leg: dict[str, Any], expected: str
) -> None:
    body = status_body(recordFilePath=None, **leg)
    (signal,) = provider.handle_webhook(delivery(provider, body)).signals
    assert signal.kind is CallEventKind.STATUS_CHANGED
    assert signal.status is CallStatus[expected]


def test_a_resend_has_the_dedup_key_of_the_first_try(provider: ZvonobotProvider) -> None:
    first = status_body(webhook_try=1)
    resend = copy.deepcopy(first)
    resend["webhookTry"] = 2
    resend["webhookSent"] = True
    resend["calls"][0]["updatedAt"] = T0 + 240
    third = {**copy.deepcopy(resend), "webhookTry": 3}
    keys = {
        provider.handle_webhook(delivery(provider, body)).dedup_key
        for body in (first, resend, third)
    }
    assert len(keys) == 1


def test_a_resend_with_its_keys_in_another_order_is_the_same_delivery(
    provider: ZvonobotProvider,
) -> None:
    first = status_body()
    reordered = dict(reversed(list(first.items())))
    assert (
        provider.handle_webhook(delivery(provider, first)).dedup_key
        == provider.handle_webhook(delivery(provider, reordered)).dedup_key
    )


def test_each_status_change_is_its_own_delivery(provider: ZvonobotProvider) -> None:
    bodies = [
        status_body(status="started", answeredAt=None, finishedAt=None, recordFilePath=None),
        status_body(status="answered", finishedAt=None, recordFilePath=None),
        status_body(),
    ]
    keys = [provider.handle_webhook(delivery(provider, b)).dedup_key for b in bodies]
    assert len(set(keys)) == 3


def test_two_calls_reporting_the_same_status_are_different_deliveries(
    provider: ZvonobotProvider,
) -> None:
    one, other = status_body(), {**status_body(), "id": 1002}
    assert (
        provider.handle_webhook(delivery(provider, one)).dedup_key
        != provider.handle_webhook(delivery(provider, other)).dedup_key
    )


def test_a_status_webhook_in_the_get_envelope(provider: ZvonobotProvider) -> None:
    """The page: the webhook is 'the same JSON as apiCalls/get', which may be the envelope."""
    for body in ({"status": "success", "data": [status_body()]}, [status_body()]):
        outcome = provider.handle_webhook(delivery(provider, body))
        status, _ = outcome.signals
        assert status.status is CallStatus.COMPLETED
        assert status.refs == ("1001", f"{REF}:79123456789")


# --- IVR webhooks -----------------------------------------------------------------------


def test_an_ivr_webhook(provider: ZvonobotProvider) -> None:
    outcome = provider.handle_webhook(delivery(provider, ivr_body()))
    (signal,) = outcome.signals
    assert signal.kind is CallEventKind.IVR_INPUT
    assert signal.refs == (f"{REF}:79123456789",)
    assert signal.to_number == "+79123456789"
    assert signal.raw["answer"] == 1
    assert signal.raw["node"] == "0"
    assert signal.raw["crm_lead"] == "L-7"
    assert outcome.status_code == 200


def test_a_spoken_ivr_answer(provider: ZvonobotProvider) -> None:
    (signal,) = provider.handle_webhook(delivery(provider, ivr_body("да"))).signals
    assert signal.raw["answer"] == "да"


def test_an_ivr_resend_is_the_same_delivery(provider: ZvonobotProvider) -> None:
    first = provider.handle_webhook(delivery(provider, ivr_body()))
    again = provider.handle_webhook(delivery(provider, ivr_body()))
    other = provider.handle_webhook(delivery(provider, ivr_body(2)))
    assert first.dedup_key == again.dedup_key
    assert first.dedup_key != other.dedup_key


# --- anything else ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ping": True},
        {"event": "balance_low", "balance": 3},
        {"call": "79123456789"},
        {"call": None},
        {"id": None, "calls": []},
        {"id": "", "calls": [a_leg()]},
        {"status": "success", "data": []},
        {"status": "success", "data": "ok"},
    ],
)
def test_an_unknown_shape_is_accepted_without_signals(
    provider: ZvonobotProvider, body: dict[str, Any]
) -> None:
    outcome = provider.handle_webhook(delivery(provider, body))
    assert outcome.signals == ()
    assert outcome.status_code == 200
    assert outcome.dedup_key


@pytest.mark.parametrize(
    "body",
    [
        {"id": 1001},
        {"id": 1001, "calls": None},
        {"id": 1001, "calls": 7},
        {"id": 1001, "calls": "finished"},
        {"id": 1001, "calls": [7, None, "x"]},
        {"id": 1001, "calls": {"phone": "79123456789", "status": "finished"}},
        {"id": {"nested": 1}, "calls": [{"status": ["finished"], "startedAt": "soon"}]},
        {"id": 1001, "calls": [{"phone": 79123456789, "hangupCause": {"q850": 17}}]},
        {"id": 1001, "webhookParameters": 5, "calls": [a_leg(phone=None)]},
        {"call": {"phone": None, "answer": None}},
        {"call": {"phone": ["x"]}, "callboard_ref": {"x": 1}},
        {"call": {}, "calls": []},
    ],
    ids=lambda body: json.dumps(body)[:40],
)
def test_an_odd_body_never_raises(provider: ZvonobotProvider, body: dict[str, Any]) -> None:
    """Anything but 200 (or a refusal) makes Zvonobot resend; a crash would be a 500."""
    outcome = provider.handle_webhook(delivery(provider, body))
    assert outcome.status_code == 200
    assert outcome.dedup_key
    kinds = {CallEventKind.STATUS_CHANGED, CallEventKind.IVR_INPUT, CallEventKind.RECORDING_READY}
    assert all(s.kind in kinds for s in outcome.signals)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_a_body_nested_too_deep_is_400(provider: ZvonobotProvider, depth: int) -> None:
    raw = '{"id": 1001, "calls": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(WebhookRejected) as caught:
        provider.handle_webhook(delivery(provider, raw.encode()))
    assert caught.value.status_code == 400
    assert "nested deeper than 32" in json.loads(caught.value.body)["error"]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_echoed_webhook_parameters_nested_too_deep_are_kept_as_text(
    provider: ZvonobotProvider, depth: int
) -> None:
    # the ref is not merged into the body: it would be looked for in the echo
    params = '{"callboard_ref": ' * depth + "0" + "}" * depth
    body = status_body() | {"webhookParameters": params}
    del body["callboard_ref"]
    outcome = provider.handle_webhook(delivery(provider, body))
    assert outcome.status_code == 200
    assert outcome.payload["webhookParameters"] == params
    assert outcome.signals[0].refs[0] == "1001", "the call's events all the same"
