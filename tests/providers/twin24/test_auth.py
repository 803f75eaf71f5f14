"""TokenKeeper: a configured token as is, or logging in with email and password (against
the Twin24 simulator, and a mock for replies it does not make), renewing before expiry."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from callboard.domain.errors import ProviderMisconfigured, ProviderUnavailable
from callboard.providers.twin24.auth import TokenKeeper, jwt_expiry
from callboard.providers.twin24.simulator import AUTH_PATH, Twin24Simulator

EMAIL = "ops@example.ru"
PASSWORD = "pa55-w0rd-twin"
AUTH_URL = f"http://sim{AUTH_PATH}"
WHO = "Twin24 (t24)"


class Clock:
    """Wall time plus an offset tests move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
async def sim() -> AsyncIterator[Twin24Simulator]:
    simulator = Twin24Simulator(email=EMAIL, password=PASSWORD, token_ttl=3600)
    yield simulator
    await simulator.aclose()


@pytest.fixture
async def http(sim: Twin24Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sim.app)) as client:
        yield client


def keeper(
    http: httpx.AsyncClient, clock: Callable[[], float] = time.time, **given: Any
) -> TokenKeeper:
    settings: dict[str, Any] = {"email": EMAIL, "password": PASSWORD, "auth_url": AUTH_URL}
    settings.update(given)
    return TokenKeeper(http, who=WHO, clock=clock, **settings)


MockReply = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
async def mock() -> AsyncIterator[Callable[[MockReply], tuple[httpx.AsyncClient, list[Any]]]]:
    opened: list[httpx.AsyncClient] = []

    def make(reply: MockReply) -> tuple[httpx.AsyncClient, list[Any]]:
        sent: list[Any] = []

        def handler(request: httpx.Request) -> httpx.Response:
            sent.append(json.loads(request.read()))
            return reply(request)

        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        opened.append(client)
        return client, sent

    yield make
    for client in opened:
        await client.aclose()


# --- logging in --------------------------------------------------------------------------


