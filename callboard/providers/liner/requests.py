"""Liner's order body from Callboard's `OrderRequest`, checked before it is sent, and the
vendor's field names read back as the client's GraphQL paths.

Pure: no I/O. A request Liner would refuse (or silently misread) is refused here with a
`BadInput` naming the GraphQL input field, so the client learns it before an order exists.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from callboard.domain.errors import BadInput
from callboard.domain.orders import OrderRequest, TimeRange

__all__ = ["MAX_INT", "graphql_field", "order_body", "order_id"]

# Liner's ids and counters are (by every sign) 32-bit integer columns: a larger value
# would be refused or wrapped by the vendor, so it is refused here with a clear message.
MAX_INT = 2**31 - 1

# The page does not say how a schedule time is written; "HH:MM" strings (one-digit hours
# padded) are the default reading, as the page's other examples quote every string; the
# provider's `schedule_format = "numbers"` sends seconds of the day instead.
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_END_OF_DAY = "24:00"
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")

# GraphQL input names that differ from Liner's own keys (the others are the same words).
_TO_GRAPHQL = {"callHolidayOverrides": "holidayOverrides"}
_SCHEDULE_ENDS = ("start", "end")

H = TypeVar("H", bound=Hashable)


def order_body(request: OrderRequest, *, numeric_schedule: bool = False) -> dict[str, Any]:
    """The JSON of `POST /v2/order/create/`: only the fields given, in the page's order.

    `numeric_schedule`: the other reading of the page's unquoted `[[{{start}}, {{end}}]]`
    and `[{{holiday}}]`: spans as seconds of the day, holidays as Unix times (their UTC
    midnight), instead of "HH:MM" and "YYYY-MM-DD" strings.
    """
    body: dict[str, Any] = {}
    code = _optional_text(request.code)
    if code is not None:
        body["code"] = code
    body["serviceTitle"] = _title(request.service_title, "serviceTitle")
    body["title"] = _title(request.title, "title")
    body["status"] = request.status.value
    if not request.sip_endpoint_ids:
        raise BadInput(
            "An order needs at least one virtual number: give its id in `sipEndpointIds`.",
            field="sipEndpointIds",
        )
    body["sipEndpointIds"] = _ids(request.sip_endpoint_ids, "sipEndpointIds", "virtual number")
    if request.call_schedule:
        spans = _schedule(request.call_schedule)
        body["callSchedule"] = (
            [[_minutes(end) * 60 for end in span] for span in spans] if numeric_schedule else spans
        )
    if request.holiday_overrides:
        seen = _unique(request.holiday_overrides, "holidayOverrides", "holiday")
        body["callHolidayOverrides"] = [
            _unix_midnight(day) if numeric_schedule else day.isoformat() for day in seen
        ]
    _flag(body, "autoDialingEnabled", request.auto_dialing_enabled)
    _flag(body, "predictiveModeEnabled", request.predictive_mode_enabled)
    _flag(body, "aiModeEnabled", request.ai_mode_enabled)
    _flag(body, "standaloneAiModeEnabled", request.standalone_ai_mode_enabled)
    _text(body, "aiModePrompt", request.ai_mode_prompt)
    _text(body, "aiModeFirstPhrase", request.ai_mode_first_phrase)
    if request.ai_default_language is not None:
        body["aiDefaultLanguage"] = request.ai_default_language.value
    _flag(body, "amdDetectionEnabled", request.amd_detection_enabled)
    if request.call_record_rule is not None:
        body["callRecordRule"] = request.call_record_rule.value
    if request.call_center_phone:
        body["callCenterPhone"] = _phone(request.call_center_phone, "callCenterPhone")
    if request.additional_call_center_phones:
        where = "additionalCallCenterPhones"
        phones = [
            _phone(p, f"{where}[{i}]") for i, p in enumerate(request.additional_call_center_phones)
        ]
        body[where] = _unique(phones, where, "phone")
    if request.sip_endpoint_usage_scheme is not None:
        body["sipEndpointUsageScheme"] = request.sip_endpoint_usage_scheme.value
    if request.agent_user_ids:
        body["agentUserIds"] = _ids(request.agent_user_ids, "agentUserIds", "agent")
    if request.agent_group_ids:
        body["agentGroupIds"] = _ids(request.agent_group_ids, "agentGroupIds", "agent group")
    _flag(body, "showLeadContactsToAgent", request.show_lead_contacts_to_agent)
    _integer(body, "callAttemptsGroupId", request.call_attempts_group_id, low=1)
    _integer(body, "qualifiedLeadsPerDayLimit", request.qualified_leads_per_day_limit, low=0)
    _integer(body, "callScenarioId", request.call_scenario_id, low=1)
    _flag(body, "leadTransformEnabled", request.lead_transform_enabled)
    # The page gives no bounds for the priority (nor says whether higher comes first):
    # any 32-bit value goes, Liner judges.
    _integer(body, "leadsPriority", request.leads_priority, low=-MAX_INT - 1)
    _flag(body, "speechRecognitionEnabled", request.speech_recognition_enabled)
    _flag(body, "ignoreLeadTimezone", request.ignore_lead_timezone)
    if request.custom_values:
        body["customValues"] = _custom_values(request.custom_values)
    return body


def order_id(data: Any) -> str | None:
    """The created order's id from the reply's `data` ({"id": 123}); None if it has none."""
    value = data.get("id") if isinstance(data, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def graphql_field(vendor_field: str) -> str:
    """The client's input path for a field Liner names in a refusal.

    Liner (Laravel) names list items with dots: `sipEndpointIds.0` is `sipEndpointIds[0]`,
    `callSchedule.1.0` the start of the second span, `callSchedule[1].start`.
    """
    parts = [p for p in re.split(r"[.\[\]]+", vendor_field.strip()) if p]
    if not parts:
        return vendor_field
    head = _camel(parts[0])
    path = _TO_GRAPHQL.get(head, head)
    if path == "customValues":
        return path  # a map, not a list: its keys are no GraphQL path
    for depth, part in enumerate(parts[1:]):
        if not part.isdigit():
            path += f".{_camel(part)}"
        elif head == "callSchedule" and depth == 1 and int(part) < len(_SCHEDULE_ENDS):
            path += f".{_SCHEDULE_ENDS[int(part)]}"
        else:
            path += f"[{part}]"
    return path


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _title(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise BadInput(f"`{field}` cannot be blank.", field=field)
    return text


def _optional_text(value: str | None) -> str | None:
    """None and blank text both mean "not sent" (the vendor's default applies)."""
    if value is None or not value.strip():
        return None
    return value.strip()


def _text(body: dict[str, Any], key: str, value: str | None) -> None:
    # Prompts are sent as written (their spacing may matter to the bot); only an empty
    # one is "not sent".
    if value is not None and value.strip():
        body[key] = value


def _flag(body: dict[str, Any], key: str, value: bool | None) -> None:
    if value is not None:
        body[key] = bool(value)


def _integer(body: dict[str, Any], field: str, value: int | None, *, low: int) -> None:
    if value is None:
        return
    _check_int(value, field, low=low)
    body[field] = value


def _check_int(value: object, field: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"`{field}` must be a whole number.", field=field)
    if not low <= value <= MAX_INT:
        if low == 1:
            rule = "an id: a positive whole number"
        elif low == 0:
            rule = "0 or more"
        else:
            rule = "a 32-bit whole number"
        raise BadInput(f"`{field}` must be {rule}, up to {MAX_INT} ({value} given).", field=field)
    return value


def _ids(values: Sequence[int], field: str, what: str) -> list[int]:
    ids = [_check_int(v, f"{field}[{i}]", low=1) for i, v in enumerate(values)]
    return _unique(ids, field, what)


def _unique(values: Sequence[H], field: str, what: str) -> list[H]:
    first: dict[H, int] = {}
    for i, value in enumerate(values):
        if value in first:
            raise BadInput(
                f"The {what} {value} is given twice in `{field}` (items {first[value]} and {i}).",
                field=f"{field}[{i}]",
            )
        first[value] = i
    return list(values)


def _phone(value: str, field: str) -> str:
    # The resolver normalizes phones to E.164; anything else reaching here is a bug
    # upstream, but the client still gets a message it can act on.
    phone = value.strip()
    if not _E164.fullmatch(phone):
        raise BadInput(
            f"'{value}' is not a phone number with its country code, e.g. +74951234567.",
            field=field,
        )
    return phone


def _schedule(spans: Sequence[TimeRange]) -> list[list[str]]:
    wire: list[list[str]] = []
    minutes: list[tuple[int, int, int]] = []  # (start, end, index)
    for i, span in enumerate(spans):
        where = f"callSchedule[{i}]"
        start = _time(span.start, f"{where}.start", end=False)
        end = _time(span.end, f"{where}.end", end=True)
        if _minutes(start) >= _minutes(end):
            raise BadInput(
                f"A working-day span starts before it ends ({start}-{end} given).",
                field=f"{where}.end",
            )
        wire.append([start, end])
        minutes.append((_minutes(start), _minutes(end), i))
    ordered = sorted(minutes)
    # Spans that merely touch (09:00-13:00, 13:00-18:00) do not overlap.
    for (_, prev_end, prev), (next_start, _, index) in itertools.pairwise(ordered):
        if next_start < prev_end:
            raise BadInput(
                f"Working-day spans cannot overlap: {wire[index][0]}-{wire[index][1]} overlaps "
                f"{wire[prev][0]}-{wire[prev][1]} (callSchedule[{prev}]).",
                field=f"callSchedule[{index}].start",
            )
    return wire


def _time(value: str, field: str, *, end: bool) -> str:
    text = value.strip()
    if end and text == _END_OF_DAY:
        return text
    match = _TIME.fullmatch(text)
    if match is None:
        latest = "24:00 for the end of the day" if end else "23:59"
        raise BadInput(
            f"'{value}' is not a time of day: write HH:MM, 00:00 to {latest}.", field=field
        )
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _unix_midnight(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _custom_values(values: Mapping[str, Any]) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for key, value in values.items():
        field_id = key.strip() if isinstance(key, str) else ""
        if not field_id:
            raise BadInput(
                "A custom value's key is the id of a Liner custom field; it cannot be blank.",
                field="customValues",
            )
        if field_id in wire:
            raise BadInput(
                f"The custom field {field_id} is given twice in `customValues`.",
                field="customValues",
            )
        wire[field_id] = value
    return wire
