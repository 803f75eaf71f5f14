"""Liner's order body, checked against the vendor's page (shared/vendor-docs/
liner-order-create.txt): every field of the page under its own key and wire word, nothing
the client left out, and each request Liner could not take refused first with BadInput
naming the client's GraphQL field.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from callboard.domain.errors import BadInput
from callboard.domain.orders import (
    AiLanguage,
    CallRecordRule,
    OrderRequest,
    OrderStatus,
    SipEndpointUsageScheme,
    TimeRange,
)
from callboard.providers.liner.requests import MAX_INT, graphql_field, order_body, order_id

# The page's request example, key by key, in its order.
PAGE_KEYS = [
    "code",
    "serviceTitle",
    "title",
    "status",
    "sipEndpointIds",
    "callSchedule",
    "callHolidayOverrides",
    "autoDialingEnabled",
    "predictiveModeEnabled",
    "aiModeEnabled",
    "standaloneAiModeEnabled",
    "aiModePrompt",
    "aiModeFirstPhrase",
    "aiDefaultLanguage",
    "amdDetectionEnabled",
    "callRecordRule",
    "callCenterPhone",
    "additionalCallCenterPhones",
    "sipEndpointUsageScheme",
    "agentUserIds",
    "agentGroupIds",
    "showLeadContactsToAgent",
    "callAttemptsGroupId",
    "qualifiedLeadsPerDayLimit",
    "callScenarioId",
    "leadTransformEnabled",
    "leadsPriority",
    "speechRecognitionEnabled",
    "ignoreLeadTimezone",
    "customValues",
]

MINIMAL = OrderRequest(
    title="Spring sale",
    service_title="spring-sale-2025",
    status=OrderStatus.SUCCESS,
    sip_endpoint_ids=(101,),
)

FULL = OrderRequest(
    title="Spring sale",
    service_title="spring-sale-2025",
    status=OrderStatus.INFO,
    sip_endpoint_ids=(101, 102),
    code="SPR-25",
    call_schedule=(TimeRange("09:00", "13:00"), TimeRange("14:00", "18:30")),
    holiday_overrides=(date(2025, 5, 1), date(2025, 5, 9)),
    auto_dialing_enabled=True,
    predictive_mode_enabled=False,
    ai_mode_enabled=True,
    standalone_ai_mode_enabled=False,
    ai_mode_prompt="You sell sofas. Be brief.",
    ai_mode_first_phrase="Hello!",
    ai_default_language=AiLanguage.GB,
    amd_detection_enabled=True,
    call_record_rule=CallRecordRule.AGENT_IS_CONNECTED,
    call_center_phone="+74951234567",
    additional_call_center_phones=("+74951234568", "+79123456789"),
    sip_endpoint_usage_scheme=SipEndpointUsageScheme.EVEN_LOADED_DAILY,
    agent_user_ids=(7, 8),
    agent_group_ids=(3,),
    show_lead_contacts_to_agent=False,
    call_attempts_group_id=12,
    qualified_leads_per_day_limit=0,
    call_scenario_id=5,
    lead_transform_enabled=True,
    leads_priority=10,
    speech_recognition_enabled=False,
    ignore_lead_timezone=True,
    custom_values={"17": "VIP", "18": 42, "19": ["a", "b"]},
)


def a_request(**changes: Any) -> OrderRequest:
    return dataclasses.replace(MINIMAL, **changes)


def build(request: OrderRequest) -> dict[str, Any]:
    body = order_body(request)
    assert json.loads(json.dumps(body)) == body  # sent as JSON: must survive it unchanged
    return body


def refused(request: OrderRequest) -> BadInput:
    with pytest.raises(BadInput) as caught:
        order_body(request)
    return caught.value


# --- the body ---------------------------------------------------------------------------


def test_a_minimal_order_sends_the_four_required_fields_only() -> None:
    assert build(MINIMAL) == {
        "serviceTitle": "spring-sale-2025",
        "title": "Spring sale",
        "status": "success",
        "sipEndpointIds": [101],
    }


def test_every_field_goes_under_the_pages_key_in_its_order() -> None:
    body = build(FULL)
    assert list(body) == PAGE_KEYS
    assert body == {
        "code": "SPR-25",
        "serviceTitle": "spring-sale-2025",
        "title": "Spring sale",
        "status": "info",
        "sipEndpointIds": [101, 102],
        "callSchedule": [["09:00", "13:00"], ["14:00", "18:30"]],
        "callHolidayOverrides": ["2025-05-01", "2025-05-09"],
        "autoDialingEnabled": True,
        "predictiveModeEnabled": False,
        "aiModeEnabled": True,
        "standaloneAiModeEnabled": False,
        "aiModePrompt": "You sell sofas. Be brief.",
        "aiModeFirstPhrase": "Hello!",
        "aiDefaultLanguage": "gb",
        "amdDetectionEnabled": True,
        "callRecordRule": "agent_is_connected",
        "callCenterPhone": "+74951234567",
        "additionalCallCenterPhones": ["+74951234568", "+79123456789"],
        "sipEndpointUsageScheme": "even_loaded_daily",
        "agentUserIds": [7, 8],
        "agentGroupIds": [3],
        "showLeadContactsToAgent": False,
        "callAttemptsGroupId": 12,
        "qualifiedLeadsPerDayLimit": 0,
        "callScenarioId": 5,
        "leadTransformEnabled": True,
        "leadsPriority": 10,
        "speechRecognitionEnabled": False,
        "ignoreLeadTimezone": True,
        "customValues": {"17": "VIP", "18": 42, "19": ["a", "b"]},
    }


def test_false_and_zero_are_sent_while_none_and_empty_are_not() -> None:
    body = build(
        a_request(
            auto_dialing_enabled=False,
            qualified_leads_per_day_limit=0,
            code="",
            ai_mode_prompt="",
            ai_mode_first_phrase="   ",
            call_center_phone="",
            custom_values={},
        )
    )
    assert body["autoDialingEnabled"] is False
    assert body["qualifiedLeadsPerDayLimit"] == 0
    for left_out in ("code", "aiModePrompt", "aiModeFirstPhrase", "callCenterPhone"):
        assert left_out not in body
    assert "customValues" not in body


@pytest.mark.parametrize("status", list(OrderStatus))
def test_each_status_is_its_wire_word(status: OrderStatus) -> None:
    assert build(a_request(status=status))["status"] in ("success", "secondary", "info")
    assert build(a_request(status=status))["status"] == status.value


def test_titles_and_code_are_sent_trimmed() -> None:
    body = build(a_request(title="  Spring sale ", service_title=" s1 ", code=" C-1 "))
    assert (body["title"], body["serviceTitle"], body["code"]) == ("Spring sale", "s1", "C-1")


def test_one_digit_hours_are_padded_and_the_day_may_end_at_24() -> None:
    spans = (TimeRange("9:00", "12:00"), TimeRange("12:00", "24:00"))
    assert build(a_request(call_schedule=spans))["callSchedule"] == [
        ["09:00", "12:00"],
        ["12:00", "24:00"],
    ]


def test_the_schedule_keeps_the_clients_order() -> None:
    spans = (TimeRange("14:00", "18:00"), TimeRange("09:00", "13:00"))
    assert build(a_request(call_schedule=spans))["callSchedule"] == [
        ["14:00", "18:00"],
        ["09:00", "13:00"],
    ]


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"service_title": ""}, "serviceTitle"),
        ({"sip_endpoint_ids": ()}, "sipEndpointIds"),
        ({"sip_endpoint_ids": (101, 0)}, "sipEndpointIds[1]"),
        ({"sip_endpoint_ids": (-3,)}, "sipEndpointIds[0]"),
        ({"sip_endpoint_ids": (101, 102, 101)}, "sipEndpointIds[2]"),
        ({"sip_endpoint_ids": (MAX_INT + 1,)}, "sipEndpointIds[0]"),
        ({"agent_user_ids": (7, 0)}, "agentUserIds[1]"),
        ({"agent_user_ids": (7, 7)}, "agentUserIds[1]"),
        ({"agent_group_ids": (-1,)}, "agentGroupIds[0]"),
        ({"call_attempts_group_id": 0}, "callAttemptsGroupId"),
        ({"call_scenario_id": -5}, "callScenarioId"),
        ({"qualified_leads_per_day_limit": -1}, "qualifiedLeadsPerDayLimit"),
        ({"qualified_leads_per_day_limit": MAX_INT + 1}, "qualifiedLeadsPerDayLimit"),
        ({"leads_priority": 2**40}, "leadsPriority"),
        ({"holiday_overrides": (date(2025, 1, 1), date(2025, 1, 1))}, "holidayOverrides[1]"),
        ({"call_center_phone": "84951234567"}, "callCenterPhone"),
        (
            {"additional_call_center_phones": ("+74951234567", "+74951234567")},
            "additionalCallCenterPhones[1]",
        ),
        (
            {"additional_call_center_phones": ("+74951234567", "12")},
            "additionalCallCenterPhones[1]",
        ),
        ({"custom_values": {"": "x"}}, "customValues"),
        ({"custom_values": {"  ": "x"}}, "customValues"),
        ({"custom_values": {"17": "a", " 17 ": "b"}}, "customValues"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(changes: dict[str, Any], field: str) -> None:
    error = refused(a_request(**changes))
    assert error.field == field
    assert error.code == "BAD_INPUT"


@pytest.mark.parametrize(
    ("spans", "field"),
    [
        ((TimeRange("9", "18:00"),), "callSchedule[0].start"),
        ((TimeRange("09:00", "18:60"),), "callSchedule[0].end"),
        ((TimeRange("24:00", "24:00"),), "callSchedule[0].start"),
        ((TimeRange("09:00", "24:01"),), "callSchedule[0].end"),
        ((TimeRange("09:00", "25:00"),), "callSchedule[0].end"),
        ((TimeRange("09:00", "18:00"), TimeRange("", "19:00")), "callSchedule[1].start"),
        ((TimeRange("09:00", "9 pm"),), "callSchedule[0].end"),
        ((TimeRange("18:00", "09:00"),), "callSchedule[0].end"),
        ((TimeRange("09:00", "09:00"),), "callSchedule[0].end"),
        ((TimeRange("08:00", "12:00"), TimeRange("11:59", "18:00")), "callSchedule[1].start"),
        ((TimeRange("12:00", "18:00"), TimeRange("08:00", "12:30")), "callSchedule[0].start"),
        (
            (TimeRange("08:00", "20:00"), TimeRange("21:00", "22:00"), TimeRange("10:00", "11:00")),
            "callSchedule[2].start",
        ),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_span(
    spans: tuple[TimeRange, ...], field: str
) -> None:
    assert refused(a_request(call_schedule=spans)).field == field


def test_spans_that_only_touch_are_fine() -> None:
    spans = (TimeRange("09:00", "13:00"), TimeRange("13:00", "18:00"))
    assert len(build(a_request(call_schedule=spans))["callSchedule"]) == 2


def test_the_messages_say_what_to_write() -> None:
    assert "HH:MM" in refused(a_request(call_schedule=(TimeRange("9am", "18:00"),))).message
    overlap = refused(
        a_request(call_schedule=(TimeRange("08:00", "12:00"), TimeRange("11:00", "13:00")))
    )
    assert "11:00-13:00" in overlap.message
    assert "08:00-12:00" in overlap.message
    twice = refused(a_request(sip_endpoint_ids=(101, 101)))
    assert "101" in twice.message
    assert "twice" in twice.message


# --- reading Liner back -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "graphql"),
    [
        ("title", "title"),
        ("sipEndpointIds", "sipEndpointIds"),
        ("sipEndpointIds.2", "sipEndpointIds[2]"),
        ("sipEndpointIds[2]", "sipEndpointIds[2]"),
        ("callSchedule.1.0", "callSchedule[1].start"),
        ("callSchedule.1.1", "callSchedule[1].end"),
        ("callSchedule.3", "callSchedule[3]"),
        ("callHolidayOverrides.0", "holidayOverrides[0]"),
        ("customValues.17", "customValues"),
        ("sip_endpoint_ids.1", "sipEndpointIds[1]"),
        ("additionalCallCenterPhones.1", "additionalCallCenterPhones[1]"),
    ],
)
def test_liners_field_names_become_the_clients_paths(vendor: str, graphql: str) -> None:
    assert graphql_field(vendor) == graphql


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id": 1001}, "1001"),
        ({"id": "A-7"}, "A-7"),
        ({"id": None}, None),
        ({"id": True}, None),
        ({"id": " "}, None),
        ({}, None),
        ([1001], None),
        (None, None),
    ],
)
def test_the_created_orders_id(data: Any, expected: str | None) -> None:
    assert order_id(data) == expected
