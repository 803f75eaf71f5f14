"""Zvonobot request bodies, checked against the vendor's page (shared/vendor-docs/
zvonobot-apicalls.txt): the page's own examples produce the JSON it shows, and every bound
it documents is refused before anything is sent, with BadInput naming the client's field.

Numbers are the page's: 99999999999 is its callee and caller, 99999999998 its manager.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from callboard.domain.errors import BadInput
from callboard.domain.robocalls import (
    IvrNode,
    RobocallMessage,
    RobocallRequest,
    Voice,
    Weekday,
)
from callboard.providers.zvonobot.requests import (
    RESERVED_PARAMETERS,
    check_pin,
    create_body,
    phone11,
    template_body,
    unix,
)

HOOK = "http://cb/webhooks/zb?key=0123456789abcdef0123456789abcdef"
REF = "a1b2c3d4e5f60718"
CALLEE = "+99999999999"
CALLER = "+99999999997"
MANAGER = "+99999999998"
PLANNED = datetime(2024, 6, 3, 13, 39, 11, tzinfo=UTC)
PLANNED_UNIX = 1717421951


def a_request(**changes: Any) -> RobocallRequest:
    """A valid request (a record, one callee, a caller id) with some fields changed."""
    base = RobocallRequest(
        phones=(CALLEE,),
        message=RobocallMessage(record_id=1),
        outgoing_phone=CALLER,
    )
    return dataclasses.replace(base, **changes)


def build(request: RobocallRequest, *, separator: str = " ") -> dict[str, Any]:
    body = create_body(
        request, request.phones, webhook_url=HOOK, ref=REF, key_word_separator=separator
    )
    json.dumps(body)  # it is sent as JSON: it must serialise as it is
    return body


def decoded(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body with its JSON-string fields (webhookParameters, webhookHeaders, at every
    level) read back; each must be a string, as the page types them."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in ("webhookParameters", "webhookHeaders"):
            assert isinstance(value, str), (key, value)
            out[key] = json.loads(value)
        elif key == "ivrs":
            out[key] = [decoded(node) for node in value]
        else:
            out[key] = value
    return out


def refused(request: RobocallRequest, *, separator: str = " ") -> BadInput:
    with pytest.raises(BadInput) as caught:
        build(request, separator=separator)
    return caught.value


OURS = {"callboard_ref": REF}


# --- the page's examples --------------------------------------------------------------


def test_the_pages_record_and_ivr_example() -> None:
    """'Пример запроса с использованием загруженного аудиоролика и IVR'."""
    request = a_request(
        outgoing_phone=CALLEE,
        message=RobocallMessage(record_id=1),
        ivrs=(
            IvrNode(digit=1, block=False, message=RobocallMessage(record_id=1342)),
            IvrNode(digit=2, block=False, manager_phone=MANAGER),
        ),
    )
    assert decoded(build(request)) == {
        "phones": ["99999999999"],
        "outgoingPhone": "99999999999",
        "record": {"id": 1},
        "ivrs": [
            {"digit": 1, "needBlock": 0, "record": {"id": 1342}},
            {"digit": 2, "needBlock": 0, "managerPhone": "99999999998"},
        ],
        "webhookUrl": HOOK,
        "webhookParameters": OURS,
    }


def test_the_pages_text_and_ivr_example() -> None:
    """'Пример запроса с использованием генерации текста и IVR': the page's text, a female
    voice by default (record.gender 0)."""
    request = a_request(
        message=RobocallMessage(text="Текст для генерации аудиоролика"),
        ivrs=(IvrNode(digit=1, block=False, sms_text="текст СМС"),),
    )
    assert decoded(build(request)) == {
        "phones": ["99999999999"],
        "outgoingPhone": "99999999997",
        "record": {"text": "Текст для генерации аудиоролика", "gender": 0},
        "ivrs": [{"digit": 1, "needBlock": 0, "smsText": "текст СМС"}],
        "webhookUrl": HOOK,
        "webhookParameters": OURS,
    }


def test_the_pages_key_words_example() -> None:
    """'Пример запроса с использованием технологии распознавания голоса', whose example
    joins key words with '|': an operator sets key_word_separator to match."""
    request = a_request(
        message=RobocallMessage(text="Текст для генерации аудиоролика"),
        ivrs=(
            IvrNode(
                key_words=("Да", "нет", "не знаю"),
                sms_text="текст СМС",
                message=RobocallMessage(text="Текст аудиоролика"),
            ),
            IvrNode(message=RobocallMessage(text="Текст аудиоролика")),
        ),
    )
    assert decoded(build(request, separator="|")) == {
        "phones": ["99999999999"],
        "outgoingPhone": "99999999997",
        "record": {"text": "Текст для генерации аудиоролика", "gender": 0},
        "ivrs": [
            {
                "keyWords": "Да|нет|не знаю",
                "smsText": "текст СМС",
                "record": {"text": "Текст аудиоролика", "source": "text"},
            },
            {"record": {"text": "Текст аудиоролика", "source": "text"}},
        ],
        "webhookUrl": HOOK,
        "webhookParameters": OURS,
    }


def test_key_words_are_joined_with_a_space_by_default() -> None:
    """The page's table: 'Список ключевых слов через разделитель ' ''."""
    body = build(a_request(ivrs=(IvrNode(key_words=(" Да ", "нет")),)))
    assert body["ivrs"] == [{"keyWords": "Да нет"}]


