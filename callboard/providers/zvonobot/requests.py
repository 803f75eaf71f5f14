"""Zvonobot request bodies from Callboard's requests, every bound on the page checked first.

Pure: no I/O. A request Zvonobot would refuse is refused here with a message that names
the field and the rule, so the client learns it before anything is sent (and paid for).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from callboard.domain.errors import BadInput
from callboard.domain.robocalls import IvrNode, RobocallMessage, RobocallRequest, Voice

__all__ = [
    "RESERVED_PARAMETERS",
    "check_pin",
    "create_body",
    "phone11",
    "template_body",
    "unix",
]

# The page's bounds.
MAX_TTS_TEXT = 1024
MAX_SMS_TEXT = 70
MAX_WEBHOOK_URL = 255
SMART_DELAY = (15, 90)
ANSWER_TIMEOUT = (15, 60)
RECOGNITION_TIMEOUT = (1, 15)

# Callboard's own webhook parameters: they name the request and the IVR node an answer
# came from, since Zvonobot's IVR webhook carries only the phone and the answer.
REF_PARAMETER = "callboard_ref"
NODE_PARAMETER = "callboard_node"
RESERVED_PARAMETERS = frozenset({REF_PARAMETER, NODE_PARAMETER})

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_LANG = re.compile(r"[a-z]{2}-[A-Z]{2}")
_PIN = re.compile(r"[0-9]{4}")
_PLACEHOLDER = re.compile(r"\{?([^{}\s]+)\}?")


def phone11(e164: str, *, field: str) -> str:
    """Zvonobot's number format: the 11 digits of E.164 without `+` (7XXXXXXXXXX)."""
    digits = e164.lstrip("+")
    if len(digits) != 11 or not digits.isdigit():
        raise BadInput(
            f"Zvonobot dials 11-digit numbers (7XXXXXXXXXX); {e164} has {len(digits)} digits.",
            field=field,
        )
    return digits


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def check_pin(pin: str) -> str:
    pin = pin.strip()
    if not _PIN.fullmatch(pin):
        raise BadInput(
            "`pin` is the last 4 digits of the number the verification call comes from: "
            "exactly 4 digits.",
            field="pin",
        )
    return pin


def create_body(
    request: RobocallRequest,
    phones: Sequence[str],
    *,
    webhook_url: str,
    ref: str,
    key_word_separator: str = " ",
) -> dict[str, Any]:
    """The JSON of `apiCalls/create` for `phones` (one part of the request's phones)."""
    message = request.message
    if message.template_id is not None:
        raise BadInput("A template call goes through createWithTemplate.", field="message")
    body: dict[str, Any] = {"phones": [phone11(p, field="phones") for p in phones]}
    if request.outgoing_phone:
        body["outgoingPhone"] = phone11(request.outgoing_phone, field="outgoingPhone")
    elif request.duty_phone:
        body["dutyPhone"] = 1
    else:
        raise BadInput(
            "Give `outgoingPhone` (a number confirmed in Zvonobot) or `dutyPhone: true` "
            "to let Zvonobot pick one of its duty numbers.",
            field="outgoingPhone",
        )
    if request.outgoing_phone and request.duty_phone:
        raise BadInput("Give `outgoingPhone` or `dutyPhone`, not both.", field="dutyPhone")
    body["record"] = _record(message, field="message", top=True)
    if request.ivrs:
        body["ivrs"] = [
            _ivr(node, f"ivrs.{i}", webhook_url, ref, key_word_separator)
            for i, node in enumerate(request.ivrs)
        ]
    body.update(_schedule(request))
    body.update(_options(request))
    body["webhookUrl"] = _webhook_url(webhook_url)
    body["webhookParameters"] = _parameters(
        request.webhook_parameters, {REF_PARAMETER: ref}, field="webhookParameters"
    )
    if request.webhook_headers:
        body["webhookHeaders"] = _headers(request.webhook_headers, field="webhookHeaders")
    return body


def template_body(request: RobocallRequest, phones: Sequence[str]) -> dict[str, Any]:
    """The JSON of `apiCalls/createWithTemplate`: the template brings the message and the
    options, so only the phones, their variables and the planned time may be given."""
    template_id = request.message.template_id
    assert template_id is not None
    extras = _given_options(request)
    if extras:
        raise BadInput(
            f"A template brings its own message and options; leave out {', '.join(extras)} "
            "or start the robocall without the template.",
            field=extras[0],
        )
    wire = [phone11(p, field="phones") for p in phones]
    body: dict[str, Any] = {"phones": wire, "templateId": template_id}
    if request.planned_at is not None:
        body["plannedAt"] = unix(request.planned_at)
    variables = {
        phone11(p, field="variables"): _template_variables(p, request.variables[p])
        for p in phones
        if request.variables.get(p)
    }
    if variables:
        body["variables"] = variables
    return body


