"""How the Zvonobot simulator reads requests and checks their fields, reporting as Laravel does."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

__all__ = [
    "MAX_ID_LIST",
    "BadBody",
    "CallRequest",
    "Fields",
    "Invalid",
    "IvrNode",
    "NewRecord",
    "RemoveRequest",
    "TemplateCallRequest",
    "Upload",
    "check_call_ids",
    "check_confirm_phone",
    "check_create",
    "check_new_record",
    "check_record_ids",
    "check_remove",
    "check_template_call",
    "check_update",
    "is_phone",
    "pick_node",
    "read_body",
]

MAX_ID_LIST = 5000  # the page: get answers "about at most 5000 calls"
MAX_TEXT = 1024
MAX_SMS = 70
MAX_URL = 255
# The page allows "several levels" of nested ivrs; a bound keeps a hostile body from
# exhausting the stack.
MAX_IVR_DEPTH = 10

# [0-9] rather than \d: \d would let non-ASCII digits through.
_PHONE = re.compile(r"[0-9]{11}")
_INT = re.compile(r"-?[0-9]+")
_PIN = re.compile(r"[0-9]{4}")
_LANG = re.compile(r"[a-z]{2}-[A-Z]{2}")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")
_WORDS = re.compile(r"[\s|,]+")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")


class Invalid(Exception):
    """A request breaks field rules: the vendor answers 422 with every field's errors."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The first problem, which Laravel repeats as the reply's ``message``."""
        return next(iter(self.errors.values()))[0]


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes


class BadBody(Exception):
    """The body is not a JSON object (nor, where allowed, a multipart form): HTTP 400."""


async def read_body(request: Request, *, multipart: bool) -> dict[str, Any]:
    """The request's fields: its JSON object (none for a GET or an empty body), or, where
    ``multipart``, its form with files read in."""
    if request.method == "GET":
        return {}
    if multipart and request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            async with request.form() as form:
                body: dict[str, Any] = {}
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        body[key] = Upload(value.filename or "", await value.read())
                    else:
                        body[key] = value
                return body
        except HTTPException as exc:
            raise BadBody(f"Malformed multipart body: {exc.detail}") from exc
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        raise BadBody("The request body must be a JSON object")
    return parsed


def _given(data: Mapping[str, Any], key: str) -> Any:
    # Laravel turns empty strings into null before validating: both mean "not given".
    value = data.get(key)
    return None if value == "" else value


def is_phone(value: object) -> bool:
    """11 ASCII digits, as the vendor writes every number."""
    return isinstance(value, str) and _PHONE.fullmatch(value) is not None


def as_int(value: object) -> int | None:
    """An integer as Laravel's ``integer`` rule takes it: a JSON integer or its digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT.fullmatch(value):
        return int(value)
    return None


def as_flag(value: object) -> int | None:
    """0 or 1 as Laravel's ``boolean`` rule takes them (also true/false and "0"/"1")."""
    if isinstance(value, bool):
        return int(value)
    if value in (0, 1, "0", "1"):
        return int(str(value))
    return None