@pytest.mark.parametrize(
    ("words", "separator"),
    [(("Да", "не знаю"), " "), (("Да", "нет|не"), "|"), (("Да", "  "), " ")],
)
def test_a_key_word_containing_the_separator_or_blank_is_refused(
    words: tuple[str, ...], separator: str
) -> None:
    error = refused(a_request(ivrs=(IvrNode(key_words=words),)), separator=separator)
    assert error.field == "ivrs.0.keyWords"


def test_a_male_voice_is_gender_1() -> None:
    body = build(a_request(message=RobocallMessage(text="Здравствуйте", voice=Voice.MALE)))
    assert body["record"] == {"text": "Здравствуйте", "gender": 1}
    body = build(a_request(message=RobocallMessage(text="Здравствуйте", voice=Voice.FEMALE)))
    assert body["record"] == {"text": "Здравствуйте", "gender": 0}


def test_text_is_sent_trimmed() -> None:
    body = build(a_request(message=RobocallMessage(text="  Здравствуйте \n")))
    assert body["record"]["text"] == "Здравствуйте"


def test_every_phone_of_the_part_is_sent_as_11_digits() -> None:
    request = a_request(phones=("+79123456789", "+79123456788", "+79123456787"))
    body = create_body(request, request.phones[:2], webhook_url=HOOK, ref=REF)
    assert body["phones"] == ["79123456789", "79123456788"]


def test_duty_phone_instead_of_a_caller_id() -> None:
    body = build(a_request(outgoing_phone=None, duty_phone=True))
    assert body["dutyPhone"] == 1
    assert "outgoingPhone" not in body


def test_every_option_in_the_pages_names() -> None:
    planned = datetime(2024, 6, 3, 16, 39, 11, tzinfo=timezone(timedelta(hours=3)))
    request = a_request(
        planned_at=planned,
        start_time="09:00",
        end_time="21:30",
        weekdays=(Weekday.FRIDAY, Weekday.MONDAY, Weekday.MONDAY, Weekday.WEDNESDAY),
        subscriber_time_zone=True,
        smart_delay=30,
        record=True,
        answer_timeout=45,
        language="ru-RU",
        voice_detection=True,
        end_of_speech=False,
        manager_delivery_phone=True,
    )
    assert decoded(build(request)) == {
        "phones": ["99999999999"],
        "outgoingPhone": "99999999997",
        "record": {"id": 1},
        "plannedAt": PLANNED_UNIX,
        "startTime": "09:00",
        "endTime": "21:30",
        "weekdays": [1, 3, 5],
        "plannedAtTimeZone": 1,
        "smartDelay": 30,
        "needRecording": 1,
        "answerTimeout": 45,
        "lang": "ru-RU",
        "voiceDetection": 1,
        "endOfSpeech": 0,
        "isManagerDeliveryPhone": 1,
        "webhookUrl": HOOK,
        "webhookParameters": OURS,
    }


def test_exclude_weekends_with_a_window() -> None:
    body = build(a_request(start_time="10:00", end_time="18:00", exclude_weekends=True))
    assert body["excludeWeekends"] == 1
    assert "weekdays" not in body


