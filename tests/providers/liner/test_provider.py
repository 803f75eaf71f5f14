"""LinerProvider against the Liner simulator: an order created end to end, refused before
sending when it cannot work, and Liner's refusals reaching the client by field."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from callboard.domain.capabilities import Capability
from callboard.domain.errors import (
    BadInput,
    ProviderMisconfigured,
    ProviderRejected,
    ProviderUnavailable,
)
from callboard.domain.orders import CallRecordRule, OrderRequest, OrderStatus, TimeRange
from callboard.providers.base import ProviderContext
from callboard.providers.liner.provider import LinerOptions, LinerProvider
from callboard.providers.liner.simulator import ORDER_CREATE_PATH, LinerSimulator
from callboard.providers.options import OptionError, parse_options
from tests.harness import GraphQLFailed
from tests.vendors import vendor_rig

API_KEY = "lnr_0d9b8c7a6f5e4d3c2b1a"
REQUEST = OrderRequest(
    title="Spring sale",
    service_title="spring-sale-2025",
    status=OrderStatus.SECONDARY,
    sip_endpoint_ids=(101, 103),
    code="SPR-25",
    call_schedule=(TimeRange("9:00", "18:00"),),
    holiday_overrides=(date(2025, 5, 9),),
    call_record_rule=CallRecordRule.CLIENT_IS_CONNECTED,
    call_center_phone="+74951234567",
    qualified_leads_per_day_limit=40,
    custom_values={"17": "VIP"},
)


@pytest.fixture
def sim() -> LinerSimulator:
    return LinerSimulator(API_KEY)


@pytest.fixture
async def provider(sim: LinerSimulator) -> AsyncIterator[LinerProvider]:
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield build(http)
    await sim.aclose()


def build(http: httpx.AsyncClient, **options: Any) -> LinerProvider:
    context = ProviderContext(id="ln", http=http, webhook_url="http://cb/webhooks/ln")
    raw = {"base_url": "http://sim", "api_key": API_KEY, **options}
    return LinerProvider(context, parse_options(LinerOptions, raw))


async def test_an_order_is_created_at_liner_and_described_back(
    sim: LinerSimulator, provider: LinerProvider
) -> None:
    before = datetime.now(UTC)
    order = await provider.create_order(REQUEST)
    assert order.provider_id == "ln"
    assert order.order_id == "1001"
    assert (order.title, order.service_title, order.code) == (
        "Spring sale",
        "spring-sale-2025",
        "SPR-25",
    )
    assert order.status == "secondary"
    assert order.created_at is not None
    assert before <= order.created_at <= datetime.now(UTC) + timedelta(seconds=1)
    sent = {
        "code": "SPR-25",
        "serviceTitle": "spring-sale-2025",
        "title": "Spring sale",
        "status": "secondary",
        "sipEndpointIds": [101, 103],
        "callSchedule": [["09:00", "18:00"]],
        "callHolidayOverrides": ["2025-05-09"],
        "callRecordRule": "client_is_connected",
        "callCenterPhone": "+74951234567",
        "qualifiedLeadsPerDayLimit": 40,
        "customValues": {"17": "VIP"},
    }
    assert sim.orders == {1001: sent}
    assert order.raw == {"request": sent, "reply": {"id": 1001}}


async def test_each_order_gets_its_own_id(provider: LinerProvider) -> None:
    first = await provider.create_order(REQUEST)
    second = await provider.create_order(dataclasses.replace(REQUEST, code=None))
    assert (first.order_id, second.order_id) == ("1001", "1002")
    assert second.code is None


async def test_a_bad_request_is_refused_before_anything_is_sent(
    sim: LinerSimulator, provider: LinerProvider
) -> None:
    bad = dataclasses.replace(
        REQUEST, call_schedule=(TimeRange("09:00", "13:00"), TimeRange("12:00", "18:00"))
    )
    with pytest.raises(BadInput) as caught:
        await provider.create_order(bad)
    assert caught.value.field == "callSchedule[1].start"
    assert sum(sim.requests.values()) == 0
    assert sim.orders == {}


async def test_a_number_liner_does_not_know_is_its_refusal_by_field(
    sim: LinerSimulator, provider: LinerProvider
) -> None:
    with pytest.raises(ProviderRejected) as caught:
        await provider.create_order(dataclasses.replace(REQUEST, sip_endpoint_ids=(101, 555)))
    assert caught.value.field == "sipEndpointIds[1]"
    assert caught.value.message.startswith("Liner: ")
    assert sim.orders == {}


async def test_a_code_already_taken_is_refused_by_liner(provider: LinerProvider) -> None:
    await provider.create_order(REQUEST)
    with pytest.raises(ProviderRejected) as caught:
        await provider.create_order(REQUEST)
    assert caught.value.field == "code"
    assert caught.value.message == "Liner: The code has already been taken."


async def test_success_without_an_id_is_unavailable(
    sim: LinerSimulator, provider: LinerProvider
) -> None:
    sim.fail_next(200, {"success": True, "message": "Order created", "data": {}})
    with pytest.raises(ProviderUnavailable) as caught:
        await provider.create_order(REQUEST)
    assert "did not say its id" in caught.value.message


async def test_a_wrong_key_tells_the_operator(sim: LinerSimulator) -> None:
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport) as http:
        provider = build(http, api_key="stale-key")
        with pytest.raises(ProviderMisconfigured) as caught:
            await provider.create_order(REQUEST)
    assert "`api_key`" in caught.value.message
    assert sim.requests[ORDER_CREATE_PATH] == 1


async def test_a_base_url_with_the_api_path_in_it_points_at_base_url(
    sim: LinerSimulator,
) -> None:
    transport = httpx.ASGITransport(sim.app)
    async with httpx.AsyncClient(transport=transport) as http:
        provider = build(http, base_url="http://sim/v2/order/create")
        with pytest.raises(ProviderMisconfigured) as caught:
            await provider.create_order(REQUEST)
    assert "`base_url`" in caught.value.message


def test_the_provider_declares_orders_only() -> None:
    assert LinerProvider.kind == "liner"
    assert LinerProvider.vendor == "Liner"
    assert LinerProvider.capabilities == frozenset({Capability.CREATE_ORDER})
    assert LinerProvider.options_type is LinerOptions


def test_the_options_need_a_key_and_hide_it() -> None:
    with pytest.raises(OptionError) as missing:
        parse_options(LinerOptions, {"base_url": "https://liner.example.com"})
    assert missing.value.key == "api_key"
    with pytest.raises(OptionError) as empty:
        parse_options(LinerOptions, {"base_url": "https://liner.example.com", "api_key": ""})
    assert empty.value.key == "api_key"
    options = parse_options(LinerOptions, {"base_url": "https://x.example", "api_key": API_KEY})
    assert API_KEY not in repr(options)


async def test_the_provider_repr_hides_the_key(provider: LinerProvider) -> None:
    assert API_KEY not in repr(provider)
    assert API_KEY not in repr(provider.__dict__)


async def test_other_operations_are_unsupported() -> None:
    async with vendor_rig("liner") as rig:
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(
                "query($p: ID!) { balance(provider: $p) { amount } }", {"p": rig.provider_id}
            )
    assert failed.value.codes == ["UNSUPPORTED"]
    assert "(Liner) does not support BALANCE" in failed.value.errors[0]["message"]