class Fields:
    """The problems found in one request, in the order found.

    Each reader returns the field's value, or None when it is absent or wrong (having noted
    the problem); ``done`` raises ``Invalid`` if anything was noted.
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def required(self, path: str) -> None:
        self.fail(path, f"Поле {path} обязательно для заполнения.")

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        at: str = "",
        *,
        low: int | None = None,
        high: int | None = None,
        required: bool = False,
    ) -> int | None:
        path, value = at + key, _given(data, key)
        if value is None:
            if required:
                self.required(path)
            return None
        return self.integer_value(path, value, low=low, high=high)

    def integer_value(
        self, path: str, value: object, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        number = as_int(value)
        if number is None:
            self.fail(path, f"Поле {path} должно быть целым числом.")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            if high is None:
                self.fail(path, f"Поле {path} должно быть не меньше {low}.")
            else:
                self.fail(path, f"Поле {path} должно быть между {low} и {high}.")
            return None
        return number

    def unix_time(self, data: Mapping[str, Any], key: str, at: str = "") -> int | None:
        path, value = at + key, _given(data, key)
        number = None if value is None else as_int(value)
        if value is not None and (number is None or number < 0):
            self.fail(path, f"Поле {path} не соответствует формату U.")
            return None
        return number

    def flag(self, data: Mapping[str, Any], key: str, at: str = "") -> int | None:
        path, value = at + key, _given(data, key)
        if value is None:
            return None
        flag = as_flag(value)
        if flag is None:
            self.fail(path, f"Поле {path} должно иметь значение 0 или 1.")
        return flag

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        at: str = "",
        *,
        max_len: int | None = None,
        required: bool = False,
    ) -> str | None:
        path, value = at + key, _given(data, key)
        if value is None:
            if required:
                self.required(path)
            return None
        if not isinstance(value, str):
            self.fail(path, f"Поле {path} должно быть строкой.")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(path, f"Количество символов в поле {path} не может превышать {max_len}.")
            return None
        return value

    def one_of(
        self, data: Mapping[str, Any], key: str, choices: Collection[str], at: str = ""
    ) -> str | None:
        path, value = at + key, _given(data, key)
        if value is not None and value not in choices:
            self.fail(path, f"Выбранное значение для {path} ошибочно.")
            return None
        return value if isinstance(value, str) else None

    def phone(
        self, data: Mapping[str, Any], key: str, at: str = "", *, required: bool = False
    ) -> str | None:
        value = self.text(data, key, at, required=required)
        return None if value is None else self.phone_value(at + key, value)

    def phone_value(self, path: str, value: object) -> str | None:
        if is_phone(value):
            return str(value)
        self.fail(path, f"Поле {path} должно быть строкой из 11 цифр.")
        return None

    def clock(self, data: Mapping[str, Any], key: str) -> None:
        value = self.text(data, key)
        if value is not None and not _CLOCK.fullmatch(value):
            self.fail(key, f"Поле {key} не соответствует формату H:i.")

    def json_object(self, data: Mapping[str, Any], key: str, at: str = "") -> dict[str, Any]:
        """A JSON string holding an object, parsed; ``{}`` when absent or wrong."""
        path, value = at + key, self.text(data, key, at)
        if value is None:
            return {}
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict):
            self.fail(path, f"Поле {path} должно быть JSON-строкой с объектом.")
            return {}
        return parsed

    def headers(self, data: Mapping[str, Any], key: str, at: str = "") -> dict[str, str]:
        """webhookHeaders: a JSON object of header names to values sent as they read."""
        headers: dict[str, str] = {}
        for name, value in self.json_object(data, key, at).items():
            text = value if isinstance(value, str) else json.dumps(value)
            # A name or value HTTP cannot carry would only fail each webhook later, unseen.
            if not _HEADER_NAME.fullmatch(name) or not _HEADER_VALUE.fullmatch(text):
                self.fail(at + key, f"Поле {at + key} содержит недопустимый заголовок.")
                return {}
            headers[name] = text
        return headers

    def array(
        self, data: Mapping[str, Any], key: str, at: str = "", *, required: bool = False
    ) -> list[Any] | None:
        path, value = at + key, _given(data, key)
        if value is None or value == []:
            if required:
                self.required(path)
            return None
        if not isinstance(value, list):
            self.fail(path, f"Поле {path} должно быть массивом.")
            return None
        return value

    def int_list(
        self,
        data: Mapping[str, Any],
        key: str,
        at: str = "",
        *,
        limit: int | None = None,
        low: int | None = None,
        high: int | None = None,
        required: bool = True,
    ) -> list[int]:
        items = self.array(data, key, at, required=required)
        if items is None:
            return []
        if limit is not None and len(items) > limit:
            self.fail(at + key, f"Поле {at + key} должно содержать не более {limit} элементов.")
            return []
        found = [
            self.integer_value(f"{at}{key}.{i}", item, low=low, high=high)
            for i, item in enumerate(items)
        ]
        return [n for n in found if n is not None]

    def phones(self, data: Mapping[str, Any], *, max_phones: int) -> tuple[list[str], bool]:
        """``phone`` or ``phones``: the numbers, and whether the request gave ``phone``."""
        one, many = _given(data, "phone"), _given(data, "phones")
        if one is None and many is None:
            self.fail("phone", "Поле phone обязательно для заполнения, когда phones не указано.")
            return [], True
        if one is not None and many is not None:
            # Which one the vendor would use is not documented; refusing keeps a client
            # from relying on either.
            self.fail("phone", "Поле phone нельзя указывать вместе с phones.")
            return [], True
        if one is not None:
            phone = self.phone(data, "phone")
            return ([phone] if phone else []), True
        if not isinstance(many, list) or not many:
            self.fail("phones", "Поле phones должно быть непустым массивом.")
            return [], False
        if len(many) > max_phones:
            self.fail("phones", f"Поле phones должно содержать не более {max_phones} номеров.")
            return [], False
        numbers = [self.phone_value(f"phones.{i}", p) for i, p in enumerate(many)]
        return [n for n in numbers if n is not None], False


# -- apiCalls/create ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    """A message's audio: an uploaded record's id, or a text to generate speech from."""

    id: int | None
    text: str | None
    gender: int = 0


@dataclass(frozen=True)
class IvrNode:
    """One handler of an IVR answer, checked."""

    digit: int | None
    key_words: tuple[str, ...]  # casefolded
    need_block: bool
    record: RecordRef | None
    manager_phone: str | None
    webhook_url: str | None
    webhook_parameters: dict[str, Any]
    webhook_headers: dict[str, str]
    any_word: bool
    children: tuple[IvrNode, ...]

    def hears(self, answer: int | str) -> bool:
        """Whether this node handles ``answer`` by its digit or its key words."""
        if isinstance(answer, int):
            return self.digit == answer
        said = set(_words(answer))
        return bool(said) and not said.isdisjoint(self.key_words)


def _words(text: str) -> tuple[str, ...]:
    # The page's examples separate key words by "|", by ", " and (its table says) by " ".
    return tuple(w for w in _WORDS.split(text.casefold()) if w)


def pick_node(nodes: tuple[IvrNode, ...], answer: int | str) -> tuple[int, IvrNode] | None:
    """The top-level node an answer goes to: the first that hears it, else an anyWord one."""
    heard = [i for i, node in enumerate(nodes) if node.hears(answer)]
    heard = heard or [i for i, node in enumerate(nodes) if node.any_word]
    return (heard[0], nodes[heard[0]]) if heard else None


@dataclass(frozen=True)
class CallRequest:
    """An apiCalls/create request, checked."""

    phones: list[str]
    single: bool  # given as ``phone``: the reply is one object, not a list
    outgoing_phone: str | None  # None: dutyPhone, the vendor picks one
    record: RecordRef
    ivrs: tuple[IvrNode, ...]
    planned_at: int | None
    smart_delay: int | None
    need_recording: int
    webhook_url: str | None
    webhook_parameters: str | None  # as sent; get shows it so
    webhook_fields: dict[str, Any]
    webhook_headers: dict[str, str]

    def generated_texts(self) -> int:
        """How many texts this request turns into speech (each one is paid for)."""
        return _texts(self.record) + sum(_node_texts(n) for n in self.ivrs)

    def record_ids(self) -> list[int]:
        """Every uploaded record the request refers to, messages and IVR nodes alike."""
        return [r.id for r in self._records() if r.id is not None]

    def _records(self) -> list[RecordRef]:
        found, stack = [self.record], list(self.ivrs)
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.record is not None:
                found.append(node.record)
        return found


def _texts(record: RecordRef | None) -> int:
    return int(record is not None and record.text is not None)


def _node_texts(node: IvrNode) -> int:
    return _texts(node.record) + sum(_node_texts(c) for c in node.children)


_FLAGS = ("isManagerDeliveryPhone", "endOfSpeech", "voiceDetection", "plannedAtTimeZone")


def check_create(
    body: Mapping[str, Any], *, max_phones: int, lang_codes: Collection[str]
) -> CallRequest:
    """Check an apiCalls/create body; raises ``Invalid`` listing every problem."""
    f = Fields()
    phones, single = f.phones(body, max_phones=max_phones)
    duty = f.flag(body, "dutyPhone") == 1
    outgoing = f.phone(body, "outgoingPhone", required=not duty)
    record = _record(f, body, "record", "", required=True)
    ivrs = _ivrs(f, body, "")
    planned_at = f.unix_time(body, "plannedAt")
    smart_delay = f.integer(body, "smartDelay", low=15, high=90)
    need_recording = f.flag(body, "needRecording") or 0
    webhook_url = f.text(body, "webhookUrl", max_len=MAX_URL)
    fields = f.json_object(body, "webhookParameters")
    parameters: str | None = _given(body, "webhookParameters")  # a string once checked
    headers = f.headers(body, "webhookHeaders")
    for name in _FLAGS:
        f.flag(body, name)
    exclude_weekends = f.flag(body, "excludeWeekends")
    lang = f.text(body, "lang")
    if lang is not None and not _LANG.fullmatch(lang):
        f.fail("lang", "Поле lang имеет ошибочный формат.")
    elif lang is not None and lang not in lang_codes:
        f.fail("lang", "Выбранное значение для lang ошибочно.")
    f.clock(body, "startTime")
    f.clock(body, "endTime")
    weekdays = f.int_list(body, "weekdays", low=1, high=7, required=False)
    if weekdays and exclude_weekends == 1:
        f.fail("weekdays", "Использовать вместе параметры weekdays и excludeWeekends нельзя")
    f.integer(body, "answerTimeout", low=15, high=60)
    f.done()
    assert record is not None  # required: f.done() raised otherwise
    return CallRequest(
        phones=phones,
        single=single,
        outgoing_phone=None if duty else outgoing,
        record=record,
        ivrs=ivrs,
        planned_at=planned_at,
        smart_delay=smart_delay,
        need_recording=need_recording,
        webhook_url=webhook_url,
        webhook_parameters=parameters,
        webhook_fields=fields,
        webhook_headers=headers,
    )


def _record(
    f: Fields, data: Mapping[str, Any], key: str, at: str, *, required: bool
) -> RecordRef | None:
    path, value = at + key, _given(data, key)
    if value is None:
        if required:
            f.required(path)
        return None
    if not isinstance(value, dict):
        f.fail(path, f"Поле {path} должно быть объектом.")
        return None
    inner = f"{path}."
    record_id = f.integer(value, "id", inner)
    text = f.text(value, "text", inner, max_len=MAX_TEXT)
    gender = f.flag(value, "gender", inner) or 0
    f.one_of(value, "source", ("text", "file"), inner)
    has_id, has_text = _given(value, "id") is not None, _given(value, "text") is not None
    if not has_id and not has_text:
        f.fail(
            f"{inner}id",
            f"Поле {inner}id обязательно для заполнения, когда {inner}text не указано.",
        )
    elif has_id and has_text:
        f.fail(f"{inner}text", f"Поле {inner}text нельзя указывать вместе с {inner}id.")
    return RecordRef(record_id, text, gender)


def _ivrs(f: Fields, data: Mapping[str, Any], at: str, depth: int = 1) -> tuple[IvrNode, ...]:
    nodes = f.array(data, "ivrs", at)
    if nodes is None:
        return ()
    if depth > MAX_IVR_DEPTH:
        f.fail(f"{at}ivrs", f"Вложенность ivrs не может превышать {MAX_IVR_DEPTH}.")
        return ()
    checked = []
    for i, node in enumerate(nodes):
        path = f"{at}ivrs.{i}"
        if not isinstance(node, dict):
            f.fail(path, f"Поле {path} должно быть объектом.")
            continue
        checked.append(_ivr_node(f, node, f"{path}.", depth))
    return tuple(checked)


def _ivr_node(f: Fields, node: Mapping[str, Any], at: str, depth: int) -> IvrNode:
    digit = f.integer(node, "digit", at, low=0, high=9)
    key_words = f.text(node, "keyWords", at)
    any_word = f.flag(node, "anyWord", at) == 1
    if any_word and (_given(node, "digit") is not None or key_words):
        f.fail(
            f"{at}anyWord", f"Поле {at}anyWord можно указывать, только если digit и keyWords пусты."
        )
    if _given(node, "recognitionTimeout") is not None:
        f.integer(node, "recognitionTimeout", at, low=1, high=15)
        if not any_word:
            f.fail(
                f"{at}recognitionTimeout",
                f"Поле {at}recognitionTimeout можно указывать, только если anyWord равно 1.",
            )
    f.flag(node, "recognize", at)
    f.text(node, "smsText", at, max_len=MAX_SMS)
    f.integer(node, "smsTemplateId", at)
    f.text(node, "smsChannel", at)
    f.integer(node, "emailTimeout", at, low=0)
    return IvrNode(
        digit=digit,
        key_words=_words(key_words or ""),
        need_block=f.flag(node, "needBlock", at) == 1,
        record=_record(f, node, "record", at, required=False),
        manager_phone=f.phone(node, "managerPhone", at),
        webhook_url=f.text(node, "webhookUrl", at, max_len=MAX_URL),
        webhook_parameters=f.json_object(node, "webhookParameters", at),
        webhook_headers=f.headers(node, "webhookHeaders", at),
        any_word=any_word,
        children=_ivrs(f, node, at, depth + 1),
    )


# -- apiCalls/createWithTemplate ---------------------------------------------------------


@dataclass(frozen=True)
class TemplateCallRequest:
    """An apiCalls/createWithTemplate request, checked; ``variables`` maps each phone to
    its placeholder names (without braces) and their values."""

    phones: list[str]
    template_id: int
    planned_at: int | None
    variables: dict[str, dict[str, str]]


def check_template_call(body: Mapping[str, Any], *, max_phones: int) -> TemplateCallRequest:
    f = Fields()
    phones, _ = f.phones(body, max_phones=max_phones)
    template_id = f.integer(body, "templateId", required=True)
    planned_at = f.unix_time(body, "plannedAt")
    variables = _variables(f, _given(body, "variables"))
    f.done()
    assert template_id is not None  # required: f.done() raised otherwise
    return TemplateCallRequest(phones, template_id, planned_at, variables)


def _variables(f: Fields, given: object) -> dict[str, dict[str, str]]:
    # The page's quirk: each phone's object maps a *value* to the "{placeholder}" it fills.
    # A PHP client's empty array() arrives as [], so [] means "none" at both levels.
    if given is None or given == []:
        return {}
    if not isinstance(given, dict):
        f.fail("variables", "Поле variables должно быть объектом.")
        return {}
    variables: dict[str, dict[str, str]] = {}
    for phone, mapping in given.items():
        path = f"variables.{phone}"
        if mapping == []:
            continue
        if not isinstance(mapping, dict):
            f.fail(path, f"Поле {path} должно быть объектом.")
            continue
        names = variables.setdefault(phone, {})
        for value, placeholder in mapping.items():
            if not isinstance(placeholder, str) or not _PLACEHOLDER.fullmatch(placeholder):
                f.fail(f"{path}.{value}", f"Поле {path}.{value} должно иметь вид {{имя}}.")
                continue
            names[placeholder[1:-1]] = value
    return variables


# -- the other endpoints -----------------------------------------------------------------


def check_call_ids(body: Mapping[str, Any]) -> list[int]:
    """apiCallIdList of get and getWithTemplates."""
    f = Fields()
    ids = f.int_list(body, "apiCallIdList", limit=MAX_ID_LIST)
    f.done()
    return ids


def check_update(body: Mapping[str, Any]) -> list[tuple[int, int]]:
    """update's callList as (id, replannedAt) pairs."""
    f = Fields()
    moves = []
    for i, entry in enumerate(f.array(body, "callList", required=True) or []):
        at = f"callList.{i}."
        if not isinstance(entry, dict):
            f.fail(at[:-1], f"Поле {at[:-1]} должно быть объектом.")
            continue
        call_id = f.integer(entry, "id", at, required=True)
        planned = f.unix_time(entry, "replannedAt", at)
        if _given(entry, "replannedAt") is None:
            f.required(f"{at}replannedAt")
        if call_id is not None and planned is not None:
            moves.append((call_id, planned))
    f.done()
    return moves