def test_weekdays_are_never_sent_together_with_exclude_weekends() -> None:
    """The page: 'Использовать вместе параметры weekdays и excludeWeekends нельзя'. A client
    that lists weekdays and says excludeWeekends: false must not get both sent."""
    request = a_request(
        start_time="10:00",
        end_time="18:00",
        weekdays=(Weekday.MONDAY,),
        exclude_weekends=False,
    )
    with contextlib.suppress(BadInput):  # refusing is fine too; sending both is not
        body = build(request)
        assert body["weekdays"] == [1]
        assert "excludeWeekends" not in body


def test_options_not_given_are_not_sent() -> None:
    assert set(build(a_request())) == {
        "phones",
        "outgoingPhone",
        "record",
        "webhookUrl",
        "webhookParameters",
    }


# --- every documented bound -------------------------------------------------------------

NODE = IvrNode(digit=1)

BOUNDS: list[tuple[str, dict[str, Any], str]] = [
    ("smartDelay 14", {"smart_delay": 14}, "smartDelay"),
    ("smartDelay 91", {"smart_delay": 91}, "smartDelay"),
    ("smartDelay 0", {"smart_delay": 0}, "smartDelay"),
    ("answerTimeout 14", {"answer_timeout": 14}, "answerTimeout"),
    ("answerTimeout 61", {"answer_timeout": 61}, "answerTimeout"),
    (
        "recognitionTimeout 0",
        {"ivrs": (IvrNode(any_word=True, recognition_timeout=0),)},
        "ivrs.0.recognitionTimeout",
    ),
    (
        "recognitionTimeout 16",
        {"ivrs": (IvrNode(any_word=True, recognition_timeout=16),)},
        "ivrs.0.recognitionTimeout",
    ),
    (
        "recognitionTimeout without anyWord",
        {"ivrs": (IvrNode(recognition_timeout=7),)},
        "ivrs.0.recognitionTimeout",
    ),
    (
        "recognitionTimeout with anyWord false",
        {"ivrs": (IvrNode(any_word=False, recognition_timeout=7),)},
        "ivrs.0.recognitionTimeout",
    ),
    ("anyWord with a digit", {"ivrs": (IvrNode(digit=1, any_word=True),)}, "ivrs.0.anyWord"),
    (
        "anyWord with key words",
        {"ivrs": (IvrNode(key_words=("да",), any_word=True),)},
        "ivrs.0.anyWord",
    ),
    ("smsText 71", {"ivrs": (IvrNode(digit=1, sms_text="x" * 71),)}, "ivrs.0.smsText"),
    ("text 1025", {"message": RobocallMessage(text="я" * 1025)}, "message.text"),
    ("blank text", {"message": RobocallMessage(text="   ")}, "message.text"),
    (
        "IVR text 1025",
        {"ivrs": (IvrNode(digit=1, message=RobocallMessage(text="я" * 1025)),)},
        "ivrs.0.message.text",
    ),
    ("digit -1", {"ivrs": (IvrNode(digit=-1),)}, "ivrs.0.digit"),
    ("digit 10", {"ivrs": (IvrNode(digit=10),)}, "ivrs.0.digit"),
    ("callee of 10 digits", {"phones": ("+7912345678",)}, "phones"),
    ("callee of 12 digits", {"phones": ("+380501234567",)}, "phones"),
    ("caller of 12 digits", {"outgoing_phone": "+380501234567"}, "outgoingPhone"),
    (
        "manager of 12 digits",
        {"ivrs": (IvrNode(digit=0, manager_phone="+380501234567"),)},
        "ivrs.0.managerPhone",
    ),
    ("startTime without endTime", {"start_time": "09:00"}, "endTime"),
    ("endTime without startTime", {"end_time": "18:00"}, "startTime"),
    ("startTime 9:00", {"start_time": "9:00", "end_time": "18:00"}, "startTime"),
    ("startTime 24:00", {"start_time": "24:00", "end_time": "18:00"}, "startTime"),
    ("endTime 18:60", {"start_time": "09:00", "end_time": "18:60"}, "endTime"),
    ("endTime 6pm", {"start_time": "09:00", "end_time": "6pm"}, "endTime"),
    (
        "weekdays and excludeWeekends",
        {
            "start_time": "09:00",
            "end_time": "18:00",
            "weekdays": (Weekday.MONDAY,),
            "exclude_weekends": True,
        },
        "excludeWeekends",
    ),
    ("weekdays without a window", {"weekdays": (Weekday.MONDAY,)}, "weekdays"),
    ("excludeWeekends without a window", {"exclude_weekends": True}, "excludeWeekends"),
    ("language russian", {"language": "russian"}, "language"),
    ("language ru_RU", {"language": "ru_RU"}, "language"),
    ("language RU-ru", {"language": "RU-ru"}, "language"),
    ("record id and text", {"message": RobocallMessage(record_id=1, text="x")}, "message"),
    ("neither record id nor text", {"message": RobocallMessage()}, "message"),
    ("voice with a record", {"message": RobocallMessage(record_id=1, voice=Voice.MALE)}, "message"),
    (
        "IVR record id and text",
        {"ivrs": (IvrNode(digit=1, message=RobocallMessage(record_id=2, text="x")),)},
        "ivrs.0.message",
    ),
    (
        "voice on an IVR text",
        {"ivrs": (IvrNode(digit=1, message=RobocallMessage(text="x", voice=Voice.MALE)),)},
        "ivrs.0.message.voice",
    ),
    ("neither caller id nor duty phone", {"outgoing_phone": None}, "outgoingPhone"),
    ("caller id and duty phone", {"duty_phone": True}, "dutyPhone"),
    (
        "callboard_ref in webhookParameters",
        {"webhook_parameters": {"callboard_ref": "mine"}},
        "webhookParameters",
    ),
    (
        "callboard_node in webhookParameters",
        {"webhook_parameters": {"callboard_node": "mine"}},
        "webhookParameters",
    ),
    (
        "callboard_ref in a node's webhookParameters",
        {"ivrs": (IvrNode(digit=1, notify=True, webhook_parameters={"callboard_ref": "x"}),)},
        "ivrs.0.webhookParameters",
    ),
    ("emailTimeout -1", {"ivrs": (IvrNode(digit=1, email_timeout=-1),)}, "ivrs.0.emailTimeout"),
    ("a header that is not text", {"webhook_headers": {"X-Id": 5}}, "webhookHeaders"),
    ("a template", {"message": RobocallMessage(template_id=1)}, "message"),
]


