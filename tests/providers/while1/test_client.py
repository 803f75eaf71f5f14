"""While1Client on the wire, against an httpx.MockTransport: a form POST whose body is PHP's
query string with api_hash last, and every odd answer turned into an error a client (or an
operator) can act on, with no secret in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from callboard.domain.errors import (
    CallboardError,
    ProviderMisconfigured,
    ProviderTimeout,
    ProviderUnavailable,
)
from callboard.providers.while1.client import While1Client
from callboard.providers.while1.signing import signed_query
from tests.providers.mock_vendor import Handler, MockHttp, Vendor

ROOT = "https://pbx.example.ro"
API_KEY = "k-7f3a9c0e5b1d"
PASSWORD = "pw-Ștefan~2024"
PARAMS: dict[str, Any] = {
    "api_username": "cb-user",
    "api_password": PASSWORD,
    "data": {"project_id": 1, "caller_id": "+40721234567", "destination": "101"},
}
OK = {"has_error": False, "messages": [], "results": ["Call successfully originated for user: 101"]}

MakeClient = Callable[..., tuple[While1Client, Vendor]]


@pytest.fixture
def make_client(mock_http: MockHttp) -> MakeClient:
    def make(handler: Handler, *, root: str = ROOT) -> tuple[While1Client, Vendor]:
        http, vendor = mock_http.client(handler, timeout=5)
        client = While1Client(
            http, root=root, api_key=API_KEY, hidden=(PASSWORD,), who="While1 (w1)"
        )
        return client, vendor

    return make


def answer(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def assert_no_secret(error: BaseException) -> None:
    for secret in (API_KEY, PASSWORD):
        assert secret not in str(error)
        assert secret not in repr(error)
        if isinstance(error, CallboardError):
            assert secret not in error.message


async def test_the_body_is_phps_query_string_with_the_hash_last(make_client: MakeClient) -> None:
    client, vendor = make_client(answer(OK))
    status, reply = await client.originate(PARAMS)
    assert (status, reply) == (200, OK)
    (request,) = vendor.requests
    assert request.method == "POST"
    assert str(request.url) == f"{ROOT}/api/originate-call"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert request.content == signed_query(PARAMS, API_KEY).encode()
    assert request.content.decode().rsplit("&", 1)[1].startswith("api_hash=")
    assert PASSWORD not in str(request.url)


@pytest.mark.parametrize(
    "root", [f"{ROOT}/", f"{ROOT}/api/originate-call", f"{ROOT}/api/originate-call/"]
)
async def test_the_root_however_the_operator_wrote_it(make_client: MakeClient, root: str) -> None:
    client, vendor = make_client(answer(OK), root=root)
    await client.originate(PARAMS)
    assert str(vendor.requests[0].url) == f"{ROOT}/api/originate-call"


async def test_a_timeout_of_its_own_for_one_request(make_client: MakeClient) -> None:
    client, vendor = make_client(answer(OK))
    await client.originate(PARAMS, http_timeout=70)
    await client.originate(PARAMS)
    waited, default = (r.extensions["timeout"] for r in vendor.requests)
    assert waited == {"connect": 70, "read": 70, "write": 70, "pool": 70}
    assert default["read"] == 5, "without one, the client's own"


async def test_a_refusal_comes_back_with_its_http_status(make_client: MakeClient) -> None:
    refusal = {"has_error": True, "messages": ["Invalid Queue. Check if pbx queue exists"]}
    client, _ = make_client(answer(refusal, 400))
    assert await client.originate(PARAMS) == (400, refusal)


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_are_the_operators_to_fix(
    make_client: MakeClient, status: int
) -> None:
    client, _ = make_client(answer({"error": f"bad password {PASSWORD}"}, status))
    with pytest.raises(ProviderMisconfigured) as error:
        await client.originate(PARAMS)
    assert f"(HTTP {status})" in error.value.message
    assert "`api_username`, `api_password` and `api_key`" in error.value.message
    assert error.value.vendor_code == str(status)
    assert_no_secret(error.value)


async def test_a_404_page_means_a_wrong_base_url(make_client: MakeClient) -> None:
    client, _ = make_client(lambda r: httpx.Response(404, text="<h1>Not Found</h1>"))
    with pytest.raises(ProviderMisconfigured) as error:
        await client.originate(PARAMS)
    assert "`base_url`" in error.value.message
    assert error.value.vendor_code == "404"


async def test_a_404_in_json_is_the_pbxs_own_answer(make_client: MakeClient) -> None:
    refusal = {"has_error": True, "messages": ["Invalid user. Check if pbx user exists"]}
    client, _ = make_client(answer(refusal, 404))
    assert await client.originate(PARAMS) == (404, refusal)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>PBX login</html>"),
        httpx.Response(200, text=""),
        httpx.Response(200, json=["Call successfully originated"]),
    ],
)
async def test_a_reply_that_is_no_json_object(
    make_client: MakeClient, response: httpx.Response
) -> None:
    client, _ = make_client(lambda r: response)
    with pytest.raises(ProviderUnavailable, match="not JSON"):
        await client.originate(PARAMS)


async def test_a_server_error(make_client: MakeClient) -> None:
    client, _ = make_client(answer({"has_error": True}, 502))
    with pytest.raises(ProviderUnavailable, match=r"HTTP 502"):
        await client.originate(PARAMS)


async def test_a_timeout_may_have_placed_the_call(make_client: MakeClient) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, _ = make_client(slow)
    with pytest.raises(ProviderTimeout, match="may or may not"):
        await client.originate(PARAMS, http_timeout=70)


async def test_an_unreachable_pbx(make_client: MakeClient) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = make_client(down)
    with pytest.raises(ProviderUnavailable, match="could not be reached") as error:
        await client.originate(PARAMS)
    assert_no_secret(error.value)


async def test_a_reply_quoting_a_secret_has_it_blanked(make_client: MakeClient) -> None:
    quoting = {
        "has_error": True,
        "messages": [f"Wrong password {PASSWORD} for key {API_KEY}"],
        "results": [],
        "debug": {"api_password": PASSWORD},
    }
    client, _ = make_client(answer(quoting))
    _, reply = await client.originate(PARAMS)
    assert reply["messages"] == ["Wrong password *** for key ***"]
    assert reply["debug"] == {"api_password": "***"}


async def test_the_client_repr_names_no_secret() -> None:
    async with httpx.AsyncClient() as http:
        client = While1Client(
            http, root=ROOT, api_key=API_KEY, hidden=(PASSWORD,), who="While1 (w1)"
        )
        assert repr(client) == "<While1Client While1 (w1)>"