# What a template call may carry besides its template: the rest comes from the template.
_TEMPLATE_FIELDS = frozenset({"phones", "message", "variables", "planned_at"})
_BARE = RobocallRequest(phones=(), message=RobocallMessage())


def _given_options(request: RobocallRequest) -> list[str]:
    """The input fields (GraphQL names) set on `request` that a template call cannot take."""
    given = [
        _camel(f.name)
        for f in dataclasses.fields(request)
        if f.name not in _TEMPLATE_FIELDS and getattr(request, f.name) != getattr(_BARE, f.name)
    ]
    message = request.message
    given += [
        f"message.{_camel(name)}"
        for name in ("record_id", "text", "voice")
        if getattr(message, name) is not None
    ]
    return given


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _template_variables(phone: str, values: Mapping[str, str]) -> dict[str, str]:
    # The page's quirk: per phone, the *value* is the key and "{placeholder}" the value
    # ({"Elena": "{name}"}). Two placeholders with one value would collide.
    wire: dict[str, str] = {}
    for name, value in values.items():
        match = _PLACEHOLDER.fullmatch(name.strip())
        if match is None:
            raise BadInput(
                f"'{name}' is not a template placeholder; write it as name or {{name}}.",
                field="variables",
            )
        if value in wire:
            raise BadInput(
                f"Zvonobot keys a phone's variables by their value, so {phone} cannot give "
                f"'{value}' to both {wire[value]} and {{{match.group(1)}}}.",
                field="variables",
            )
        wire[value] = f"{{{match.group(1)}}}"
    return wire


def _record(message: RobocallMessage, *, field: str, top: bool) -> dict[str, Any]:
    has_id, has_text = message.record_id is not None, message.text is not None
    if has_id == has_text:
        raise BadInput(
            "Give the message as `recordId` (an uploaded audio record) or `text` "
            "(read by a synthetic voice), one of the two.",
            field=field,
        )
    if has_id:
        if message.voice is not None:
            raise BadInput("`voice` is for `text`; a record plays as recorded.", field=field)
        return {"id": message.record_id}
    text = (message.text or "").strip()
    if not text:
        raise BadInput("`text` cannot be empty.", field=f"{field}.text")
    if len(text) > MAX_TTS_TEXT:
        raise BadInput(
            f"Text for the synthetic voice is at most {MAX_TTS_TEXT} characters "
            f"({len(text)} given).",
            field=f"{field}.text",
        )
    if top:
        return {"text": text, "gender": 1 if message.voice is Voice.MALE else 0}
    if message.voice is not None:
        raise BadInput(
            "Zvonobot takes the voice for the main message only; IVR texts use the same one.",
            field=f"{field}.voice",
        )
    return {"text": text, "source": "text"}


def _ivr(node: IvrNode, where: str, webhook_url: str, ref: str, separator: str) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    if node.digit is not None:
        if not 0 <= node.digit <= 9:
            raise BadInput("An IVR digit is 0-9.", field=f"{where}.digit")
        wire["digit"] = node.digit
    if node.key_words:
        words = [w.strip() for w in node.key_words]
        for word in words:
            if not word or (separator in word):
                raise BadInput(
                    f"Key word '{word}' cannot be used: Zvonobot separates key words with "
                    f"'{separator}', so a key word must be non-empty and not contain it.",
                    field=f"{where}.keyWords",
                )
        wire["keyWords"] = separator.join(words)
    if node.any_word is not None:
        if node.any_word and (node.digit is not None or node.key_words):
            raise BadInput(
                "`anyWord` is for a branch without a digit and without key words.",
                field=f"{where}.anyWord",
            )
        wire["anyWord"] = int(node.any_word)
    if node.recognition_timeout is not None:
        if not node.any_word:
            raise BadInput(
                "`recognitionTimeout` applies with `anyWord: true`.",
                field=f"{where}.recognitionTimeout",
            )
        _bound(node.recognition_timeout, RECOGNITION_TIMEOUT, f"{where}.recognitionTimeout", "s")
        wire["recognitionTimeout"] = node.recognition_timeout
    for key, value in (
        ("recognize", node.recognize),
        ("needBlock", node.block),
    ):
        if value is not None:
            wire[key] = int(value)
    if node.message is not None:
        wire["record"] = _record(node.message, field=f"{where}.message", top=False)
    if node.manager_phone is not None:
        wire["managerPhone"] = phone11(node.manager_phone, field=f"{where}.managerPhone")
    if node.sms_text is not None:
        if len(node.sms_text) > MAX_SMS_TEXT:
            raise BadInput(
                f"An IVR SMS is at most {MAX_SMS_TEXT} characters ({len(node.sms_text)} given).",
                field=f"{where}.smsText",
            )
        wire["smsText"] = node.sms_text
    if node.sms_template_id is not None:
        wire["smsTemplateId"] = node.sms_template_id
    if node.sms_channel is not None:
        wire["smsChannel"] = node.sms_channel
    if node.email_timeout is not None:
        if node.email_timeout < 0:
            raise BadInput("`emailTimeout` is minutes, 0 or more.", field=f"{where}.emailTimeout")
        wire["emailTimeout"] = node.email_timeout
    if node.notify or node.webhook_parameters or node.webhook_headers:
        # The answer goes to Callboard (IVR_INPUT events); the client's parameters ride along.
        wire["webhookUrl"] = _webhook_url(webhook_url)
        wire["webhookParameters"] = _parameters(
            node.webhook_parameters,
            {REF_PARAMETER: ref, NODE_PARAMETER: where.removeprefix("ivrs.")},
            field=f"{where}.webhookParameters",
        )
        if node.webhook_headers:
            wire["webhookHeaders"] = _headers(node.webhook_headers, field=f"{where}.webhookHeaders")
    if node.children:
        wire["ivrs"] = [
            _ivr(child, f"{where}.ivrs.{i}", webhook_url, ref, separator)
            for i, child in enumerate(node.children)
        ]
    return wire