async def test_logs_in_once_and_reuses_the_token(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    tokens = keeper(http, ttl=7200)
    first = await tokens.token()
    assert await tokens.token() == first
    assert sim.logins == 1
    expiry = jwt_expiry(first)
    assert expiry is not None
    assert abs(expiry - (time.time() + 3600)) < 5  # the simulator's token_ttl


async def test_the_login_sends_email_password_and_ttl(mock: Any) -> None:
    http, sent = mock(lambda r: httpx.Response(200, json={"token": jwt({"exp": 2e9})}))
    await keeper(http, ttl=7200).token()
    assert sent == [{"email": EMAIL, "password": PASSWORD, "ttl": 7200}]


async def test_renews_before_expiry_not_after(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    clock = Clock()
    tokens = keeper(http, clock)
    first = await tokens.token()
    # A 3600 s token is renewed when less than 10% (360 s) of it is left.
    clock.offset = 3600 - 400
    assert await tokens.token() == first
    assert sim.logins == 1
    clock.offset = 3600 - 300
    second = await tokens.token()
    assert second != first
    assert sim.logins == 2


async def test_a_short_token_is_renewed_a_minute_before_its_end(mock: Any) -> None:
    clock = Clock()
    replies = iter([jwt({"exp": time.time() + 300, "n": 1}), jwt({"exp": 2e9, "n": 2})])
    http, sent = mock(lambda r: httpx.Response(200, json={"token": next(replies)}))
    tokens = keeper(http, clock)
    first = await tokens.token()
    clock.offset = 300 - 90
    assert await tokens.token() == first
    clock.offset = 300 - 50
    assert await tokens.token() != first
    assert len(sent) == 2


async def test_concurrent_requests_share_one_login(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    tokens = keeper(http)
    got = await asyncio.gather(*(tokens.token() for _ in range(10)))
    assert len(set(got)) == 1
    assert sim.logins == 1


async def test_a_forgotten_token_means_a_new_login(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    tokens = keeper(http)
    first = await tokens.token()
    tokens.forget(first)
    assert await tokens.token() != first
    assert sim.logins == 2


async def test_forgetting_a_token_already_replaced_does_not_log_in_again(
    sim: Twin24Simulator, http: httpx.AsyncClient
) -> None:
    tokens = keeper(http)
    stale = await tokens.token()
    tokens.forget(stale)
    fresh = await tokens.token()
    tokens.forget(stale)  # a slower request that still held the old one
    assert await tokens.token() == fresh
    assert sim.logins == 2


# --- reading the reply leniently -----------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        lambda t: {"token": t},
        lambda t: {"accessToken": t},
        lambda t: {"access_token": t, "token_type": "bearer"},
        lambda t: {"jwt": t},
        lambda t: {"data": {"accessToken": t}},
        lambda t: {"success": True, "data": {"token": f"Bearer {t}"}},
        lambda t: t,
    ],
)
async def test_the_token_is_found_under_any_usual_name(mock: Any, shape: Any) -> None:
    token = jwt({"exp": 2e9})
    http, _ = mock(lambda r: httpx.Response(200, json=shape(token)))
    assert await keeper(http).token() == token


async def test_without_exp_the_expiry_comes_from_expires_in(mock: Any) -> None:
    clock = Clock()
    replies = iter(["opaque-1", "opaque-2"])
    http, _ = mock(
        lambda r: httpx.Response(200, json={"data": {"token": next(replies), "expires_in": 600}})
    )
    tokens = keeper(http, clock)
    assert await tokens.token() == "opaque-1"
    clock.offset = 600 - 61  # 10% of 600 s is less than the minute kept in reserve
    assert await tokens.token() == "opaque-1"
    clock.offset = 600 - 59
    assert await tokens.token() == "opaque-2"


async def test_without_exp_nor_expires_in_the_ttl_asked_for_is_used(mock: Any) -> None:
    clock = Clock()
    replies = iter(["opaque-1", "opaque-2"])
    http, _ = mock(lambda r: httpx.Response(200, json={"token": next(replies)}))
    tokens = keeper(http, clock, ttl=1000)
    await tokens.token()
    clock.offset = 1000 - 110
    assert await tokens.token() == "opaque-1"
    clock.offset = 1000 - 90
    assert await tokens.token() == "opaque-2"


async def test_the_jwt_exp_wins_over_expires_in(mock: Any) -> None:
    clock = Clock()
    replies = iter([jwt({"exp": time.time() + 1000}), jwt({"exp": 2e9})])
    http, _ = mock(lambda r: httpx.Response(200, json={"token": next(replies), "expiresIn": 86400}))
    tokens = keeper(http, clock)
    first = await tokens.token()
    clock.offset = 950
    assert await tokens.token() != first


def test_jwt_expiry_of_tokens_that_are_not_jwts() -> None:
    assert jwt_expiry("opaque") is None
    assert jwt_expiry("a.!!!.c") is None
    assert jwt_expiry(jwt({"sub": "x"})) is None
    assert jwt_expiry(jwt({"exp": 1717421951})) == 1717421951


def test_jwt_expiry_of_claims_nested_too_deep_is_unknown() -> None:
    claims = '{"exp": 1717421951, "x": ' + "[" * 1_000 + "]" * 1_000 + "}"
    payload = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
    assert jwt_expiry(f"e30.{payload}.c2ln") is None


# --- refusals ------------------------------------------------------------------------------


async def test_wrong_credentials_ask_to_check_them_without_quoting_them(
    http: httpx.AsyncClient,
) -> None:
    with pytest.raises(ProviderMisconfigured) as caught:
        await keeper(http, password="wrong-" + PASSWORD).token()
    error = caught.value
    assert "`email` and `password`" in error.message
    assert error.vendor_code == "401"
    for secret in (PASSWORD, "wrong-" + PASSWORD, EMAIL):
        assert secret not in str(error)


async def test_a_login_refusal_that_quotes_the_password_is_not_repeated(mock: Any) -> None:
    http, _ = mock(
        lambda r: httpx.Response(422, json={"message": f"password {PASSWORD} is too weak"})
    )
    with pytest.raises(ProviderMisconfigured) as caught:
        await keeper(http).token()
    assert PASSWORD not in str(caught.value)
    assert caught.value.vendor_code == "422"


async def test_no_login_at_that_address_points_at_auth_url(mock: Any) -> None:
    http, _ = mock(lambda r: httpx.Response(404, text="<html>Not Found</html>"))
    with pytest.raises(ProviderMisconfigured) as caught:
        await keeper(http).token()
    assert "`auth_url`" in caught.value.message


async def test_a_login_reply_without_a_token_is_the_vendors_fault(mock: Any) -> None:
    http, _ = mock(lambda r: httpx.Response(200, json={"user": {"id": 1}}))
    with pytest.raises(ProviderUnavailable, match="no token"):
        await keeper(http).token()


async def test_a_login_server_error_is_unavailable(mock: Any) -> None:
    http, _ = mock(lambda r: httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(ProviderUnavailable):
        await keeper(http).token()


# --- a configured token --------------------------------------------------------------------


async def test_a_configured_token_is_used_as_is_without_logging_in(mock: Any) -> None:
    http, sent = mock(lambda r: httpx.Response(500))
    tokens = keeper(http, token="Bearer static-token-1", email="", password="")
    assert await tokens.token() == "static-token-1"
    assert not tokens.renewable
    assert sent == []


async def test_refusals_name_the_key_to_check(mock: Any) -> None:
    http, _ = mock(lambda r: httpx.Response(500))
    static = keeper(http, token="static-token-1").refused(401)
    assert "`token`" in static.message
    assert "static-token-1" not in static.message
    assert "`email` and `password`" in keeper(http).refused(401).message
    assert "`email`" in keeper(http).refused(403).message


async def test_the_repr_shows_no_secret(http: httpx.AsyncClient) -> None:
    tokens = keeper(http)
    token = await tokens.token()
    shown = repr(tokens)
    assert PASSWORD not in shown
    assert token not in shown
    assert "static-token-1" not in repr(keeper(http, token="static-token-1"))
