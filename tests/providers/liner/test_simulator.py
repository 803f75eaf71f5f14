"""The Liner simulator answers on the vendor's wire format: the `{"success", "message",
"data"}` wrapper, the key in X-Api-Key, Laravel-style validation bags, orders kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from callboard.providers.liner.simulator import LinerSimulator

KEY = "liner-test-key-7c1e"
PATH = "/v2/order/create/"
ORDER: dict[str, Any] = {
    "serviceTitle": "spring-sale",
    "title": "Spring sale",
    "status": "success",
    "sipEndpointIds": [101],
}
DROP = object()  # in a test's changes: leave this key out


@pytest.fixture
def sim() -> LinerSimulator:
    return LinerSimulator(KEY)


@pytest.fixture
async def http(sim: LinerSimulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        yield client
    await sim.aclose()


async def create(
    http: httpx.AsyncClient, body: Any, *, key: str | None = KEY, path: str = PATH
) -> httpx.Response:
    headers = {"X-Api-Key": key} if key is not None else {}
    return await http.post(path, json=body, headers=headers)


async def refused_fields(http: httpx.AsyncClient, **changes: Any) -> dict[str, list[str]]:
    body = {**ORDER, **changes}
    reply = await create(http, {k: v for k, v in body.items() if v is not DROP})
    assert reply.status_code == 422, reply.text
    answer = reply.json()
    assert answer["success"] is False
    assert answer["message"]
    errors: dict[str, list[str]] = answer["data"]["errors"]
    return errors


async def test_an_order_is_created_with_ids_from_1001(
    sim: LinerSimulator, http: httpx.AsyncClient
) -> None:
    first = await create(http, ORDER)
    second = await create(http, {**ORDER, "code": "B"})
    assert first.status_code == 200
    assert first.json() == {"success": True, "message": "Order created", "data": {"id": 1001}}
    assert second.json()["data"] == {"id": 1002}
    assert sim.orders == {1001: ORDER, 1002: {**ORDER, "code": "B"}}
    assert sim.requests[PATH] == 2


async def test_the_path_without_its_trailing_slash_works_too(
    sim: LinerSimulator, http: httpx.AsyncClient
) -> None:
    reply = await create(http, ORDER, path=PATH.rstrip("/"))
    assert reply.json()["data"] == {"id": 1001}
    assert sim.requests[PATH.rstrip("/")] == 1


async def test_every_page_field_is_accepted_and_kept(
    sim: LinerSimulator, http: httpx.AsyncClient
) -> None:
    full = {
        **ORDER,
        "code": "SPR",
        "callSchedule": [["09:00", "13:00"], ["14:00", "24:00"]],
        "callHolidayOverrides": ["2025-05-01"],
        "autoDialingEnabled": True,
        "aiModePrompt": "Be brief.",
        "aiDefaultLanguage": "gb",
        "callRecordRule": "client_is_connected",
        "callCenterPhone": "+74951234567",
        "additionalCallCenterPhones": ["+74951234568"],
        "sipEndpointUsageScheme": "random_without_repetition",
        "agentUserIds": [1, 2],
        "agentGroupIds": [3],
        "callAttemptsGroupId": 1,
        "qualifiedLeadsPerDayLimit": 0,
        "callScenarioId": 9,
        "leadsPriority": -1,
        "customValues": {"17": "VIP"},
    }
    reply = await create(http, full)
    assert reply.status_code == 200, reply.text
    assert sim.orders[1001] == full


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
async def test_a_wrong_key_is_401_in_the_wrapper(
    sim: LinerSimulator, http: httpx.AsyncClient, key: str | None
) -> None:
    reply = await create(http, ORDER, key=key)
    assert reply.status_code == 401
    answer = reply.json()
    assert answer["success"] is False
    assert answer["data"] is None
    assert "key" in answer["message"].lower()
    assert sim.orders == {}


async def test_a_body_that_is_not_a_json_object_is_400(http: httpx.AsyncClient) -> None:
    reply = await http.post(PATH, content=b"title=x", headers={"X-Api-Key": KEY})
    assert reply.status_code == 400
    assert reply.json()["success"] is False
    assert (await create(http, [ORDER])).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": DROP}, "title"),
        ({"serviceTitle": "  "}, "serviceTitle"),
        ({"title": 5}, "title"),
        ({"status": DROP}, "status"),
        ({"status": "danger"}, "status"),
        ({"sipEndpointIds": DROP}, "sipEndpointIds"),
        ({"sipEndpointIds": []}, "sipEndpointIds"),
        ({"sipEndpointIds": 101}, "sipEndpointIds"),
        ({"sipEndpointIds": [101, 999]}, "sipEndpointIds.1"),
        ({"sipEndpointIds": [101, "102"]}, "sipEndpointIds.1"),
        ({"sipEndpointIds": [101, 101]}, "sipEndpointIds.1"),
        ({"callSchedule": [["09:00"]]}, "callSchedule.0"),
        ({"callSchedule": "09:00-18:00"}, "callSchedule"),
        ({"callSchedule": [["9:00", "18:00"]]}, "callSchedule.0.0"),
        ({"callSchedule": [[86401, 90000]]}, "callSchedule.0.0"),  # past the day
        ({"callSchedule": [["09:00", 64800]]}, "callSchedule.0.1"),  # the readings mixed
        ({"callSchedule": [["09:00", "18:00"], ["10:00", "25:00"]]}, "callSchedule.1.1"),
        ({"callSchedule": [["18:00", "09:00"]]}, "callSchedule.0.1"),
        ({"callHolidayOverrides": ["01.05.2025"]}, "callHolidayOverrides.0"),
        ({"autoDialingEnabled": "yes"}, "autoDialingEnabled"),
        ({"aiModePrompt": 1}, "aiModePrompt"),
        ({"aiDefaultLanguage": "en"}, "aiDefaultLanguage"),
        ({"callRecordRule": "always"}, "callRecordRule"),
        ({"sipEndpointUsageScheme": "round_robin"}, "sipEndpointUsageScheme"),
        ({"callCenterPhone": "call us"}, "callCenterPhone"),
        ({"additionalCallCenterPhones": ["+74951234567", 7]}, "additionalCallCenterPhones.1"),
        ({"agentUserIds": [0]}, "agentUserIds.0"),
        ({"agentGroupIds": "3"}, "agentGroupIds"),
        ({"callAttemptsGroupId": 0}, "callAttemptsGroupId"),
        ({"qualifiedLeadsPerDayLimit": -1}, "qualifiedLeadsPerDayLimit"),
        ({"leadsPriority": 1.5}, "leadsPriority"),
        ({"callScenarioId": True}, "callScenarioId"),
        ({"customValues": ["VIP"]}, "customValues"),
    ],
)
async def test_validation_names_the_field_as_laravel_does(
    sim: LinerSimulator, http: httpx.AsyncClient, changes: dict[str, Any], field: str
) -> None:
    errors = await refused_fields(http, **changes)
    assert list(errors) == [field]
    assert all(isinstance(p, str) and p for p in errors[field])
    assert sim.orders == {}


async def test_every_problem_is_listed_and_the_message_counts_them(
    http: httpx.AsyncClient,
) -> None:
    reply = await create(http, {"status": "x", "sipEndpointIds": [999]})
    answer = reply.json()
    assert set(answer["data"]["errors"]) == {"serviceTitle", "title", "status", "sipEndpointIds.0"}
    assert answer["message"] == "The serviceTitle field is required. (and 3 more errors)"


async def test_a_code_already_taken_is_refused(http: httpx.AsyncClient) -> None:
    assert (await create(http, {**ORDER, "code": "SPR"})).status_code == 200
    errors = await refused_fields(http, code="SPR")
    assert errors == {"code": ["The code has already been taken."]}


async def test_the_accounts_numbers_are_configurable() -> None:
    sim = LinerSimulator(KEY, sip_endpoint_ids=[7])
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as other:
        assert (await create(other, {**ORDER, "sipEndpointIds": [7]})).status_code == 200
        assert (await create(other, ORDER)).status_code == 422


async def test_fail_next_answers_the_next_request_once(
    sim: LinerSimulator, http: httpx.AsyncClient
) -> None:
    sim.fail_next(503, {"success": False, "message": "Maintenance", "data": None})
    sim.fail_next(404, "<html>Not Found</html>")
    first = await create(http, ORDER)
    second = await create(http, ORDER)
    third = await create(http, ORDER)
    assert (first.status_code, first.json()["message"]) == (503, "Maintenance")
    assert (second.status_code, second.text) == (404, "<html>Not Found</html>")
    assert third.status_code == 200
    assert list(sim.orders) == [1001], "a failed request creates nothing"
    assert sim.requests[PATH] == 3