def _schedule(request: RobocallRequest) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    if request.planned_at is not None:
        wire["plannedAt"] = unix(request.planned_at)
    if (request.start_time is None) != (request.end_time is None):
        raise BadInput(
            "The calling window needs both `startTime` and `endTime`.",
            field="startTime" if request.start_time is None else "endTime",
        )
    for key, value in (("startTime", request.start_time), ("endTime", request.end_time)):
        if value is not None:
            if not _TIME.fullmatch(value.strip()):
                raise BadInput(f"`{key}` is a time of day as HH:MM, e.g. 09:30.", field=key)
            wire[key] = value.strip()
    if request.weekdays and request.exclude_weekends:
        raise BadInput(
            "Give `weekdays` or `excludeWeekends`, not both: Zvonobot takes one of the two.",
            field="excludeWeekends",
        )
    if (request.weekdays or request.exclude_weekends) and request.start_time is None:
        raise BadInput(
            "`weekdays` and `excludeWeekends` take effect only with a calling window: "
            "give `startTime` and `endTime` too.",
            field="weekdays" if request.weekdays else "excludeWeekends",
        )
    if request.weekdays:
        wire["weekdays"] = sorted({d.value for d in request.weekdays})
    elif request.exclude_weekends is not None:
        # The page: never both keys, even with excludeWeekends 0.
        wire["excludeWeekends"] = int(request.exclude_weekends)
    if request.subscriber_time_zone is not None:
        wire["plannedAtTimeZone"] = int(request.subscriber_time_zone)
    if request.smart_delay is not None:
        _bound(request.smart_delay, SMART_DELAY, "smartDelay", "minutes")
        wire["smartDelay"] = request.smart_delay
    return wire


def _options(request: RobocallRequest) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    if request.answer_timeout is not None:
        _bound(request.answer_timeout, ANSWER_TIMEOUT, "answerTimeout", "s")
        wire["answerTimeout"] = request.answer_timeout
    if request.language is not None:
        if not _LANG.fullmatch(request.language.strip()):
            raise BadInput(
                "`language` is a code like ru-RU (see the `languages` query).", field="language"
            )
        wire["lang"] = request.language.strip()
    for key, value in (
        ("needRecording", request.record),
        ("voiceDetection", request.voice_detection),
        ("endOfSpeech", request.end_of_speech),
        ("isManagerDeliveryPhone", request.manager_delivery_phone),
    ):
        if value is not None:
            wire[key] = int(value)
    return wire


def _bound(value: int, bounds: tuple[int, int], field: str, unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise BadInput(f"`{field}` is {low}-{high} {unit} ({value} given).", field=field)


def _webhook_url(url: str) -> str:
    if len(url) > MAX_WEBHOOK_URL:
        # An operator's public_url too long for Zvonobot's field: not the client's fault.
        raise BadInput(
            f"Callboard's webhook URL is longer than Zvonobot's {MAX_WEBHOOK_URL} characters; "
            "shorten [server] public_url.",
            field="provider",
        )
    return url


def _parameters(given: Mapping[str, Any], ours: Mapping[str, str], *, field: str) -> str:
    clash = sorted(RESERVED_PARAMETERS & set(given))
    if clash:
        raise BadInput(
            f"{', '.join(clash)} is Callboard's own parameter; rename yours.", field=field
        )
    return json.dumps({**given, **ours}, ensure_ascii=False)


def _headers(given: Mapping[str, str], *, field: str) -> str:
    for name, value in given.items():
        if not isinstance(value, str):
            raise BadInput(f"Header {name} must be a string.", field=field)
    return json.dumps(dict(given), ensure_ascii=False)
