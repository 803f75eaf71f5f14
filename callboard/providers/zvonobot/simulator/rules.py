"""How the fake Zvonobot checks each endpoint's body (its fields read by `fields.Fields`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from callboard.providers.zvonobot.simulator.fields import Fields, Upload, given

__all__ = [
    "CallRequest",
    "IvrNode",
    "NewRecord",
    "RemoveRequest",
    "TemplateCallRequest",
    "check_call_ids",
    "check_confirm_phone",
    "check_create",
    "check_new_record",
    "check_record_ids",
    "check_remove",
    "check_template_call",
    "check_update",
    "pick_node",
]

MAX_ID_LIST = 5000  # the page: get answers "about at most 5000 calls"
MAX_TEXT = 1024
MAX_SMS = 70
MAX_URL = 255
# The page allows "several levels" of nested ivrs; a bound keeps a hostile body from
# exhausting the stack.
MAX_IVR_DEPTH = 10

_PIN = re.compile(r"[0-9]{4}")
_LANG = re.compile(r"[a-z]{2}-[A-Z]{2}")
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")
_WORDS = re.compile(r"[\s|,]+")


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
    parameters: str | None = given(body, "webhookParameters")  # a string once checked
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
    path, value = at + key, given(data, key)
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
    has_id, has_text = given(value, "id") is not None, given(value, "text") is not None
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
    if any_word and (given(node, "digit") is not None or key_words):
        f.fail(
            f"{at}anyWord", f"Поле {at}anyWord можно указывать, только если digit и keyWords пусты."
        )
    if given(node, "recognitionTimeout") is not None:
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
    variables = _variables(f, given(body, "variables"))
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
        if given(entry, "replannedAt") is None:
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
    single = given(body, "id") is not None
    if single and given(body, "idList") is not None:
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
    if given(body, "source") is None:
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
