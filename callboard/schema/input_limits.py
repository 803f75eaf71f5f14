"""How large an input may be, checked once at the GraphQL edge for every root field: the
length of each string, the items of each list, the depth and size of each JSON value.

One table says each limit; `bounded` puts the check on every field of a root type. What
is over a limit is a `BAD_INPUT` naming the field (`phones[3]`, `numbers[1].name`): a
mutation answers its payload with that user error before its resolver runs, a query or
subscription answers the error. So nothing an input carries is ever cut short, or too
long for its database column, or too deep to encode.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from strawberry import UNSET
from strawberry.extensions import FieldExtension
from strawberry.scalars import JSON
from strawberry.schema.name_converter import NameConverter
from strawberry.types import Info
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField

from callboard.domain.errors import BadInput
from callboard.domain.json_bounds import JsonOutOfBounds, check_depth
from callboard.schema.user_error import UserError

__all__ = [
    "DEFAULT_ITEMS",
    "DEFAULT_LENGTH",
    "JSON_BYTES",
    "JSON_DEPTH",
    "MAX_ROBOCALL_PHONES",
    "InputLimits",
    "bounded",
    "check_arguments",
]

# The lengths, in characters (what a VARCHAR(n) counts).
NAME = 255  # names, titles, keys, ids: the store's String(255) columns (contacts.name, ...)
SHORT = 64  # provider ids, agents, extensions, phones as typed: the String(64) columns
TEXT = 4096  # free text for a vendor whose page gives no maximum
URL = 2048  # what browsers and servers commonly take

DEFAULT_LENGTH = NAME
DEFAULT_ITEMS = 1000

# A robocall's phones are sent to the vendor in parts (Zvonobot `max_batch`, 5000) but
# logged in one transaction and answered in one payload: this keeps a request's time and
# memory bounded. A longer campaign is several requests.
MAX_ROBOCALL_PHONES = 10_000

# A JSON input rides along in vendor webhooks (Zvonobot merges `webhookParameters` into
# its payloads) and is kept in calls' and events' `raw`: half of the nesting a vendor body
# may have (json_bounds.MAX_DEPTH) leaves room for what wraps it there.
JSON_DEPTH = 16
JSON_BYTES = 4096  # as UTF-8 JSON text; Zvonobot's page gives no maximum for these fields

# By field name, wherever the name appears (an input's field or a root field's argument).
_LENGTH_BY_NAME = {
    "idempotencyKey": NAME,  # idempotency_keys.key
    "provider": SHORT,  # calls.provider_id and the other provider_id columns
    "agent": SHORT,  # sms.agent; an extension, user or queue at the vendor
    "responsible": SHORT,  # contacts.responsible
    "modem": 32,  # sms.modem
    **dict.fromkeys(
        (
            "phone",
            "phones",
            "to",
            "first",
            "outgoingPhone",
            "managerPhone",
            "outboundNumber",
            "callCenterPhone",
            "additionalCallCenterPhones",
            "additionalPhones",
            "number",
        ),
        SHORT,  # a phone as typed: E.164 once parsed is at most 16
    ),
}

# By input type (or root field) and field name: these win over the names above.
_LENGTH = {
    "ContactInput.name": NAME,  # contacts.name
    "ConnectPartiesInput.second": NAME,  # a phone or a sound's URL: calls.to_number
    # LiraX's page gives no maximum for sendSMS `text`; 1,600 characters (about ten
    # parts of a concatenated SMS) is what SMS gateways commonly take.
    "SendSmsInput.text": 1600,
    "AgentMessageInput.text": TEXT,  # LiraX sendMsg: no maximum on the page
    "CreateTaskInput.text": TEXT,  # LiraX createTask: likewise
    "CreateNoteInput.text": TEXT,  # LiraX createNote: likewise
    # Zvonobot's page bounds `record.text` (string(1024)) and `ivrs.*.smsText`
    # (string(70)); its provider checks those with the page's other bounds, naming IVR
    # fields its own way (ivrs.0.smsText). Here only what no vendor would take.
    "RobocallMessageInput.text": TEXT,
    "CreateAudioRecordInput.text": TEXT,
    "CreateOrderInput.aiModePrompt": 4 * TEXT,  # Liner: a bot's base prompt, no maximum
    "CreateOrderInput.aiModeFirstPhrase": TEXT,
    "AddIncomingNumbersInput.comment": TEXT,  # Twin24: no maximum on the page
    "AddIncomingNumbersInput.webhookUrls": URL,
    "PbxVariableInput.value": URL,  # While1 `vars`: the page's example is a URL
    # An endpoint's subscription document: [graphql] max_document_bytes bounds it when
    # it is validated; this only keeps the text within what any document may be.
    **{f"{kind}WebhookEndpointInput.subscription": 1024 * 1024 for kind in ("Create", "Update")},
    **{f"{kind}WebhookEndpointInput.url": URL for kind in ("Create", "Update")},
    **{f"{kind}WebhookEndpointInput.description": TEXT for kind in ("Create", "Update")},
}

_ITEMS = {
    "StartRobocallInput.phones": MAX_ROBOCALL_PHONES,
    "StartRobocallInput.variables": MAX_ROBOCALL_PHONES,  # one entry per phone
    "robocalls.ids": MAX_ROBOCALL_PHONES,  # read back a whole campaign at once
    "cancelRobocalls.ids": MAX_ROBOCALL_PHONES,
    "RescheduleRobocallsInput.calls": MAX_ROBOCALL_PHONES,
}

_HINTS = {
    "StartRobocallInput.phones": " Start a longer campaign as several robocalls.",
}


def max_length(owner: str, name: str) -> int:
    """The longest string `owner.name` takes (`owner`: an input type or a root field)."""
    return _LENGTH.get(f"{owner}.{name}") or _LENGTH_BY_NAME.get(name) or DEFAULT_LENGTH


def max_items(owner: str, name: str) -> int:
    return _ITEMS.get(f"{owner}.{name}", DEFAULT_ITEMS)


class InputLimits(FieldExtension):
    """Checks a root field's arguments against the limits before its resolver runs."""

    def __init__(self) -> None:
        self._field: StrawberryField | None = None
        self._payload: Callable[..., Any] | None = None

    def apply(self, field: StrawberryField) -> None:
        self._field = field
        # A mutation's payload carries `userErrors`: the error is answered in it.
        payload: Any = field.type
        definition = getattr(payload, "__strawberry_definition__", None)
        if definition is None or not any(f.python_name == "user_errors" for f in definition.fields):
            return
        try:
            payload(user_errors=[])
        except TypeError as exc:  # schema build time: a payload this check cannot answer
            raise TypeError(
                f"{definition.name}: every field but userErrors needs a default ({exc})"
            ) from None
        self._payload = payload

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            self._check(info, kwargs)
        except BadInput as error:
            return self._refuse(error)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            self._check(info, kwargs)
        except BadInput as error:
            return self._refuse(error)
        result = next_(source, info, **kwargs)
        # A subscription's resolver gives its async generator as it is.
        return await result if inspect.isawaitable(result) else result

    def _check(self, info: Info, kwargs: dict[str, Any]) -> None:
        assert self._field is not None, "applied when the schema was built"
        _check(self._field, info, kwargs)

    def _refuse(self, error: BadInput) -> Any:
        if self._payload is None:
            raise error
        return self._payload(user_errors=[UserError.of(error)])


