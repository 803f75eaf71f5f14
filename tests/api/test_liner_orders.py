"""Liner dialing orders through GraphQL: createOrder with every documented field, the
checks made before anything is sent, Liner's refusals, and the orders Callboard keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.harness import GraphQLFailed
from tests.vendors import Rig, vendor_rig

CREATE = """
mutation($i: CreateOrderInput!) {
  createOrder(input: $i) {
    order { id provider orderId title serviceTitle status code createdAt raw }
    userErrors { field message code vendorCode }
  }
}"""

ORDERS = """
query($p: ID, $first: Int! = 20, $after: String) {
  orders(provider: $p, first: $first, after: $after) {
    nodes { orderId title status }
    pageInfo { hasNextPage endCursor }
  }
}"""

MINIMAL = {
    "title": "Spring",
    "serviceTitle": "spring-2026",
    "status": "INFO",
    "sipEndpointIds": [101],
}

EVERYTHING = {
    "title": "Autumn campaign",
    "serviceTitle": "autumn-2026",
    "status": "SUCCESS",
    "sipEndpointIds": [101, 102],
    "code": "AUT-26",
    "callSchedule": [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:30"}],
    "holidayOverrides": ["2026-12-31", "2027-01-01"],
    "autoDialingEnabled": True,
    "predictiveModeEnabled": False,
    "aiModeEnabled": True,
    "standaloneAiModeEnabled": False,
    "aiModePrompt": "You are a polite assistant.",
    "aiModeFirstPhrase": "Добрый день!",
    "aiDefaultLanguage": "RU",
    "amdDetectionEnabled": True,
    "callRecordRule": "AGENT_IS_CONNECTED",
    "callCenterPhone": "8 (495) 123-45-67",
    "additionalCallCenterPhones": ["+7 495 765-43-21"],
    "sipEndpointUsageScheme": "EVEN_LOADED_DAILY",
    "agentUserIds": [7, 8],
    "agentGroupIds": [3],
    "showLeadContactsToAgent": True,
    "callAttemptsGroupId": 5,
    "qualifiedLeadsPerDayLimit": 40,
    "callScenarioId": 11,
    "leadTransformEnabled": False,
    "leadsPriority": 2,
    "speechRecognitionEnabled": True,
    "ignoreLeadTimezone": False,
    "customValues": [{"fieldId": "12", "value": "VIP"}, {"fieldId": "13", "value": 3}],
}


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with vendor_rig("liner") as rig:
        yield rig


async def create(rig: Rig, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = await rig.api.query(CREATE, {"i": {"provider": rig.provider_id, **fields, **extra}})
    return data["createOrder"]  # type: ignore[no-any-return]


async def test_every_documented_field_reaches_liner_as_its_page_writes_it(rig: Rig) -> None:
    result = await create(rig, EVERYTHING)
    assert result["userErrors"] == []
    order = result["order"]
    sim = rig.vendor.simulator
    (sent,) = sim.orders.values()
    assert order["orderId"] == str(next(iter(sim.orders)))
    assert (order["title"], order["serviceTitle"], order["status"], order["code"]) == (
        "Autumn campaign",
        "autumn-2026",
        "SUCCESS",
        "AUT-26",
    )
    assert sent == {
        "title": "Autumn campaign",
        "serviceTitle": "autumn-2026",
        "status": "success",
        "sipEndpointIds": [101, 102],
        "code": "AUT-26",
        "callSchedule": [["09:00", "13:00"], ["14:00", "18:30"]],
        "callHolidayOverrides": ["2026-12-31", "2027-01-01"],
        "autoDialingEnabled": True,
        "predictiveModeEnabled": False,
        "aiModeEnabled": True,
        "standaloneAiModeEnabled": False,
        "aiModePrompt": "You are a polite assistant.",
        "aiModeFirstPhrase": "Добрый день!",
        "aiDefaultLanguage": "ru",
        "amdDetectionEnabled": True,
        "callRecordRule": "agent_is_connected",
        "callCenterPhone": "+74951234567",
        "additionalCallCenterPhones": ["+74957654321"],
        "sipEndpointUsageScheme": "even_loaded_daily",
        "agentUserIds": [7, 8],
        "agentGroupIds": [3],
        "showLeadContactsToAgent": True,
        "callAttemptsGroupId": 5,
        "qualifiedLeadsPerDayLimit": 40,
        "callScenarioId": 11,
        "leadTransformEnabled": False,
        "leadsPriority": 2,
        "speechRecognitionEnabled": True,
        "ignoreLeadTimezone": False,
        "customValues": {"12": "VIP", "13": 3},
    }
    assert order["raw"]["request"] == sent


async def test_options_left_out_are_not_sent(rig: Rig) -> None:
    assert (await create(rig, MINIMAL))["userErrors"] == []
    (sent,) = rig.vendor.simulator.orders.values()
    assert sent == {
        "title": "Spring",
        "serviceTitle": "spring-2026",
        "status": "info",
        "sipEndpointIds": [101],
    }


async def test_created_orders_are_listed_newest_first_and_paged(rig: Rig) -> None:
    for n in range(3):
        assert (await create(rig, {**MINIMAL, "title": f"Order {n}"}))["userErrors"] == []
    first = (await rig.api.query(ORDERS, {"p": rig.provider_id, "first": 2}))["orders"]
    assert [o["title"] for o in first["nodes"]] == ["Order 2", "Order 1"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await rig.api.query(ORDERS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "orders"
    ]
    assert [o["title"] for o in rest["nodes"]] == ["Order 0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert all(o["status"] == "INFO" for o in first["nodes"] + rest["nodes"])


async def test_a_status_word_outside_the_enum_never_reaches_liner(rig: Rig) -> None:
    with pytest.raises(GraphQLFailed) as failed:
        await create(rig, {**MINIMAL, "status": "DANGER"})
    assert "DANGER" in str(failed.value.errors)
    with pytest.raises(GraphQLFailed):
        await create(rig, {**MINIMAL, "aiDefaultLanguage": "DE"})
    assert rig.vendor.simulator.orders == {}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"callSchedule": [{"start": "25:00", "end": "26:00"}]}, "callSchedule[0].start"),
        ({"callSchedule": [{"start": "18:00", "end": "09:00"}]}, "callSchedule[0]"),
        ({"sipEndpointIds": []}, "sipEndpointIds"),
        ({"title": "  "}, "title"),
        ({"callCenterPhone": "not a phone"}, "callCenterPhone"),
        ({"additionalCallCenterPhones": ["+7 495 1"]}, "additionalCallCenterPhones[0]"),
        (
            {"customValues": [{"fieldId": "1", "value": 1}, {"fieldId": "1", "value": 2}]},
            "customValues",
        ),
    ],
)
async def test_bad_input_is_refused_before_sending(
    rig: Rig, fields: dict[str, Any], field: str
) -> None:
    result = await create(rig, {**MINIMAL, **fields})
    assert result["order"] is None
    (error,) = result["userErrors"]
    assert error["code"] == "BAD_INPUT"
    assert (error["field"] or "").startswith(field)
    assert sum(rig.vendor.simulator.requests.values()) == 0


async def test_a_liner_refusal_is_a_user_error_with_its_message_and_nothing_is_kept(
    rig: Rig,
) -> None:
    result = await create(rig, {**MINIMAL, "sipEndpointIds": [999]})
    assert result["order"] is None
    (error,) = result["userErrors"]
    assert error["code"] == "PROVIDER_REJECTED"
    assert error["message"].startswith("Liner: ")
    assert error["message"] == "Liner: The selected sipEndpointIds.0 is invalid."
    assert error["field"] == "sipEndpointIds[0]", "Liner's field name, as the input's path"
    assert (await rig.api.query(ORDERS))["orders"]["nodes"] == []


async def test_success_false_with_http_200_is_a_user_error(rig: Rig) -> None:
    rig.vendor.simulator.fail_next(
        200, {"success": False, "message": "Order limit reached", "data": None}
    )
    (error,) = (await create(rig, MINIMAL))["userErrors"]
    assert (error["code"], error["message"]) == ("PROVIDER_REJECTED", "Liner: Order limit reached")


async def test_a_liner_outage_is_provider_unavailable_and_keeps_nothing(rig: Rig) -> None:
    rig.vendor.simulator.fail_next(503, "Service Unavailable")
    with pytest.raises(GraphQLFailed) as failed:
        await create(rig, MINIMAL)
    assert failed.value.codes == ["PROVIDER_UNAVAILABLE"]
    assert (await rig.api.query(ORDERS))["orders"]["nodes"] == []


async def test_a_wrong_api_key_is_for_the_operator_and_never_quoted() -> None:
    async with vendor_rig("liner", credentials={"api_key": "not-the-key"}) as rig:
        (error,) = (await create(rig, MINIMAL))["userErrors"]
    assert error["code"] == "PROVIDER_MISCONFIGURED"
    assert "api_key" in error["message"]
    assert "not-the-key" not in error["message"]


async def test_the_same_idempotency_key_creates_one_order(rig: Rig) -> None:
    first = await create(rig, MINIMAL, idempotencyKey="order-1")
    again = await create(rig, MINIMAL, idempotencyKey="order-1")
    assert first["order"]["orderId"] == again["order"]["orderId"]
    assert len(rig.vendor.simulator.orders) == 1
    other = await create(rig, {**MINIMAL, "title": "Other"}, idempotencyKey="order-1")
    assert other["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"


async def test_orders_of_a_provider_that_keeps_none_is_unsupported() -> None:
    async with vendor_rig("lirax") as rig:
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(ORDERS, {"p": rig.provider_id})
        assert failed.value.codes == ["UNSUPPORTED"]
        assert (await rig.api.query(ORDERS))["orders"]["nodes"] == []
