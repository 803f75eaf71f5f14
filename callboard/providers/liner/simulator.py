"""A fake Liner: `POST /v2/order/create/` with the key check, Laravel-style validation of the
page's fields, and the orders it accepted kept in memory."""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callboard.providers.simulator_base import Simulator, json_object, same_secret

__all__ = ["ORDER_CREATE_PATH", "LinerSimulator"]

ORDER_CREATE_PATH = "/v2/order/create/"
FIRST_ORDER_ID = 1001
INVALID = "The given data was invalid."

STATUSES = ("success", "secondary", "info")
LANGUAGES = ("ru", "gb")
RECORD_RULES = ("client_is_connected", "agent_is_connected")
USAGE_SCHEMES = (
    "random_default",
    "random_without_repetition",
    "even_loaded",
    "even_loaded_daily",
)
FLAGS = (
    "autoDialingEnabled",
    "predictiveModeEnabled",
    "aiModeEnabled",
    "standaloneAiModeEnabled",
    "amdDetectionEnabled",
    "showLeadContactsToAgent",
    "leadTransformEnabled",
    "speechRecognitionEnabled",
    "ignoreLeadTimezone",
)
TEXTS = ("aiModePrompt", "aiModeFirstPhrase")
ENUMS: dict[str, tuple[str, ...]] = {
    "aiDefaultLanguage": LANGUAGES,
    "callRecordRule": RECORD_RULES,
    "sipEndpointUsageScheme": USAGE_SCHEMES,
}
# field -> the least value it takes (None: any integer)
INTEGERS: dict[str, int | None] = {
    "callAttemptsGroupId": 1,
    "qualifiedLeadsPerDayLimit": 0,
    "callScenarioId": 1,
    "leadsPriority": None,
}
MAX_STRING = 255

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_PHONE = re.compile(r"\+?[0-9]{10,15}")

Errors = dict[str, list[str]]