@pytest.mark.parametrize(("changes", "field"), [b[1:] for b in BOUNDS], ids=[b[0] for b in BOUNDS])
def test_every_bound_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    error = refused(a_request(**changes))
    assert error.field == field
    assert error.message


ACCEPTED: list[tuple[str, dict[str, Any], str, Any]] = [
    ("smartDelay 15", {"smart_delay": 15}, "smartDelay", 15),
    ("smartDelay 90", {"smart_delay": 90}, "smartDelay", 90),
    ("answerTimeout 15", {"answer_timeout": 15}, "answerTimeout", 15),
    ("answerTimeout 60", {"answer_timeout": 60}, "answerTimeout", 60),
    ("startTime 00:00-23:59", {"start_time": "00:00", "end_time": "23:59"}, "endTime", "23:59"),
    ("trimmed times", {"start_time": " 08:05 ", "end_time": "19:45"}, "startTime", "08:05"),
    ("language en-US", {"language": "en-US"}, "lang", "en-US"),
    (
        "text 1024",
        {"message": RobocallMessage(text="я" * 1024)},
        "record",
        {"text": "я" * 1024, "gender": 0},
    ),
]


@pytest.mark.parametrize(
    ("changes", "key", "value"), [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED]
)
def test_the_edges_of_each_bound_are_accepted(
    changes: dict[str, Any], key: str, value: Any
) -> None:
    assert build(a_request(**changes))[key] == value


@pytest.mark.parametrize("seconds", [1, 15])
def test_recognition_timeout_edges_with_any_word(seconds: int) -> None:
    body = build(a_request(ivrs=(IvrNode(any_word=True, recognition_timeout=seconds),)))
    assert body["ivrs"] == [{"anyWord": 1, "recognitionTimeout": seconds}]


@pytest.mark.parametrize("digit", [0, 9])
def test_digit_edges(digit: int) -> None:
    assert build(a_request(ivrs=(IvrNode(digit=digit),)))["ivrs"] == [{"digit": digit}]


