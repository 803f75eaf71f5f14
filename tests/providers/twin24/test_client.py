"""Twin24Provider.add_incoming_numbers on the wire: against the Twin24 simulator (login,
Bearer token, the batch, its refusals), and against a mock for replies the simulator does
not make (other error shapes, odd successes, failures of the network)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from callboard.domain.errors import (
    BadInput,
    CallboardError,
    ProviderMisconfigured,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from callboard.domain.incoming import (
    IncomingAction,
    IncomingNumber,
    IncomingNumbersRequest,
    NumberConnection,
)
from callboard.providers.base import ProviderContext
from callboard.providers.options import parse_options
from callboard.providers.twin24.provider import Twin24Options, Twin24Provider
from callboard.providers.twin24.simulator import AUTH_PATH, BATCH_PATH, Twin24Simulator
from callboard.providers.webhook_guard import derive_secret
from tests.providers.mock_vendor import Handler, MockHttp, Vendor

EMAIL = "ops@example.ru"
PASSWORD = "pa55-w0rd-twin"
TRUNK = "bce7d22e-dde6-4427-b391-ebbdfda44de6"
BOT = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
TRUNK_PASSWORD = "trunk-secret-77"
STATIC = "static-api-token-1"
ROOT = "http://sim"


def provider_on(http: httpx.AsyncClient, **options: Any) -> Twin24Provider:
    raw: dict[str, Any] = {
        "base_url": ROOT,
        "auth_url": f"{ROOT}{AUTH_PATH}",
        "default_provider_id": TRUNK,
    }
    if "token" not in options:
        raw.update(email=EMAIL, password=PASSWORD)
    raw.update(options)
    context = ProviderContext(id="t24", http=http, webhook_url="http://cb/webhooks/t24")
    return Twin24Provider(context, parse_options(Twin24Options, raw))


def two_numbers(**fields: Any) -> IncomingNumbersRequest:
    return IncomingNumbersRequest(
        numbers=(
            IncomingNumber(
                "+71234567001",
                "Линия 1",
                NumberConnection(did="123", login="sip-1", password=TRUNK_PASSWORD),
            ),
            IncomingNumber("+71234567002", "Линия 2", NumberConnection(number_as_did=True)),
        ),
        **fields,
    )


def one_number(e164: str = "+71234567003") -> IncomingNumbersRequest:
    return IncomingNumbersRequest(numbers=(IncomingNumber(e164, "Ещё", NumberConnection(did="9")),))


@pytest.fixture
async def sim() -> AsyncIterator[Twin24Simulator]:
    simulator = Twin24Simulator(email=EMAIL, password=PASSWORD, token=STATIC)
    yield simulator
    await simulator.aclose()


@pytest.fixture
async def http(sim: Twin24Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sim.app), base_url=ROOT) as c:
        yield c


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    for secret in (PASSWORD, TRUNK_PASSWORD, STATIC, *secrets):
        assert secret not in str(error)
        assert secret not in repr(error)
        if isinstance(error, CallboardError):
            assert secret not in error.message


# --- against the simulator ------------------------------------------------------------------


async def test_adds_the_numbers_and_returns_them(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    provider = provider_on(http)
    request = two_numbers(
        action=IncomingAction.ROBOT,
        bot_id=BOT,
        record_calls=True,
        webhook_urls=("https://crm.example/hook",),
    )
    added = await provider.add_incoming_numbers(request)
    assert [(n.provider_id, n.number, n.name) for n in added] == [
        ("t24", "+71234567001", "Линия 1"),
        ("t24", "+71234567002", "Линия 2"),
    ]
    assert all(n.number_id is None and n.shared is False for n in added)
    assert added[0].raw["connectionOptions"]["login"] == "sip-1"
    assert "password" not in added[0].raw["connectionOptions"]
    assert added[1].raw["connectionOptions"]["numberAsDid"] is True
    assert added[0].raw["incomingCallsOptions"]["botId"] == BOT
    assert added[0].raw["webhookUrls"] == ["https://crm.example/hook"]
    assert TRUNK_PASSWORD not in repr(added)
    rules = {r["number"]: r for r in sim.rules}
    assert set(rules) == {"71234567001", "71234567002"}
    assert rules["71234567001"]["webhookUrls"] == ["https://crm.example/hook", provider.webhook_url]
    assert rules["71234567001"]["connectionOptions"]["password"] == TRUNK_PASSWORD
    assert rules["71234567002"]["connectionOptions"]["providerId"] == TRUNK
    assert sim.logins == 1


async def test_a_second_batch_reuses_the_token(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    provider = provider_on(http)
    await provider.add_incoming_numbers(two_numbers())
    await provider.add_incoming_numbers(one_number())
    assert sim.logins == 1
    assert len(sim.rules) == 3


async def test_an_expired_token_means_one_new_login_and_one_retry(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    provider = provider_on(http)
    await provider.add_incoming_numbers(two_numbers())
    sim.expire_tokens()
    added = await provider.add_incoming_numbers(one_number())
    assert [n.number for n in added] == ["+71234567003"]
    assert sim.logins == 2
    assert sim.requests[BATCH_PATH] == 3  # the first batch, the refused try, the retry


async def test_a_configured_token_is_sent_without_logging_in(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    await provider_on(http, token=STATIC).add_incoming_numbers(one_number())
    assert sim.logins == 0
    assert sim.requests[AUTH_PATH] == 0
    assert len(sim.rules) == 1


async def test_a_refused_configured_token_is_the_operators_to_fix(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ProviderMisconfigured) as caught:
        await provider_on(http, token="revoked-token-9").add_incoming_numbers(one_number())
    assert "`token`" in caught.value.message
    assert caught.value.vendor_code == "401"
    assert_no_secret(caught.value, "revoked-token-9")
    assert sim.requests[BATCH_PATH] == 1  # nothing to renew: not sent again
    assert sim.rules == []


async def test_wrong_credentials_are_the_operators_to_fix(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ProviderMisconfigured) as caught:
        await provider_on(http, password="wrong-pass").add_incoming_numbers(one_number())
    assert "`email` and `password`" in caught.value.message
    assert_no_secret(caught.value, "wrong-pass", EMAIL)
    assert sim.requests[BATCH_PATH] == 0


async def test_a_number_already_added_names_it(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    provider = provider_on(http)
    await provider.add_incoming_numbers(one_number("+71234567002"))
    with pytest.raises(ProviderRejected) as caught:
        await provider.add_incoming_numbers(two_numbers())
    error = caught.value
    assert type(error) is ProviderRejected
    assert error.message == "Twin24: number already exists"
    assert error.field == "numbers[1].number"
    assert error.vendor_code == "400"
    assert len(sim.rules) == 1


async def test_a_request_that_fails_our_checks_sends_nothing(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    with pytest.raises(BadInput) as caught:
        await provider_on(http).add_incoming_numbers(
            two_numbers(action=IncomingAction.ROBOT, bot_id=None)
        )
    assert caught.value.field == "botId"
    assert sum(sim.requests.values()) == 0


# --- against a mock: shapes and failures the simulator does not produce -----------------------

Reply = Handler


MakeVendor = Callable[..., tuple[Twin24Provider, Vendor]]


@pytest.fixture
def vendor(mock_http: MockHttp) -> MakeVendor:
    def make(reply: Reply, **options: Any) -> tuple[Twin24Provider, Vendor]:
        client, mock = mock_http.client(reply)
        return provider_on(client, **{"token": STATIC, **options}), mock

    return make


def answer(status: int, body: Any = None, **extra: Any) -> Reply:
    if body is None:
        return lambda request: httpx.Response(status, **extra)
    return lambda request: httpx.Response(status, json=body)


async def rejected(make: MakeVendor, reply: Reply, request: Any = None) -> ProviderRejected:
    provider, _ = make(reply)
    with pytest.raises(ProviderRejected) as caught:
        await provider.add_incoming_numbers(request or two_numbers())
    return caught.value


async def test_the_request_on_the_wire(vendor: MakeVendor) -> None:
    provider, mock = vendor(answer(200), base_url="https://twin24.ai/")
    await provider.add_incoming_numbers(two_numbers())
    (request,) = mock.requests
    assert request.method == "POST"
    assert str(request.url) == "https://twin24.ai/cis/api/v1/telephony/incomingRules/create/batch"
    assert request.headers["authorization"] == f"Bearer {STATIC}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    sent = json.loads(request.content)
    assert sent["numbers"] == ["71234567001", "71234567002"]
    assert sent["webhookUrls"] == [provider.webhook_url]


@pytest.mark.parametrize(
    "reply",
    [
        answer(201, {"id": 5}),
        answer(204),
        answer(200, {"success": True}),
        answer(200, text="OK"),
    ],
)
async def test_any_success_with_any_body_adds_the_numbers(vendor: MakeVendor, reply: Reply) -> None:
    provider, _ = vendor(reply)
    added = await provider.add_incoming_numbers(two_numbers())
    assert len(added) == 2


async def test_a_200_that_says_it_failed_is_a_refusal(vendor: MakeVendor) -> None:
    error = await rejected(vendor, answer(200, {"success": False, "message": "Бот не найден"}))
    assert error.message == "Twin24: Бот не найден"


async def test_laravel_validation_names_the_input_field(vendor: MakeVendor) -> None:
    body = {
        "message": "The did field is required.",
        "errors": {"connectionOptionsList.1.did": ["The did field is required."]},
    }
    error = await rejected(vendor, answer(422, body))
    assert error.message == "Twin24: The did field is required."
    assert error.field == "numbers[1].did"
    assert error.vendor_code == "422"


async def test_nest_validation_names_the_input_field(vendor: MakeVendor) -> None:
    body = {
        "statusCode": 400,
        "message": ["incomingCallsOptions.botId must be a UUID", "names.0 must be shorter"],
        "error": "Bad Request",
    }
    error = await rejected(vendor, answer(400, body))
    assert error.message.startswith("Twin24: incomingCallsOptions.botId must be a UUID; ")
    assert error.field == "botId"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "Provider not found"}, "Twin24: Provider not found"),
        ({"detail": "Trunk is disabled"}, "Twin24: Trunk is disabled"),
        ({"error": {"message": "Limit reached"}}, "Twin24: Limit reached"),
        ("Quota exceeded", "Twin24: Quota exceeded"),
        ({"unexpected": 1}, f"Twin24: refused {BATCH_PATH.lstrip('/')} (HTTP 409)"),
    ],
)
async def test_other_refusals_in_the_vendors_words(
    vendor: MakeVendor, body: Any, message: str
) -> None:
    error = await rejected(vendor, answer(409, body))
    assert error.message == message
    assert error.field is None
    assert error.vendor_code == "409"


async def test_a_refusal_about_our_own_webhook_url_names_no_input(vendor: MakeVendor) -> None:
    body = {"message": "bad url", "errors": {"webhookUrls.1": ["bad url"]}}
    request = two_numbers(webhook_urls=("https://crm.example/hook",))
    error = await rejected(vendor, answer(422, body), request)
    assert error.field is None


async def test_a_refusal_quoting_secrets_blanks_them(vendor: MakeVendor) -> None:
    secret = derive_secret(STATIC, "t24")  # the webhook secret, in Callboard's URL
    assert vendor(answer(200))[0].webhook_url.endswith(f"?key={secret}")
    quoted = f"bad password {TRUNK_PASSWORD} for token {STATIC} at http://cb/x?key={secret}"
    error = await rejected(vendor, answer(422, {"message": quoted}))
    assert_no_secret(error, secret)
    assert "***" in error.message


async def test_a_refusal_quoting_a_logged_in_token_blanks_it(mock_login: Any) -> None:
    provider, token = mock_login
    with pytest.raises(ProviderRejected) as caught:
        await provider.add_incoming_numbers(two_numbers())
    assert_no_secret(caught.value, token)


@pytest.fixture
async def mock_login() -> AsyncIterator[tuple[Twin24Provider, str]]:
    token = "opaque-logged-in-token"

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == AUTH_PATH:
            return httpx.Response(200, json={"token": token})
        return httpx.Response(400, json={"message": f"token {token} lacks scope"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as client:
        yield provider_on(client), token


async def test_no_such_path_without_json_points_at_base_url(vendor: MakeVendor) -> None:
    provider, _ = vendor(answer(404, text="<html>Not Found</html>"))
    with pytest.raises(ProviderMisconfigured) as caught:
        await provider.add_incoming_numbers(two_numbers())
    assert "`base_url`" in caught.value.message


async def test_a_404_with_json_is_the_vendors_refusal(vendor: MakeVendor) -> None:
    error = await rejected(vendor, answer(404, {"message": "Bot not found"}))
    assert type(error) is ProviderRejected
    assert error.message == "Twin24: Bot not found"


async def test_403_is_the_operators_to_fix_and_not_retried(vendor: MakeVendor) -> None:
    provider, mock = vendor(answer(403, {"message": "Forbidden"}))
    with pytest.raises(ProviderMisconfigured) as caught:
        await provider.add_incoming_numbers(two_numbers())
    assert caught.value.vendor_code == "403"
    assert len(mock.requests) == 1


async def test_a_logged_in_token_refused_twice_is_misconfigured() -> None:
    logins = []

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == AUTH_PATH:
            logins.append(1)
            return httpx.Response(200, json={"token": f"token-{len(logins)}"})
        return httpx.Response(401, json={"message": "Unauthorized"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as client:
        with pytest.raises(ProviderMisconfigured) as caught:
            await provider_on(client).add_incoming_numbers(two_numbers())
    assert len(logins) == 2  # one login, one more after the refusal, no third
    assert "`email` and `password`" in caught.value.message


async def test_a_server_error_is_unavailable(vendor: MakeVendor) -> None:
    provider, _ = vendor(answer(503, text="maintenance"))
    with pytest.raises(ProviderUnavailable):
        await provider.add_incoming_numbers(two_numbers())


async def test_a_timeout_says_the_numbers_may_have_been_added(vendor: MakeVendor) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    provider, _ = vendor(slow)
    with pytest.raises(ProviderTimeout) as caught:
        await provider.add_incoming_numbers(two_numbers())
    assert "may or may not" in caught.value.message
    assert_no_secret(caught.value)