@dataclass(frozen=True)
class RemoveRequest:
    """remove's ids; ``single`` when given as ``id`` (the reply is then ``[]``)."""

    ids: list[int]
    single: bool
    is_template: bool


def check_remove(body: Mapping[str, Any]) -> RemoveRequest:
    f = Fields()
    single = _given(body, "id") is not None
    if single and _given(body, "idList") is not None:
        f.fail("id", "Поле id нельзя указывать вместе с idList.")
    if single:
        one = f.integer(body, "id")
        ids = [] if one is None else [one]
    else:
        ids = f.int_list(body, "idList")
    is_template = f.flag(body, "isTemplate") == 1
    f.done()
    return RemoveRequest(ids, single, is_template)


def check_record_ids(body: Mapping[str, Any]) -> list[int]:
    """removeRecord's idList."""
    f = Fields()
    ids = f.int_list(body, "idList")
    f.done()
    return ids


@dataclass(frozen=True)
class NewRecord:
    """A createRecord request, checked: ``text`` for source text, ``file`` for file."""

    name: str
    source: str
    text: str | None
    file: Upload | None


def check_new_record(body: Mapping[str, Any]) -> NewRecord:
    f = Fields()
    name = f.text(body, "name", required=True)
    source = f.one_of(body, "source", ("text", "file"))
    if _given(body, "source") is None:
        f.required("source")
    text = f.text(body, "text", max_len=MAX_TEXT, required=source == "text")
    upload = body.get("file")
    if source == "file" and not (isinstance(upload, Upload) and upload.content):
        f.fail("file", "Поле file обязательно для заполнения, когда source равно file.")
    f.done()
    # Both are required: f.done() raised otherwise.
    assert name is not None
    assert source is not None
    if source == "text":
        return NewRecord(name, source, text, None)
    assert isinstance(upload, Upload)
    return NewRecord(name, source, None, upload)


def check_confirm_phone(body: Mapping[str, Any]) -> tuple[str, str]:
    """confirmPhone's phone and 4-digit pin."""
    f = Fields()
    phone = f.phone(body, "phone", required=True)
    pin = f.text(body, "pin", required=True)
    if pin is not None and not _PIN.fullmatch(pin):
        f.fail("pin", "Поле pin должно состоять из 4 цифр.")
    f.done()
    # Both are required: f.done() raised otherwise.
    assert phone is not None
    assert pin is not None
    return phone, pin
