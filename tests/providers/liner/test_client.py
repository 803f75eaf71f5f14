"""LinerClient on the wire: JSON POSTs with `X-Api-Key`, replies wrapped in `{"success",
"message", "data"}`, and every way the vendor (or the network) can say no turned into the
error a client of Callboard can act on. Odd replies come from an httpx.MockTransport,
the rest from the Liner simulator.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from callboard.domain.errors import (
    CallboardError,
    ProviderMisconfigured,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from callboard.providers.liner.client import LinerClient
from callboard.providers.liner.simulator import LinerSimulator
from tests.providers.mock_vendor import Handler, MockHttp, Vendor

ROOT = "https://liner.example.com"
API_KEY = "lnr_5f2c9a7e41b04d8c9e3a"
PATH = "v2/order/create/"
ORDER: dict[str, Any] = {
    "serviceTitle": "spring-sale",
    "title": "Spring sale",
    "status": "success",
    "sipEndpointIds": [101],
}

MakeClient = Callable[..., tuple[LinerClient, Vendor]]


@pytest.fixture
def make_client(mock_http: MockHttp) -> MakeClient:
    def make(handler: Handler, *, root: str = ROOT) -> tuple[LinerClient, Vendor]:
        http, vendor = mock_http.client(handler)
        return LinerClient(http, root=root, api_key=API_KEY, who="Liner (ln)"), vendor

    return make


@pytest.fixture
async def sim_client() -> AsyncIterator[tuple[LinerClient, LinerSimulator]]:
    sim = LinerSimulator(API_KEY)
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield LinerClient(http, root="http://sim", api_key=API_KEY, who="Liner (ln)"), sim
    await sim.aclose()


def answer(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def text(body: str, status: int) -> Handler:
    return lambda request: httpx.Response(status, text=body)


def wrapped(success: bool, message: str, data: Any, status: int = 200) -> Handler:
    return answer({"success": success, "message": message, "data": data}, status)


def assert_no_key(error: BaseException) -> None:
    assert API_KEY not in str(error)
    if isinstance(error, CallboardError):
        assert API_KEY not in error.message
    assert API_KEY not in repr(error)


async def fails(client: LinerClient) -> CallboardError:
    with pytest.raises(CallboardError) as caught:
        await client.post(PATH, ORDER)
    assert_no_key(caught.value)
    return caught.value


# --- the request ------------------------------------------------------------------------


async def test_the_order_is_posted_as_json_with_the_key_in_its_header(
    make_client: MakeClient,
) -> None:
    client, vendor = make_client(wrapped(True, "Order created", {"id": 5}))
    assert await client.post(PATH, ORDER) == {"id": 5}
    (request,) = vendor.requests
    assert request.method == "POST"
    assert str(request.url) == f"{ROOT}/v2/order/create/"
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert json.loads(request.content) == ORDER
    assert API_KEY not in request.content.decode()
    assert API_KEY not in str(request.url)


@pytest.mark.parametrize("root", [f"{ROOT}/", "https://crm.example.com/liner-api"])
async def test_the_root_may_end_with_a_slash_or_carry_a_path(
    make_client: MakeClient, root: str
) -> None:
    client, vendor = make_client(wrapped(True, "", {"id": 1}), root=root)
    await client.post(PATH, ORDER)
    assert str(vendor.requests[0].url) == f"{root.rstrip('/')}/v2/order/create/"


async def test_the_client_repr_hides_the_key(make_client: MakeClient) -> None:
    client, _ = make_client(wrapped(True, "", None))
    assert API_KEY not in repr(client)


async def test_the_simulator_accepts_what_the_client_sends(
    sim_client: tuple[LinerClient, LinerSimulator],
) -> None:
    client, sim = sim_client
    assert await client.post(PATH, ORDER) == {"id": 1001}
    assert sim.orders == {1001: ORDER}


# --- refusals ---------------------------------------------------------------------------


async def test_a_validation_refusal_gives_liners_words_and_the_clients_field(
    sim_client: tuple[LinerClient, LinerSimulator],
) -> None:
    client, _ = sim_client
    with pytest.raises(ProviderRejected) as caught:
        await client.post(PATH, {**ORDER, "sipEndpointIds": [101, 999]})
    error = caught.value
    assert type(error) is ProviderRejected, "the client's to fix, not the operator's"
    assert error.message == "Liner: The selected sipEndpointIds.1 is invalid."
    assert error.field == "sipEndpointIds[1]"
    assert error.vendor_code == "422"


async def test_a_schedule_refusal_names_the_span_end(
    sim_client: tuple[LinerClient, LinerSimulator],
) -> None:
    client, _ = sim_client
    with pytest.raises(ProviderRejected) as caught:
        await client.post(PATH, {**ORDER, "callSchedule": [["09:00", "18:00"], ["19:00", "9"]]})
    assert caught.value.field == "callSchedule[1].end"


async def test_several_problems_are_all_told(
    sim_client: tuple[LinerClient, LinerSimulator],
) -> None:
    client, _ = sim_client
    with pytest.raises(ProviderRejected) as caught:
        await client.post(PATH, {"status": "x", "sipEndpointIds": [101]})
    error = caught.value
    assert error.message == (
        "Liner: The serviceTitle field is required.; The title field is required.; "
        "The selected status is invalid."
    )
    assert error.field == "serviceTitle"


async def test_a_wrong_key_is_the_operators_to_fix(
    sim_client: tuple[LinerClient, LinerSimulator],
) -> None:
    _, sim = sim_client
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport) as http:
        client = LinerClient(http, root="http://sim", api_key="stale-key", who="Liner (ln)")
        with pytest.raises(ProviderMisconfigured) as caught:
            await client.post(PATH, ORDER)
    assert "`api_key`" in caught.value.message
    assert caught.value.vendor_code == "401"
    assert "stale-key" not in caught.value.message


@pytest.mark.parametrize("status", [401, 403])
async def test_401_and_403_are_misconfiguration_whatever_the_body(
    make_client: MakeClient, status: int
) -> None:
    client, _ = make_client(text("Forbidden", status))
    error = await fails(client)
    assert isinstance(error, ProviderMisconfigured)
    assert error.code == "PROVIDER_MISCONFIGURED"
    assert "`api_key`" in error.message


@pytest.mark.parametrize(
    "message", ["Invalid API key", "API token expired", "Неверный токен", "Неверный ключ"]
)
async def test_a_refusal_about_the_key_is_misconfiguration(
    make_client: MakeClient, message: str
) -> None:
    client, _ = make_client(wrapped(False, message, None, status=400))
    error = await fails(client)
    assert isinstance(error, ProviderMisconfigured)
    assert "`api_key`" in error.message


async def test_a_reply_quoting_the_key_never_repeats_it(make_client: MakeClient) -> None:
    client, _ = make_client(wrapped(False, f"Account for {API_KEY} is suspended", None, 402))
    error = await fails(client)
    assert type(error) is ProviderRejected
    assert error.message == "Liner: Account for *** is suspended"


async def test_success_false_with_http_200_is_a_refusal(make_client: MakeClient) -> None:
    client, _ = make_client(wrapped(False, "Order limit reached", None))
    error = await fails(client)
    assert type(error) is ProviderRejected
    assert error.message == "Liner: Order limit reached"
    assert error.field is None
    assert error.vendor_code == "200"


@pytest.mark.parametrize(
    ("body", "message", "field", "code"),
    [
        ({"success": False, "error": "Scenario not found"}, "Scenario not found", None, "400"),
        ({"detail": "Bad request"}, "Bad request", None, "400"),
        ({"success": False, "message": "Nope", "code": "ORDER_LIMIT"}, "Nope", None, "ORDER_LIMIT"),
        (
            {"success": False, "message": "", "data": {"code": 1042, "message": "Busy"}},
            "Busy",
            None,
            "1042",
        ),
        (
            {"errors": {"callScenarioId": ["The selected call scenario is invalid."]}},
            "The selected call scenario is invalid.",
            "callScenarioId",
            "400",
        ),
        (
            {"errors": [{"field": "callHolidayOverrides.2", "message": "Bad date"}]},
            "Bad date",
            "holidayOverrides[2]",
            "400",
        ),
        (
            {"success": False, "error": {"message": "Order code is taken", "code": "E7"}},
            "Order code is taken",
            None,
            "400",
        ),
        (
            {"success": False, "message": "Validation failed", "data": ["a", "b"]},
            "Validation failed",
            None,
            "400",
        ),
        (
            {"success": False, "message": "", "data": None},
            f"refused {PATH} (HTTP 400)",
            None,
            "400",
        ),
    ],
)
async def test_refusals_are_read_leniently(
    make_client: MakeClient, body: Any, message: str, field: str | None, code: str
) -> None:
    client, _ = make_client(answer(body, 400))
    error = await fails(client)
    assert type(error) is ProviderRejected
    assert error.message == f"Liner: {message}"
    assert error.field == field
    assert error.vendor_code == code


async def test_a_headline_beside_the_problems_leads_them(make_client: MakeClient) -> None:
    body = {
        "success": False,
        "message": "Order rejected",
        "data": {"errors": {"customValues.17": ["Unknown custom field 17."]}},
    }
    client, _ = make_client(answer(body, 422))
    error = await fails(client)
    assert error.message == "Liner: Order rejected: Unknown custom field 17."
    assert error.field == "customValues"


async def test_a_long_validation_bag_is_cut(make_client: MakeClient) -> None:
    errors = {f"agentUserIds.{i}": [f"Agent {i} unknown."] for i in range(5)}
    client, _ = make_client(answer({"success": False, "data": {"errors": errors}}, 422))
    error = await fails(client)
    assert error.message == (
        "Liner: Agent 0 unknown.; Agent 1 unknown.; Agent 2 unknown. (and 2 more)"
    )
    assert error.field == "agentUserIds[0]"


async def test_a_bare_404_points_at_base_url(make_client: MakeClient) -> None:
    client, _ = make_client(text("<html><h1>404 Not Found</h1></html>", 404))
    error = await fails(client)
    assert isinstance(error, ProviderMisconfigured)
    assert "`base_url`" in error.message
    assert error.vendor_code == "404"


@pytest.mark.parametrize("status", [301, 302, 308])
async def test_a_redirect_points_at_base_url(make_client: MakeClient, status: int) -> None:
    def moved(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Location": "https://liner.example.com/v2/"})

    client, vendor = make_client(moved)
    error = await fails(client)
    assert isinstance(error, ProviderMisconfigured)
    assert "`base_url`" in error.message
    assert len(vendor.requests) == 1, "a POST is not replayed to another address"


async def test_a_404_in_the_wrapper_is_liners_own_refusal(make_client: MakeClient) -> None:
    client, _ = make_client(wrapped(False, "Call scenario 9 not found", None, 404))
    error = await fails(client)
    assert type(error) is ProviderRejected
    assert error.message == "Liner: Call scenario 9 not found"


@pytest.mark.parametrize(
    "handler",
    [
        text("<html>Welcome to nginx</html>", 200),
        text("", 200),
        answer({"id": 1001}),
        answer([1001]),
        answer({"success": "yes", "data": {"id": 1}}),
    ],
)
async def test_a_2xx_that_is_not_the_wrapper_is_unavailable(
    make_client: MakeClient, handler: Handler
) -> None:
    client, _ = make_client(handler)
    error = await fails(client)
    assert isinstance(error, ProviderUnavailable)
    assert "not a Liner reply" in error.message


# --- the network ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_unavailable(make_client: MakeClient, status: int) -> None:
    client, _ = make_client(wrapped(False, "Internal error", None, status))
    error = await fails(client)
    assert isinstance(error, ProviderUnavailable)
    assert str(status) in error.message


async def test_a_timeout_says_the_order_may_exist(make_client: MakeClient) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, _ = make_client(slow)
    error = await fails(client)
    assert isinstance(error, ProviderTimeout)
    assert "may or may not" in error.message


async def test_a_refused_connection_is_unavailable(make_client: MakeClient) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, _ = make_client(down)
    error = await fails(client)
    assert isinstance(error, ProviderUnavailable)
    assert "could not be reached" in error.message