def test_sms_text_of_70_characters_is_accepted() -> None:
    node = IvrNode(digit=1, sms_text="ж" * 70)
    assert build(a_request(ivrs=(node,)))["ivrs"][0]["smsText"] == "ж" * 70


def test_any_word_alone_and_stay_on_the_line() -> None:
    """A node without digit, key words or anyWord is the page's 'Остаться на линии'."""
    body = build(
        a_request(ivrs=(IvrNode(any_word=True), IvrNode(message=RobocallMessage(record_id=9))))
    )
    assert body["ivrs"] == [{"anyWord": 1}, {"record": {"id": 9}}]


def test_every_node_option_in_the_pages_names() -> None:
    node = IvrNode(
        digit=3,
        recognize=True,
        block=True,
        manager_phone=MANAGER,
        sms_text="Спасибо",
        sms_template_id=77,
        sms_channel="virta",
        email_timeout=0,
    )
    assert build(a_request(ivrs=(node,)))["ivrs"] == [
        {
            "digit": 3,
            "recognize": 1,
            "needBlock": 1,
            "managerPhone": "99999999998",
            "smsText": "Спасибо",
            "smsTemplateId": 77,
            "smsChannel": "virta",
            "emailTimeout": 0,
        }
    ]


def test_callboards_webhook_url_longer_than_the_pages_255_is_refused() -> None:
    request = a_request()
    with pytest.raises(BadInput) as caught:
        create_body(request, request.phones, webhook_url="http://cb/" + "x" * 246, ref=REF)
    assert caught.value.field == "provider"
    body = create_body(request, request.phones, webhook_url="http://cb/" + "x" * 245, ref=REF)
    assert len(body["webhookUrl"]) == 255


# --- nested IVR trees -------------------------------------------------------------------


def nested(leaf: IvrNode) -> tuple[IvrNode, ...]:
    return (
        IvrNode(digit=1, children=(IvrNode(digit=1), leaf)),
        IvrNode(digit=2),
    )


@pytest.mark.parametrize(
    ("leaf", "field"),
    [
        (IvrNode(digit=2, sms_text="x" * 71), "ivrs.0.ivrs.1.smsText"),
        (IvrNode(digit=12), "ivrs.0.ivrs.1.digit"),
        (IvrNode(digit=2, manager_phone="+7912"), "ivrs.0.ivrs.1.managerPhone"),
        (IvrNode(digit=2, any_word=True), "ivrs.0.ivrs.1.anyWord"),
        (IvrNode(digit=2, message=RobocallMessage(text="я" * 1025)), "ivrs.0.ivrs.1.message.text"),
    ],
)
def test_a_nested_node_is_named_by_its_path(leaf: IvrNode, field: str) -> None:
    assert refused(a_request(ivrs=nested(leaf))).field == field


def test_a_deeper_node_is_named_by_its_path() -> None:
    deep = IvrNode(digit=2, children=(IvrNode(digit=5, children=(IvrNode(digit=10),)),))
    request = a_request(ivrs=(IvrNode(digit=1), deep))
    assert refused(request).field == "ivrs.1.ivrs.0.ivrs.0.digit"


def test_a_nested_tree_is_sent_as_nested_ivrs() -> None:
    request = a_request(ivrs=nested(IvrNode(digit=2, sms_text="Ждём вас")))
    assert build(request)["ivrs"] == [
        {"digit": 1, "ivrs": [{"digit": 1}, {"digit": 2, "smsText": "Ждём вас"}]},
        {"digit": 2},
    ]


# --- Callboard's webhook parameters -----------------------------------------------------


def test_the_clients_parameters_ride_along_with_callboards_ref() -> None:
    request = a_request(webhook_parameters={"crm_lead": "L-7", "заказ": 15, "vip": True})
    body = build(request)
    assert json.loads(body["webhookParameters"]) == {
        "crm_lead": "L-7",
        "заказ": 15,
        "vip": True,
        "callboard_ref": REF,
    }


def test_webhook_headers_pass_through_as_a_json_string() -> None:
    request = a_request(webhook_headers={"X-Crm-Token": "t-1", "X-Лид": "7"})
    assert json.loads(build(request)["webhookHeaders"]) == {"X-Crm-Token": "t-1", "X-Лид": "7"}


def test_the_reserved_names_are_callboards() -> None:
    assert frozenset({"callboard_ref", "callboard_node"}) == RESERVED_PARAMETERS


