"""The incomingRules batch body from Callboard's request, every rule of the page's field
table checked first (pure: no I/O).

A request Twin24 would refuse is refused here, naming the GraphQL input field, so the
client learns it before anything is sent. Twin24's own field names in its refusals are
translated back to those input fields by `input_field`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from callboard.domain.errors import BadInput
from callboard.domain.incoming import IncomingAction, IncomingNumber, IncomingNumbersRequest

__all__ = [
    "BATCH_PATH",
    "NOTIFICATION_OPTIONS",
    "batch_body",
    "connection_secrets",
    "input_field",
    "number_raw",
    "wire_number",
]

BATCH_PATH = "cis/api/v1/telephony/incomingRules/create/batch"

# The page: "not active yet, but required"; these are the only values it allows.
NOTIFICATION_OPTIONS: Mapping[str, Any] = {
    "type": "off",
    "condition": "unanswer",
    "emailReceivers": [],
    "smsReceivers": [],
}
# The page: required with action=robot, and each "always takes" this one value.
_ROBOT_RESERVE: Mapping[str, Any] = {
    "reserveAction": "default",
    "reserveActionData": None,
    "reserveCidAsName": "original",
    "reserveCidAsNumber": "original",
}
# Connection keys the page's example always sends, as "" when there is nothing to say.
_TEXT_KEYS = (("authUser", "auth_user"), ("fromDomain", "from_domain"), ("login", "login"))

# Twin24's field (as its validator names it) -> the GraphQL input field.
_TOP_FIELDS = {
    "incomingCallsOptions.action": "action",
    "incomingCallsOptions.botId": "botId",
    "incomingCallsOptions.cidAsName": "callerIdName",
    "incomingCallsOptions.cidAsNumber": "callerIdNumber",
    "additionalOptions.callRecord": "recordCalls",
    "additionalOptions.comment": "comment",
    "numbers": "numbers",
    "names": "numbers",
    "connectionOptionsList": "numbers",
}
_PER_NUMBER = {"numbers": "number", "names": "name"}
_CONNECTION_FIELDS = {
    "providerId": "providerId",
    "did": "did",
    "numberAsDid": "numberAsDid",
    "login": "login",
    "password": "password",
    "authUser": "authUser",
    "fromDomain": "fromDomain",
    "forceOutOverChannel": "forceOutOverChannel",
}
_INDEXED = re.compile(r"(\w+)(?:\.|\[)(\d+)\]?(?:\.(\w+))?")


def wire_number(e164: str, *, field: str) -> str:
    """Twin24's number format: the international digits without "+" (71234567001)."""
    digits = e164.strip().removeprefix("+")
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise BadInput(
            f"'{e164}' is not a phone number Twin24 can take; write it with its country "
            "code, e.g. +7 912 345-67-89.",
            field=field,
        )
    return digits


def batch_body(
    request: IncomingNumbersRequest, *, default_trunk: str, own_webhook_url: str
) -> dict[str, Any]:
    """The JSON of `incomingRules/create/batch`: the numbers with one rule for all, and
    Callboard's own webhook URL after the client's, so the calls become events."""
    if not request.numbers:
        raise BadInput("Give at least one number to add.", field="numbers")
    body: dict[str, Any] = {}
    additional: dict[str, Any] = {}
    if request.record_calls is not None:
        additional["callRecord"] = "all" if request.record_calls else "off"
    if request.comment is not None and request.comment.strip():
        additional["comment"] = request.comment.strip()
    if additional:
        body["additionalOptions"] = additional
    body["incomingCallsOptions"] = _incoming_calls_options(request)
    body["notificationOptions"] = {k: _copy(v) for k, v in NOTIFICATION_OPTIONS.items()}
    client_urls = [_webhook_url(u, f"webhookUrls[{i}]") for i, u in enumerate(request.webhook_urls)]
    # The client's as given (their indexes are what Twin24's errors name), then ours.
    body["webhookUrls"] = [
        *client_urls,
        *([] if own_webhook_url in client_urls else [own_webhook_url]),
    ]
    seen: dict[str, int] = {}
    names, numbers, connections = [], [], []
    for i, number in enumerate(request.numbers):
        wire = wire_number(number.number, field=f"numbers[{i}].number")
        if wire in seen:
            raise BadInput(
                f"{number.number} is given twice (numbers[{seen[wire]}] and numbers[{i}]); "
                "give each number once.",
                field=f"numbers[{i}].number",
            )
        seen[wire] = i
        name = number.name.strip()
        if not name:
            raise BadInput(
                f"Give {number.number} a name: Twin24 shows it in its lists.",
                field=f"numbers[{i}].name",
            )
        names.append(name)
        numbers.append(wire)
        connections.append(_connection(number, i, default_trunk))
    # One entry per number in each list, in the same order: Twin24 pairs them by index.
    body["names"], body["numbers"], body["connectionOptionsList"] = names, numbers, connections
    return body