def _reply(status_code: int, success: bool, message: str, data: Any) -> JSONResponse:
    return JSONResponse(
        {"success": success, "message": message, "data": data}, status_code=status_code
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class LinerSimulator(Simulator):
    """Liner's order API in memory.

    ``orders`` holds each accepted body as it came, by the id given to it (1001 up);
    ``sip_endpoint_ids`` the account's virtual numbers (an order naming another is
    refused); ``requests`` counts requests by path; ``fail_next`` makes the next request
    answer something else.
    """

    def __init__(self, api_key: str, *, sip_endpoint_ids: Iterable[int] = (101, 102, 103)) -> None:
        super().__init__("Liner")
        self._api_key = api_key
        self.sip_endpoint_ids: set[int] = set(sip_endpoint_ids)
        self.orders: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(FIRST_ORDER_ID)
        self._failures: collections.deque[tuple[int, Any]] = collections.deque()
        self.app = self._starlette(
            [
                Route(path, self._create, methods=["POST"])
                for path in (ORDER_CREATE_PATH, ORDER_CREATE_PATH.rstrip("/"))
            ]
        )

    # -- public controls ---------------------------------------------------------------

    def fail_next(self, status: int, body: Any) -> None:
        """Answer the next request with HTTP `status` and `body` instead (a str or bytes is
        sent as it is, None as an empty body, anything else as JSON); calls queue up."""
        self._failures.append((status, body))

    # -- the vendor's endpoint ---------------------------------------------------------

    async def _create(self, request: Request) -> Response:
        if self._failures:
            return _canned(*self._failures.popleft())
        if not same_secret(request.headers.get("x-api-key", ""), self._api_key):
            return _reply(401, False, "Unauthenticated: invalid API key.", None)
        body = await json_object(request)
        if body is None:
            return _reply(400, False, "The request body must be a JSON object.", None)
        errors = self._validate(body)
        if errors:
            first = next(iter(errors.values()))[0]
            count = sum(len(problems) for problems in errors.values())
            # Laravel's message: the first problem, and how many more there are.
            more = f" (and {count - 1} more error{'s' if count > 2 else ''})" if count > 1 else ""
            return _reply(422, False, first + more, {"errors": errors})
        order_id = next(self._ids)
        self.orders[order_id] = body
        return _reply(200, True, "Order created", {"id": order_id})

    # -- validation, as Liner's Laravel rules would ---------------------------------

    def _validate(self, body: Mapping[str, Any]) -> Errors:
        errors: Errors = {}

        def fail(field: str, problem: str) -> None:
            errors.setdefault(field, []).append(problem)

        for name in ("serviceTitle", "title"):
            _required_string(body.get(name), name, fail)
        status = body.get("status")
        if status is None:
            fail("status", "The status field is required.")
        elif status not in STATUSES:
            fail("status", "The selected status is invalid.")
        self._sip_endpoints(body.get("sipEndpointIds"), fail)
        code = body.get("code")
        if code is not None:
            if not isinstance(code, str) or len(code) > MAX_STRING:
                fail("code", f"The code must be a string of at most {MAX_STRING} characters.")
            elif any(order.get("code") == code for order in self.orders.values()):
                fail("code", "The code has already been taken.")
        _schedule(body, fail)
        _holidays(body, fail)
        for name in FLAGS:
            if body.get(name) is not None and body[name] not in (True, False, 0, 1):
                fail(name, f"The {name} field must be true or false.")
        for name in TEXTS:
            if body.get(name) is not None and not isinstance(body[name], str):
                fail(name, f"The {name} must be a string.")
        for name, words in ENUMS.items():
            if body.get(name) is not None and body[name] not in words:
                fail(name, f"The selected {name} is invalid.")
        phone = body.get("callCenterPhone")
        if phone is not None and not (isinstance(phone, str) and _PHONE.fullmatch(phone)):
            fail("callCenterPhone", "The callCenterPhone format is invalid.")
        for i, extra in _items(body, "additionalCallCenterPhones", fail):
            if not (isinstance(extra, str) and _PHONE.fullmatch(extra)):
                fail(f"additionalCallCenterPhones.{i}", "The phone format is invalid.")
        for name in ("agentUserIds", "agentGroupIds"):
            for i, value in _items(body, name, fail):
                if not _is_int(value) or value < 1:
                    fail(f"{name}.{i}", f"The {name}.{i} must be a positive integer.")
        for name, least in INTEGERS.items():
            value = body.get(name)
            if value is None:
                continue
            if not _is_int(value):
                fail(name, f"The {name} must be an integer.")
            elif least is not None and value < least:
                fail(name, f"The {name} must be at least {least}.")
        custom = body.get("customValues")
        # PHP's json_encode writes an empty map as []: Liner takes either.
        if custom is not None and not isinstance(custom, dict) and custom != []:
            fail("customValues", "The customValues must be an object.")
        return errors

    def _sip_endpoints(self, ids: Any, fail: Callable[[str, str], None]) -> None:
        if ids is None:
            fail("sipEndpointIds", "The sipEndpointIds field is required.")
            return
        if not isinstance(ids, list) or not ids:
            fail("sipEndpointIds", "The sipEndpointIds must be a non-empty array.")
            return
        seen: set[int] = set()
        for i, value in enumerate(ids):
            field = f"sipEndpointIds.{i}"
            if not _is_int(value):
                fail(field, f"The {field} must be an integer.")
            elif value in seen:
                fail(field, f"The {field} field has a duplicate value.")
            elif value not in self.sip_endpoint_ids:
                fail(field, f"The selected {field} is invalid.")
            else:
                seen.add(value)


def _canned(status: int, body: Any) -> Response:
    if body is None:
        return Response(b"", status_code=status)
    if isinstance(body, str | bytes):
        return Response(body, status_code=status, media_type="text/html")
    return JSONResponse(body, status_code=status)


def _required_string(value: Any, name: str, fail: Callable[[str, str], None]) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        fail(name, f"The {name} field is required.")
    elif not isinstance(value, str):
        fail(name, f"The {name} must be a string.")
    elif len(value) > MAX_STRING:
        fail(name, f"The {name} may not be greater than {MAX_STRING} characters.")


def _items(
    body: Mapping[str, Any], name: str, fail: Callable[[str, str], None]
) -> list[tuple[int, Any]]:
    """The items of an optional array field (none if absent; refused if not an array)."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        fail(name, f"The {name} must be an array.")
        return []
    return list(enumerate(value))


def _schedule(body: Mapping[str, Any], fail: Callable[[str, str], None]) -> None:
    for i, span in _items(body, "callSchedule", fail):
        field = f"callSchedule.{i}"
        if not (isinstance(span, list) and len(span) == 2):
            fail(field, f"The {field} must be a [start, end] pair.")
            continue
        start, end = span
        # Both readings of the page: "HH:MM" strings, or seconds of the day as numbers.
        if _seconds_of_day(start) is not None and _seconds_of_day(end) is not None:
            if start >= end:
                fail(f"{field}.1", f"The {field}.1 must be a time after {field}.0.")
        elif not (isinstance(start, str) and _TIME.fullmatch(start)):
            fail(f"{field}.0", f"The {field}.0 does not match the format H:i.")
        elif not (isinstance(end, str) and (_TIME.fullmatch(end) or end == "24:00")):
            fail(f"{field}.1", f"The {field}.1 does not match the format H:i.")
        elif start >= end:  # zero-padded "HH:MM" strings order as the times do
            fail(f"{field}.1", f"The {field}.1 must be a time after {field}.0.")


def _seconds_of_day(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 86400
    return value if ok else None


def _holidays(body: Mapping[str, Any], fail: Callable[[str, str], None]) -> None:
    for i, day in _items(body, "callHolidayOverrides", fail):
        field = f"callHolidayOverrides.{i}"
        try:
            ok = isinstance(day, str) and date.fromisoformat(day).isoformat() == day
        except ValueError:
            ok = False
        # or a Unix time (the other reading of the page), of a day's UTC midnight
        ok = ok or (
            isinstance(day, int) and not isinstance(day, bool) and day >= 0 and day % 86400 == 0
        )
        if not ok:
            fail(field, f"The {field} does not match the format Y-m-d.")