def test_a_notify_node_posts_its_answer_to_callboard() -> None:
    request = a_request(
        ivrs=(
            IvrNode(digit=1, notify=True),
            IvrNode(digit=2),
            IvrNode(
                digit=3,
                webhook_parameters={"crm_lead": "L-7"},
                webhook_headers={"X-Crm-Token": "t-1"},
                children=(IvrNode(digit=0), IvrNode(digit=1, notify=True)),
            ),
        )
    )
    ivrs = decoded(build(request))["ivrs"]
    assert ivrs[0] == {
        "digit": 1,
        "webhookUrl": HOOK,
        "webhookParameters": {"callboard_ref": REF, "callboard_node": "0"},
    }
    assert ivrs[1] == {"digit": 2}, "a node not asked to notify posts nothing"
    assert ivrs[2]["webhookUrl"] == HOOK
    assert ivrs[2]["webhookParameters"] == {
        "crm_lead": "L-7",
        "callboard_ref": REF,
        "callboard_node": "2",
    }
    assert ivrs[2]["webhookHeaders"] == {"X-Crm-Token": "t-1"}
    child, notified = ivrs[2]["ivrs"]
    assert child == {"digit": 0}
    assert notified["webhookUrl"] == HOOK
    assert notified["webhookParameters"] == {"callboard_ref": REF, "callboard_node": "2.ivrs.1"}


def test_the_ref_tells_requests_apart() -> None:
    request = a_request()
    first = create_body(request, request.phones, webhook_url=HOOK, ref="one")
    second = create_body(request, request.phones, webhook_url=HOOK, ref="two")
    assert json.loads(first["webhookParameters"]) == {"callboard_ref": "one"}
    assert json.loads(second["webhookParameters"]) == {"callboard_ref": "two"}


# --- templates (createWithTemplate) ---------------------------------------------------


def a_template_request(**changes: Any) -> RobocallRequest:
    base = RobocallRequest(
        phones=("+79993331122", "+79993332211"),
        message=RobocallMessage(template_id=1),
    )
    return dataclasses.replace(base, **changes)


def test_the_pages_template_example() -> None:
    """The page keys a phone's variables by their *value*: {"Elena": "{name}"}."""
    request = a_template_request(
        variables={
            "+79993331122": {"name": "Elena", "var1": "40%"},
            "+79993332211": {"{name}": "Oleg", "{var1}": "25%"},
        }
    )
    body = template_body(request, request.phones)
    json.dumps(body)
    assert body == {
        "phones": ["79993331122", "79993332211"],
        "templateId": 1,
        "variables": {
            "79993331122": {"Elena": "{name}", "40%": "{var1}"},
            "79993332211": {"Oleg": "{name}", "25%": "{var1}"},
        },
    }


def test_a_template_call_without_variables_and_with_a_planned_time() -> None:
    request = a_template_request(planned_at=PLANNED)
    assert template_body(request, request.phones) == {
        "phones": ["79993331122", "79993332211"],
        "templateId": 1,
        "plannedAt": PLANNED_UNIX,
    }


def test_only_the_parts_phones_carry_their_variables() -> None:
    request = a_template_request(
        variables={"+79993331122": {"name": "Elena"}, "+79993332211": {"name": "Oleg"}}
    )
    body = template_body(request, request.phones[1:])
    assert body["phones"] == ["79993332211"]
    assert body["variables"] == {"79993332211": {"Oleg": "{name}"}}


def test_a_phone_without_variables_is_left_out_of_them() -> None:
    request = a_template_request(variables={"+79993332211": {"name": "Oleg"}})
    body = template_body(request, request.phones)
    assert body["variables"] == {"79993332211": {"Oleg": "{name}"}}


def test_one_value_for_two_placeholders_is_refused() -> None:
    """Keyed by value, {"Anna": "{name}", "Anna": "{surname}"} would lose one of them."""
    request = a_template_request(variables={"+79993331122": {"name": "Anna", "surname": "Anna"}})
    with pytest.raises(BadInput) as caught:
        template_body(request, request.phones)
    assert caught.value.field == "variables"
    assert "Anna" in caught.value.message