def bounded(root: type) -> type:
    """`root` (a Query, Mutation or Subscription type) with every field that takes
    arguments checked against the limits."""
    for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.arguments and not any(isinstance(e, InputLimits) for e in field.extensions):
            field.extensions.append(InputLimits())
    return root


def _check(field: StrawberryField, info: Info, kwargs: dict[str, Any]) -> None:
    check_arguments(field, info.schema.config.name_converter, info.field_name, kwargs)


def check_arguments(
    field: StrawberryField, names: NameConverter, owner: str, kwargs: dict[str, Any]
) -> None:
    """BadInput unless the arguments `kwargs` (by Python name) of the root field `owner`
    are within the limits."""
    # Walked without recursion: the inputs nest (IVR trees) as deep as the client sends.
    todo: list[tuple[Any, Any, str, str, str]] = []
    for argument in reversed(field.arguments):
        name = names.from_argument(argument)
        value = kwargs.get(argument.python_name)
        if name == "input" and has_object_definition(_unwrap(argument.type)):
            # A mutation's input: its fields are named as the client wrote them.
            todo.extend(_fields(value, _unwrap(argument.type), "", names))
        else:
            todo.append((value, argument.type, name, owner, name))
    while todo:
        value, type_, path, owner, name = todo.pop()
        type_ = _unwrap(type_)
        if value is None or value is UNSET:
            continue
        if isinstance(type_, StrawberryList):
            limit = max_items(owner, name)
            if len(value) > limit:
                hint = _HINTS.get(f"{owner}.{name}", "")
                raise BadInput(
                    f"`{path}` takes at most {limit} items ({len(value)} given).{hint}", field=path
                )
            todo.extend(
                (item, type_.of_type, f"{path}[{i}]", owner, name)
                for i, item in reversed(list(enumerate(value)))
            )
        elif type_ is JSON:
            _check_json(value, path)
        elif has_object_definition(type_):
            todo.extend(_fields(value, type_, f"{path}.", names))
        elif isinstance(value, str):
            limit = max_length(owner, name)
            if len(value) > limit:
                raise BadInput(
                    f"`{path}` is at most {limit} characters ({len(value)} given).", field=path
                )


def _fields(
    value: Any, type_: Any, prefix: str, names: NameConverter
) -> Iterable[tuple[Any, Any, str, str, str]]:
    if value is None or value is UNSET:
        return []
    definition = type_.__strawberry_definition__
    owner = names.from_type(definition)
    found = []
    for field in reversed(definition.fields):
        name = names.from_field(field)
        found.append((getattr(value, field.python_name), field.type, prefix + name, owner, name))
    return found


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    return type_


def _check_json(value: Any, path: str) -> None:
    try:
        check_depth(value, max_depth=JSON_DEPTH)
    except JsonOutOfBounds:
        raise BadInput(f"`{path}` nests deeper than {JSON_DEPTH} levels.", field=path) from None
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > JSON_BYTES:
        raise BadInput(
            f"`{path}` is at most {JSON_BYTES} bytes as JSON ({size} given).", field=path
        )