def number_raw(
    body: Mapping[str, Any], index: int, *, client_webhook_urls: Sequence[str]
) -> dict[str, Any]:
    """What was sent for one number, to keep and show: without its trunk password, and
    with only the client's webhook URLs (Callboard's carries its secret)."""
    connection = {k: v for k, v in body["connectionOptionsList"][index].items() if k != "password"}
    raw: dict[str, Any] = {
        "number": body["numbers"][index],
        "name": body["names"][index],
        "connectionOptions": connection,
        "incomingCallsOptions": dict(body["incomingCallsOptions"]),
        "webhookUrls": list(client_webhook_urls),
    }
    if "additionalOptions" in body:
        raw["additionalOptions"] = dict(body["additionalOptions"])
    return raw


def connection_secrets(request: IncomingNumbersRequest) -> tuple[str, ...]:
    """The trunk passwords the request carries: never to be quoted back."""
    return tuple(n.connection.password for n in request.numbers if n.connection.password)


def input_field(vendor_field: str, *, client_webhook_urls: int) -> str | None:
    """The GraphQL input field a Twin24 validation error names (`connectionOptionsList.1.did`
    -> `numbers[1].did`); None for a field the client does not set (Callboard's own)."""
    name = vendor_field.strip()
    if name in _TOP_FIELDS:
        return _TOP_FIELDS[name]
    match = _INDEXED.fullmatch(name)
    if match is None:
        return None
    list_name, index, sub = match.group(1), int(match.group(2)), match.group(3)
    if list_name in _PER_NUMBER and sub is None:
        return f"numbers[{index}].{_PER_NUMBER[list_name]}"
    if list_name == "connectionOptionsList":
        if sub is None:
            return f"numbers[{index}]"
        return f"numbers[{index}].{_CONNECTION_FIELDS[sub]}" if sub in _CONNECTION_FIELDS else None
    if list_name == "webhookUrls" and sub is None and index < client_webhook_urls:
        return f"webhookUrls[{index}]"
    return None


def _incoming_calls_options(request: IncomingNumbersRequest) -> dict[str, Any]:
    options: dict[str, Any] = {"action": request.action.value}
    if request.action is IncomingAction.ROBOT:
        bot = (request.bot_id or "").strip()
        if not bot:
            raise BadInput(
                "Give `botId`, the Twin24 robot that answers: action ROBOT needs one.",
                field="botId",
            )
        options["botId"] = bot
        options["cidAsName"] = request.cid_as_name.value
        options["cidAsNumber"] = request.cid_as_number.value
        options.update(_ROBOT_RESERVE)
    return options


def _connection(number: IncomingNumber, index: int, default_trunk: str) -> dict[str, Any]:
    given = number.connection
    where = f"numbers[{index}]"
    trunk = (given.trunk_id or "").strip() or default_trunk.strip()
    if not trunk:
        raise BadInput(
            f"Give {number.number} the Twin24 trunk it comes through (`providerId`); this "
            "provider has no default_provider_id to fall back on.",
            field=f"{where}.providerId",
        )
    did = (given.did or "").strip()
    if not did and not given.number_as_did:
        raise BadInput(
            f"Give {number.number} its DID, or set `numberAsDid: true` to use the number "
            "itself as the DID.",
            field=f"{where}.did",
        )
    wire: dict[str, Any] = {key: (getattr(given, attr) or "") for key, attr in _TEXT_KEYS}
    if given.force_out_over_channel is not None:
        # Optional on the page, and true reroutes all the account's outgoing calls:
        # sent only when the client chose, never defaulted.
        wire["forceOutOverChannel"] = given.force_out_over_channel
    wire["password"] = given.password or ""
    wire["providerId"] = trunk
    if did:
        wire["did"] = did
    wire["numberAsDid"] = given.number_as_did
    return wire


def _webhook_url(url: str, field: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # Not quoted back: a webhook URL often carries its receiver's secret.
        raise BadInput(
            f"`{field}` is not an http(s) URL; Twin24 posts its webhooks to web addresses.",
            field=field,
        )
    return url


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