@pytest.mark.parametrize("name", ["first name", "", "{a}{b}"])
def test_a_name_that_is_not_a_placeholder_is_refused(name: str) -> None:
    request = a_template_request(variables={"+79993331122": {name: "Elena"}})
    with pytest.raises(BadInput) as caught:
        template_body(request, request.phones)
    assert caught.value.field == "variables"


def test_a_template_phone_must_have_11_digits() -> None:
    request = a_template_request(phones=("+380501234567",))
    with pytest.raises(BadInput) as caught:
        template_body(request, request.phones)
    assert caught.value.field == "phones"


TEMPLATE_EXTRAS: list[tuple[dict[str, Any], str]] = [
    ({"message": RobocallMessage(template_id=1, record_id=5)}, "message.recordId"),
    ({"message": RobocallMessage(template_id=1, text="Привет")}, "message.text"),
    ({"message": RobocallMessage(template_id=1, voice=Voice.MALE)}, "message.voice"),
    ({"outgoing_phone": "+74950000001"}, "outgoingPhone"),
    ({"duty_phone": True}, "dutyPhone"),
    ({"ivrs": (IvrNode(digit=1),)}, "ivrs"),
    ({"start_time": "09:00", "end_time": "18:00"}, "startTime"),
    ({"end_time": "18:00"}, "endTime"),
    ({"weekdays": (Weekday.MONDAY,)}, "weekdays"),
    ({"exclude_weekends": True}, "excludeWeekends"),
    ({"subscriber_time_zone": True}, "subscriberTimeZone"),
    ({"smart_delay": 30}, "smartDelay"),
    ({"record": True}, "record"),
    ({"answer_timeout": 30}, "answerTimeout"),
    ({"language": "ru-RU"}, "language"),
    ({"voice_detection": True}, "voiceDetection"),
    ({"end_of_speech": True}, "endOfSpeech"),
    ({"manager_delivery_phone": True}, "managerDeliveryPhone"),
    ({"webhook_parameters": {"crm_lead": "L-7"}}, "webhookParameters"),
    ({"webhook_headers": {"X-Crm-Token": "t-1"}}, "webhookHeaders"),
]


@pytest.mark.parametrize(("changes", "field"), TEMPLATE_EXTRAS, ids=[f for _, f in TEMPLATE_EXTRAS])
def test_a_template_refuses_every_option_it_cannot_carry(
    changes: dict[str, Any], field: str
) -> None:
    """createWithTemplate takes phones, templateId, plannedAt and variables only: an option
    the client gave would silently not apply."""
    request = a_template_request(**changes)
    with pytest.raises(BadInput) as caught:
        template_body(request, request.phones)
    assert caught.value.field == field


def test_a_template_refusal_names_every_extra_option() -> None:
    request = a_template_request(smart_delay=30, language="ru-RU")
    with pytest.raises(BadInput) as caught:
        template_body(request, request.phones)
    assert "smartDelay" in caught.value.message
    assert "language" in caught.value.message


# --- phone11, check_pin, unix ---------------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "wire"),
    [("+79123456789", "79123456789"), ("79123456789", "79123456789"), (CALLEE, "99999999999")],
)
def test_phone11_gives_the_11_digits(e164: str, wire: str) -> None:
    assert phone11(e164, field="phone") == wire


@pytest.mark.parametrize(
    "e164", ["+7912345678", "+380501234567", "+7 912 345 67 89", "", "+7912345678x"]
)
def test_phone11_refuses_other_numbers_naming_the_field(e164: str) -> None:
    with pytest.raises(BadInput) as caught:
        phone11(e164, field="managerPhone")
    assert caught.value.field == "managerPhone"
    assert "11" in caught.value.message


@pytest.mark.parametrize(("pin", "kept"), [("1234", "1234"), (" 0007 ", "0007")])
def test_check_pin_takes_4_digits(pin: str, kept: str) -> None:
    assert check_pin(pin) == kept


@pytest.mark.parametrize("pin", ["", "123", "12345", "12a4", "１２３４", "12 34"])
def test_check_pin_refuses_anything_else(pin: str) -> None:
    with pytest.raises(BadInput) as caught:
        check_pin(pin)
    assert caught.value.field == "pin"


def test_unix_is_seconds_whatever_the_zone() -> None:
    moscow = PLANNED.astimezone(timezone(timedelta(hours=3)))
    assert unix(PLANNED) == unix(moscow) == PLANNED_UNIX
