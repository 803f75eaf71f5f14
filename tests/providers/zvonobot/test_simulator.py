"""The Zvonobot simulator answers on the vendor's wire format and posts its webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callboard.providers.zvonobot.simulator import Delivery, Outcome, ZvonobotSimulator

KEY = "zv-test-key-0f3a"
PHONE = "79990000001"
OTHER = "79990000002"
THIRD = "79990000003"
OUT = "74950000001"
HOOK = "http://hooks.test/status"
IVR_HOOK = "http://hooks.test/ivr"
STEP = 0.01
RESEND = 0.02
CALL: dict[str, Any] = {"phone": PHONE, "outgoingPhone": OUT, "record": {"text": "Здравствуйте"}}
DROP = object()  # in a test's fields: leave this key out
FAR = 2_000_000_000  # a plannedAt in 2033
NO_MONEY = "Недостаточно средств на балансе"
NO_RECORD = "Аудиоролик не найден"

API_CALL_KEYS = [
    "id",
    "createdAt",
    "smartDelay",
    "prevCallId",
    "needRecording",
    "plannedAt",
    "webhookUrl",
    "webhookSent",
    "amoscriptId",
    "webhookParameters",
    "webhookTry",
    "recognitionGroupId",
    "generateGroupId",
    "calls",
]
CALL_KEYS = [
    "phone",
    "ivrDigit",
    "startedAt",
    "answeredAt",
    "managerStartedAt",
    "managerAnsweredAt",
    "finishedAt",
    "toBlock",
    "status",
    "nextCallId",
    "hangupCause",
    "managerStatus",
    "recordFilePath",
    "cost",
    "createdAt",
    "updatedAt",
    "label",
    "ivrAnswers",
    "ivrIdList",
    "comment",
]


class Receiver:
    """A webhook receiver: a small Starlette app keeping what it got (path, body, headers)
    and answering ``answer(path, body)``, 200 unless a test says otherwise."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.answer: Callable[[str, dict[str, Any]], int] = lambda path, body: 200
        self.app = Starlette(routes=[Route("/{name}", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        body = await request.json()
        self.got.append((request.url.path, body, dict(request.headers)))
        return Response(status_code=self.answer(request.url.path, body))

    def bodies(self, path: str = "/status") -> list[dict[str, Any]]:
        return [body for got_path, body, _ in self.got if got_path == path]

    def statuses(self) -> list[str]:
        return [_status(body) for body in self.bodies()]


def _status(body: dict[str, Any]) -> str:
    status: str = body["calls"][0]["status"]
    return status


class Rig:
    """A simulator, a client for its API, and a receiver for its webhooks."""

    def __init__(self, **options: Any) -> None:
        self.receiver = Receiver()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.receiver.app))
        self.sim = ZvonobotSimulator(
            KEY, step_delay=STEP, resend_delay=RESEND, http=self.http, **options
        )
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.sim.app), base_url="http://zvonobot.test"
        )

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.sim.aclose()
        await self.http.aclose()

    async def post(self, path: str, **fields: Any) -> httpx.Response:
        body = {k: v for k, v in {"apiKey": KEY, **fields}.items() if v is not DROP}
        return await self.client.post(path, json=body)

    async def ok(self, path: str, **fields: Any) -> Any:
        response = await self.post(path, **fields)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "success", response.text
        return response.json()["data"]

    async def refused(self, path: str, **fields: Any) -> str:
        """A business refusal: HTTP 200 with status "error"; returns its message."""
        response = await self.post(path, **fields)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "error", body
        assert list(body["data"]) == ["message"]
        message: str = body["data"]["message"]
        return message

    async def invalid(self, path: str, **fields: Any) -> dict[str, list[str]]:
        """A 422; returns its errors, having checked the message repeats the first one."""
        response = await self.post(path, **fields)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["status"] == "error"
        errors: dict[str, list[str]] = body["data"]["errors"]
        assert body["data"]["message"] == next(iter(errors.values()))[0]
        return errors

    async def create(self, **fields: Any) -> Any:
        return await self.ok("/apiCalls/create", **{**CALL, **fields})

    async def get(self, *ids: int, path: str = "/apiCalls/get") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.ok(path, apiCallIdList=list(ids))
        return found

    async def call(self, call_id: int, path: str = "/apiCalls/get") -> dict[str, Any]:
        [found] = await self.get(call_id, path=path)
        call: dict[str, Any] = found["calls"][0]
        return call

    def tries(self, kind: str = "status") -> list[tuple[str, int, int | None]]:
        """(call status or "ivr", try number, HTTP status) of every delivery attempt."""
        return [
            (_status(d.body) if d.kind == "status" else "ivr", d.try_number, d.status_code)
            for d in self.sim.deliveries
            if d.kind == kind
        ]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    rig = Rig()
    yield rig
    await rig.aclose()


async def settle(rig: Rig, steps: int = 6) -> None:
    """Let several steps pass, for calls that should not be moving."""
    await rig.sim.wait_idle()
    await asyncio.sleep(steps * STEP)


# -- the API key and the body --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/apiCalls/create", {**CALL, "apiKey": DROP}),
        ("/apiCalls/create", {**CALL, "apiKey": "wrong"}),
        ("/apiCalls/userInfo", {"apiKey": KEY.upper()}),
        ("/apiCalls/userInfo", {"apiKey": 12345}),
        ("/apiCalls/get", {"apiKey": "", "apiCallIdList": [1001]}),
        # Refused before the fields are looked at.
        ("/apiCalls/create", {"apiKey": "wrong", "phone": "1"}),
    ],
)
async def test_missing_or_wrong_api_key_is_401(rig: Rig, path: str, fields: dict[str, Any]) -> None:
    response = await rig.post(path, **fields)
    assert response.status_code == 401
    assert response.json() == {"status": "error", "data": {"message": "Invalid apiKey"}}
    assert rig.sim.calls == {}


async def test_languages_over_get_take_the_key_from_the_query(rig: Rig) -> None:
    wrong = await rig.client.get("/apiCalls/getAvailableLanguages", params={"apiKey": "x"})
    assert wrong.status_code == 401
    right = await rig.client.get("/apiCalls/getAvailableLanguages", params={"apiKey": KEY})
    assert right.json()["data"] == rig.sim.languages


@pytest.mark.parametrize(
    "content", [b"[]", b"not json", b'"apiKey"', b"{", b"apiKey=zv-test-key-0f3a"]
)
async def test_a_body_that_is_not_a_json_object_is_400(rig: Rig, content: bytes) -> None:
    response = await rig.client.post("/apiCalls/userInfo", content=content)
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert response.json()["data"]["message"]


# -- create --------------------------------------------------------------------------------


async def test_create_with_phone_answers_one_object(rig: Rig) -> None:
    before = time.time()
    reply = await rig.create()
    assert reply == {
        "id": 1001,
        "createdAt": reply["createdAt"],
        "plannedAt": None,
        "smartDelay": None,
        "needRecording": 0,
        "phone": PHONE,
        "recordCost": 0.4,
    }
    assert int(before) <= reply["createdAt"] <= time.time()
    assert rig.sim.balance == 999.6


async def test_create_with_phones_answers_a_list_and_pays_speech_once(rig: Rig) -> None:
    ivrs = [
        {
            "digit": 1,
            "record": {"text": "Спасибо"},
            "ivrs": [{"digit": 2, "record": {"text": "Да"}}],
        },
        {"digit": 3, "needBlock": 1},
    ]
    phones = [PHONE, OTHER, THIRD]
    replies = await rig.create(phone=DROP, phones=phones, ivrs=ivrs, smartDelay=30, plannedAt=FAR)
    # One apiCall per phone; three texts turned to speech (message, node, nested node).
    assert [(r["id"], r["phone"]) for r in replies] == [(1001, PHONE), (1002, OTHER), (1003, THIRD)]
    assert {r["recordCost"] for r in replies} == {1.2}
    assert {(r["smartDelay"], r["plannedAt"]) for r in replies} == {(30, FAR)}
    assert rig.sim.balance == 998.8
    assert sorted(rig.sim.calls) == [1001, 1002, 1003]


async def test_create_with_a_record_costs_nothing_up_front(rig: Rig) -> None:
    record = await rig.ok("/apiCalls/createRecord", name="Привет", source="text", text="Привет")
    balance = rig.sim.balance
    reply = await rig.create(record={"id": record["id"]})
    assert reply["recordCost"] == 0
    assert rig.sim.balance == balance


async def test_create_ignores_unknown_keys_and_takes_laravel_style_values(rig: Rig) -> None:
    reply = await rig.create(
        somethingNew={"x": 1},
        needRecording="1",
        smartDelay="15",
        answerTimeout=60,
        excludeWeekends=0,
        weekdays=[1, 7],
        lang="en-US",
        startTime="09:00",
        endTime="23:59",
        voiceDetection=True,
        webhookUrl="https://h.test/" + "a" * 240,  # 255 characters
        record={"text": "я" * 1024, "gender": 1},
        ivrs=[{"anyWord": 1, "recognitionTimeout": 15, "smsText": "я" * 70}],
    )
    assert (reply["needRecording"], reply["smartDelay"]) == (1, 15)


async def test_dutyphone_picks_one_of_the_account_numbers(rig: Rig) -> None:
    reply = await rig.create(outgoingPhone=DROP, dutyPhone=1)
    numbers = {p["phone"] for p in rig.sim.phones}
    assert rig.sim.calls[reply["id"]].outgoing_phone in numbers


CREATE_PROBLEMS = [
    ({"phone": DROP}, "phone"),
    ({"phone": "+79990000001"}, "phone"),
    ({"phone": "7999000000"}, "phone"),
    ({"phone": 79990000001}, "phone"),
    ({"phone": "٧٩٩٩٠٠٠٠٠٠١"}, "phone"),
    ({"phones": [OTHER]}, "phone"),
    ({"phone": DROP, "phones": []}, "phones"),
    ({"phone": DROP, "phones": PHONE}, "phones"),
    ({"phone": DROP, "phones": [PHONE, "123"]}, "phones.1"),
    ({"outgoingPhone": DROP}, "outgoingPhone"),
    ({"outgoingPhone": "8495000000x"}, "outgoingPhone"),
    ({"outgoingPhone": DROP, "dutyPhone": 2}, "dutyPhone"),
    ({"record": DROP}, "record"),
    ({"record": "Здравствуйте"}, "record"),
    ({"record": {}}, "record.id"),
    ({"record": {"gender": 1}}, "record.id"),
    ({"record": {"id": 501, "text": "Здравствуйте"}}, "record.text"),
    ({"record": {"id": "first"}}, "record.id"),
    ({"record": {"text": "я" * 1025}}, "record.text"),
    ({"record": {"text": "Здравствуйте", "gender": 2}}, "record.gender"),
    ({"ivrs": {"digit": 1}}, "ivrs"),
    ({"ivrs": ["press 1"]}, "ivrs.0"),
    ({"ivrs": [{"digit": 10}]}, "ivrs.0.digit"),
    ({"ivrs": [{"digit": "one"}]}, "ivrs.0.digit"),
    ({"ivrs": [{"keyWords": ["да"]}]}, "ivrs.0.keyWords"),
    ({"ivrs": [{"digit": 1, "needBlock": 2}]}, "ivrs.0.needBlock"),
    ({"ivrs": [{"digit": 1, "record": {}}]}, "ivrs.0.record.id"),
    ({"ivrs": [{"digit": 1, "record": {"text": "Да", "source": "mp3"}}]}, "ivrs.0.record.source"),
    ({"ivrs": [{"digit": 1, "managerPhone": "8800"}]}, "ivrs.0.managerPhone"),
    ({"ivrs": [{"digit": 1, "smsText": "я" * 71}]}, "ivrs.0.smsText"),
    ({"ivrs": [{"digit": 1, "smsTemplateId": "sms"}]}, "ivrs.0.smsTemplateId"),
    ({"ivrs": [{"digit": 1, "webhookUrl": "https://h.test/" + "a" * 241}]}, "ivrs.0.webhookUrl"),
    ({"ivrs": [{"digit": 1, "webhookParameters": "{'a': 1}"}]}, "ivrs.0.webhookParameters"),
    ({"ivrs": [{"digit": 1, "webhookHeaders": '["X-A"]'}]}, "ivrs.0.webhookHeaders"),
    ({"ivrs": [{"digit": 1, "anyWord": 1}]}, "ivrs.0.anyWord"),
    ({"ivrs": [{"keyWords": "да", "anyWord": 1}]}, "ivrs.0.anyWord"),
    ({"ivrs": [{"anyWord": 1, "recognitionTimeout": 16}]}, "ivrs.0.recognitionTimeout"),
    ({"ivrs": [{"digit": 1, "recognitionTimeout": 7}]}, "ivrs.0.recognitionTimeout"),
    ({"ivrs": [{"digit": 1, "recognize": 2}]}, "ivrs.0.recognize"),
    ({"ivrs": [{"digit": 1, "smsChannel": 5}]}, "ivrs.0.smsChannel"),
    ({"ivrs": [{"digit": 1, "emailTimeout": "soon"}]}, "ivrs.0.emailTimeout"),
    (
        {"ivrs": [{"digit": 1, "ivrs": [{"digit": 2}, {"digit": 3, "smsText": "я" * 71}]}]},
        "ivrs.0.ivrs.1.smsText",
    ),
    ({"plannedAt": "2030-01-01 10:00"}, "plannedAt"),
    ({"plannedAt": -1}, "plannedAt"),
    ({"smartDelay": 14}, "smartDelay"),
    ({"smartDelay": 91}, "smartDelay"),
    ({"needRecording": 2}, "needRecording"),
    ({"webhookUrl": "https://h.test/" + "a" * 241}, "webhookUrl"),
    ({"webhookParameters": "not json"}, "webhookParameters"),
    ({"webhookParameters": {"a": 1}}, "webhookParameters"),
    ({"webhookHeaders": '{"X-A": "one\\ntwo"}'}, "webhookHeaders"),
    ({"webhookHeaders": '{"X A": "1"}'}, "webhookHeaders"),
    ({"isManagerDeliveryPhone": 2}, "isManagerDeliveryPhone"),
    ({"endOfSpeech": 2}, "endOfSpeech"),
    ({"voiceDetection": "yes"}, "voiceDetection"),
    ({"plannedAtTimeZone": 2}, "plannedAtTimeZone"),
    ({"excludeWeekends": 2}, "excludeWeekends"),
    ({"lang": "ru_RU"}, "lang"),
    ({"lang": "de-DE"}, "lang"),
    ({"startTime": "24:00"}, "startTime"),
    ({"endTime": "9:00"}, "endTime"),
    ({"weekdays": "1,2"}, "weekdays"),
    ({"weekdays": [1, 8]}, "weekdays.1"),
    ({"answerTimeout": 14}, "answerTimeout"),
    ({"answerTimeout": 61}, "answerTimeout"),
]


@pytest.mark.parametrize(("fields", "path"), CREATE_PROBLEMS)
async def test_create_refuses_a_bad_field_with_422(
    rig: Rig, fields: dict[str, Any], path: str
) -> None:
    errors = await rig.invalid("/apiCalls/create", **{**CALL, **fields})
    assert path in errors
    assert rig.sim.calls == {}
    assert rig.sim.balance == 1000.0


async def test_weekdays_and_exclude_weekends_do_not_go_together(rig: Rig) -> None:
    errors = await rig.invalid("/apiCalls/create", **CALL, weekdays=[1, 2], excludeWeekends=1)
    assert errors == {
        "weekdays": ["Использовать вместе параметры weekdays и excludeWeekends нельзя"]
    }


async def test_ivrs_nest_ten_levels_deep_at_most(rig: Rig) -> None:
    def tree(depth: int) -> list[dict[str, Any]]:
        return [{"digit": 1, **({"ivrs": tree(depth - 1)} if depth > 1 else {})}]

    await rig.create(ivrs=tree(10))
    errors = await rig.invalid("/apiCalls/create", **CALL, ivrs=tree(11))
    assert list(errors) == [".".join(["ivrs", "0"] * 10) + ".ivrs"]


async def test_create_takes_at_most_max_phones() -> None:
    rig = Rig(max_phones=3)
    try:
        phones = [f"7999000000{i}" for i in range(4)]
        errors = await rig.invalid("/apiCalls/create", **CALL | {"phone": DROP, "phones": phones})
        assert list(errors) == ["phones"]
        assert "не более 3 номеров" in errors["phones"][0]
        assert len(await rig.create(phone=DROP, phones=phones[:3])) == 3
    finally:
        await rig.aclose()


async def test_create_from_a_number_not_on_the_account_is_refused(rig: Rig) -> None:
    assert await rig.refused("/apiCalls/create", **CALL | {"outgoingPhone": "74959999999"}) == (
        "Номер не подтверждён"
    )
    assert rig.sim.calls == {}


@pytest.mark.parametrize(
    "fields", [{"record": {"id": 999}}, {"ivrs": [{"digit": 1, "record": {"id": 999}}]}]
)
async def test_create_with_an_unknown_record_is_refused(rig: Rig, fields: dict[str, Any]) -> None:
    assert await rig.refused("/apiCalls/create", **{**CALL, **fields}) == NO_RECORD
    assert (rig.sim.calls, rig.sim.balance) == ({}, 1000.0)


async def test_create_with_no_money_left_is_refused(rig: Rig) -> None:
    rig.sim.balance = 0.0
    assert await rig.refused("/apiCalls/create", **CALL) == NO_MONEY
    assert (rig.sim.calls, rig.sim.balance) == ({}, 0.0)


# -- calls moving through their statuses, and their webhooks ----------------------------


async def test_an_answered_call_posts_each_status_and_ends_finished(rig: Rig) -> None:
    reply = await rig.create(
        webhookUrl=HOOK,
        webhookParameters='{"campaign": "spring", "id": "not the call id"}',
        webhookHeaders='{"X-Campaign": "spring-2025"}',
        needRecording=1,
    )
    call_id = reply["id"]
    await rig.sim.wait_idle()

    assert rig.receiver.statuses() == ["processed", "started", "answered", "finished"]
    bodies = rig.receiver.bodies()
    for body in bodies:
        assert list(body) == [*API_CALL_KEYS, "campaign"]
        assert list(body["calls"][0]) == CALL_KEYS
        # The parameters join the body; the call's own keys are not overwritten.
        assert (body["id"], body["campaign"], body["webhookTry"]) == (call_id, "spring", 1)
        assert body["webhookParameters"] == '{"campaign": "spring", "id": "not the call id"}'
    for _, _, headers in rig.receiver.got:
        assert headers["content-type"] == "application/json"
        assert headers["x-campaign"] == "spring-2025"
    processed, started, answered, finished = (b["calls"][0] for b in bodies)
    assert processed["startedAt"] is None
    assert (started["startedAt"] is None, started["answeredAt"]) == (False, None)
    assert (answered["answeredAt"] is None, answered["finishedAt"]) == (False, None)
    assert finished["finishedAt"] >= finished["answeredAt"] >= finished["startedAt"]
    assert finished["cost"] == 1.5
    assert finished["recordFilePath"] == f"https://zvonobot-sim.invalid/records/{call_id}.mp3"
    assert (processed["cost"], processed["recordFilePath"]) == (0, None)

    [got] = await rig.get(call_id)
    assert got["calls"][0] == finished
    assert (got["webhookSent"], got["webhookTry"]) == (True, 1)
    assert rig.sim.balance == round(1000 - 0.4 - 1.5, 2)
    delivery = rig.sim.deliveries[-1]
    assert delivery == Delivery(
        "status",
        call_id,
        HOOK,
        bodies[-1],
        {"Content-Type": "application/json", "X-Campaign": "spring-2025"},
        200,
        None,
        1,
    )


async def test_a_call_without_webhook_url_posts_nothing(rig: Rig) -> None:
    reply = await rig.create()
    await rig.sim.wait_idle()
    assert (await rig.call(reply["id"]))["status"] == "finished"
    assert rig.sim.deliveries == []


@pytest.mark.parametrize(
    ("outcome", "cause"), [("no_answer", 19), ("busy", 17), ("unreachable", 20)]
)
async def test_an_unanswered_call_ends_canceled_and_costs_nothing(
    rig: Rig, outcome: Any, cause: int
) -> None:
    rig.sim.set_outcome(PHONE, outcome)
    reply = await rig.create(webhookUrl=HOOK)
    await rig.sim.wait_idle()
    assert rig.receiver.statuses() == ["processed", "started", "canceled"]
    call = await rig.call(reply["id"])
    assert (call["status"], call["hangupCause"], call["cost"]) == ("canceled", cause, 0)
    assert call["answeredAt"] is None
    assert call["finishedAt"] >= call["startedAt"]
    assert rig.sim.balance == 999.6  # the speech only


async def test_a_refused_webhook_is_sent_again_until_it_gets_200(rig: Rig) -> None:
    refusals = {"processed": 2}

    def answer(path: str, body: dict[str, Any]) -> int:
        status = _status(body)
        if refusals.get(status, 0) > 0:
            refusals[status] -= 1
            return 500
        return 200

    rig.receiver.answer = answer
    reply = await rig.create(webhookUrl=HOOK)
    await rig.sim.wait_idle()

    assert [t for t in rig.tries() if t[0] == "processed"] == [
        ("processed", 1, 500),
        ("processed", 2, 500),
        ("processed", 3, 200),
    ]
    assert [t for t in rig.tries() if t[0] != "processed"] == [
        ("started", 1, 200),
        ("answered", 1, 200),
        ("finished", 1, 200),
    ]
    processed = [b for b in rig.receiver.bodies() if _status(b) == "processed"]
    assert [b["webhookTry"] for b in processed] == [1, 2, 3]
    # The same delivery each time, but for its try number.
    assert len({json.dumps({**b, "webhookTry": 0}, sort_keys=True) for b in processed}) == 1
    assert (await rig.get(reply["id"]))[0]["webhookSent"] is True


async def test_a_webhook_refused_every_time_is_tried_three_times(rig: Rig) -> None:
    rig.receiver.answer = lambda path, body: 500
    reply = await rig.create(webhookUrl=HOOK)
    await settle(rig, steps=3 * int(RESEND / STEP))

    statuses = ["processed", "started", "answered", "finished"]
    assert sorted(rig.tries()) == [(s, n, 500) for s in sorted(statuses) for n in (1, 2, 3)]
    # Resends interleave, but no status goes out before the one before it did.
    assert [s for s, n, _ in rig.tries() if n == 1] == statuses
    [got] = await rig.get(reply["id"])
    assert got["webhookSent"] is False
    assert got["calls"][0]["status"] == "finished"


async def test_a_receiver_that_cannot_be_reached_is_tried_three_times(rig: Rig) -> None:
    def broken(path: str, body: dict[str, Any]) -> int:
        raise ConnectionResetError("the receiver hung up")

    rig.receiver.answer = broken
    rig.sim.set_outcome(PHONE, "busy")
    await rig.create(webhookUrl=HOOK)
    await rig.sim.wait_idle()
    assert len(rig.sim.deliveries) == 9  # three statuses, three tries each
    assert {(d.status_code, d.error) for d in rig.sim.deliveries} == {
        (None, "ConnectionResetError: the receiver hung up")
    }


# -- IVR -----------------------------------------------------------------------------------


IVRS = [
    {"digit": 1, "smsText": "Спасибо"},
    {
        "digit": 2,
        "needBlock": 1,
        "managerPhone": "79990000009",
        "webhookUrl": IVR_HOOK,
        "webhookParameters": '{"campaign": "spring", "call": "not the call"}',
        "webhookHeaders": '{"X-Secret": "s3cr3t"}',
    },
]


async def test_a_pressed_digit_runs_its_node_and_posts_the_ivr_webhook(rig: Rig) -> None:
    rig.sim.set_outcome(PHONE, "answered", answer=2)
    reply = await rig.create(webhookUrl=HOOK, ivrs=IVRS)
    await rig.sim.wait_idle()

    assert [path for path, _, _ in rig.receiver.got] == [
        "/status",
        "/status",
        "/status",
        "/ivr",
        "/status",
    ]
    [(_, body, headers)] = [g for g in rig.receiver.got if g[0] == "/ivr"]
    assert body == {"call": {"phone": PHONE, "answer": 2}, "campaign": "spring"}
    assert headers["x-secret"] == "s3cr3t"
    call = await rig.call(reply["id"])
    assert (call["ivrDigit"], call["ivrAnswers"], call["toBlock"]) == (2, "2", True)
    assert call["managerStatus"] == "answered"
    assert call["managerAnsweredAt"] >= call["managerStartedAt"] >= call["answeredAt"]
    assert [type(i) for i in call["ivrIdList"]] == [int]
    assert call["status"] == "finished"


@pytest.mark.parametrize("key_words", ["Да|нет|не знаю", "Да, нет, не знаю", "нет да"])
async def test_a_spoken_word_goes_to_the_node_with_that_key_word(rig: Rig, key_words: str) -> None:
    rig.sim.set_outcome(PHONE, "answered", answer="да")
    ivrs = [
        {"digit": 1, "webhookUrl": "http://hooks.test/digit"},
        {"keyWords": key_words, "webhookUrl": IVR_HOOK},
    ]
    reply = await rig.create(ivrs=ivrs)
    await rig.sim.wait_idle()
    assert rig.receiver.bodies("/ivr") == [{"call": {"phone": PHONE, "answer": "да"}}]
    assert rig.receiver.bodies("/digit") == []
    call = await rig.call(reply["id"])
    assert (call["ivrDigit"], call["ivrAnswers"], call["toBlock"]) == (None, "да", False)


async def test_an_answer_no_node_hears_goes_to_the_any_word_node(rig: Rig) -> None:
    rig.sim.set_outcome(PHONE, "answered", answer="может быть")
    ivrs = [{"keyWords": "да|нет"}, {"anyWord": 1, "webhookUrl": IVR_HOOK}]
    await rig.create(ivrs=ivrs)
    await rig.sim.wait_idle()
    assert rig.receiver.bodies("/ivr") == [{"call": {"phone": PHONE, "answer": "может быть"}}]


async def test_an_answer_no_node_takes_is_only_recorded(rig: Rig) -> None:
    rig.sim.set_outcome(PHONE, "answered", answer=5)
    reply = await rig.create(ivrs=IVRS)
    await rig.sim.wait_idle()
    call = await rig.call(reply["id"])
    assert (call["ivrDigit"], call["ivrAnswers"], call["ivrIdList"]) == (5, "5", None)
    assert (call["toBlock"], call["managerStatus"]) == (False, None)
    assert rig.sim.deliveries == []


async def test_a_refused_ivr_webhook_is_tried_three_times(rig: Rig) -> None:
    rig.receiver.answer = lambda path, body: 503
    rig.sim.set_outcome(PHONE, "answered", answer=2)
    await rig.create(ivrs=IVRS)
    await rig.sim.wait_idle()
    assert rig.tries("ivr") == [("ivr", 1, 503), ("ivr", 2, 503), ("ivr", 3, 503)]


async def test_sim_outcome_sets_how_a_phone_answers(rig: Rig) -> None:
    response = await rig.client.post(
        "/_sim/outcome", json={"phone": PHONE, "outcome": "answered", "answer": "да"}
    )
    assert response.status_code == 200
    assert rig.sim.outcomes[PHONE] == Outcome("answered", "да")


@pytest.mark.parametrize(
    "body",
    [
        {"phone": PHONE, "outcome": "maybe"},
        {"phone": "123", "outcome": "busy"},
        {"outcome": "busy"},
        {"phone": PHONE, "outcome": "busy", "answer": 1},
        {"phone": PHONE, "outcome": "answered", "answer": True},
        {"phone": PHONE, "outcome": "answered", "answer": [1]},
    ],
)
async def test_sim_outcome_refuses_what_it_cannot_play(rig: Rig, body: dict[str, Any]) -> None:
    response = await rig.client.post("/_sim/outcome", json=body)
    assert response.status_code == 400
    assert rig.sim.outcomes == {}


# -- moderation ------------------------------------------------------------------------------


async def test_account_moderation_holds_speech_calls_until_lifted(rig: Rig) -> None:
    record = await rig.ok("/apiCalls/createRecord", name="Файл", source="text", text="Привет")
    rig.sim.account_moderation = True
    held = await rig.create()
    free = await rig.create(phone=OTHER, record={"id": record["id"]})
    await settle(rig)
    assert (await rig.call(held["id"]))["status"] == "created"
    assert (await rig.call(free["id"]))["status"] == "finished"

    response = await rig.client.post("/_sim/moderation", json={"account": False})
    assert response.json() == {"started": [held["id"]]}
    await rig.sim.wait_idle()
    assert (await rig.call(held["id"]))["status"] == "finished"
    assert rig.sim.account_moderation is False


async def test_a_record_under_moderation_holds_its_calls_until_approved(rig: Rig) -> None:
    rig.sim.record_moderation = True
    record = await rig.ok("/apiCalls/createRecord", name="Акция", source="text", text="Скидки")
    assert (record["needModeration"], record["status"]) == (True, "moderation")
    reply = await rig.create(record={"id": record["id"]}, webhookUrl=HOOK)

    assert await rig.sim.moderate(record=record["id"], status="rejected", comment="Нет") == []
    await settle(rig)
    assert (await rig.call(reply["id"]))["status"] == "created"
    assert rig.sim.records[record["id"]].moderator_comment == "Нет"
    assert rig.receiver.got == []

    response = await rig.client.post(
        "/_sim/moderation", json={"record": record["id"], "status": "approved"}
    )
    assert response.json() == {"started": [reply["id"]]}
    await rig.sim.wait_idle()
    assert rig.receiver.statuses()[-1] == "finished"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"account": "no"},
        {"record": 999, "status": "approved"},
        {"record": 501, "status": "maybe"},
        {"record": 501},
    ],
)
async def test_sim_moderation_refuses_what_it_cannot_do(rig: Rig, body: dict[str, Any]) -> None:
    await rig.ok("/apiCalls/createRecord", name="Акция", source="text", text="Скидки")
    response = await rig.client.post("/_sim/moderation", json=body)
    assert response.status_code == 400
    assert rig.sim.records[501].status == "approved"


# -- planned calls, update and remove --------------------------------------------------


async def test_a_planned_call_waits_and_update_moves_it(rig: Rig) -> None:
    later = int(time.time()) + 3600
    reply = await rig.create(plannedAt=later, webhookUrl=HOOK)
    assert reply["plannedAt"] == later
    await rig.sim.wait_idle(timeout=1)  # a waiting call is not work in progress
    await settle(rig)
    assert (await rig.call(reply["id"]))["status"] == "created"
    assert rig.receiver.got == []

    even_later = later + 60
    moved = await rig.ok(
        "/apiCalls/update", callList=[{"id": reply["id"], "replannedAt": even_later}]
    )
    assert moved == {"callIdList": [reply["id"]]}
    assert (await rig.get(reply["id"]))[0]["plannedAt"] == even_later

    now = int(time.time())
    await rig.ok("/apiCalls/update", callList=[{"id": reply["id"], "replannedAt": now}])
    await rig.sim.wait_idle()
    assert rig.receiver.statuses() == ["processed", "started", "answered", "finished"]
    assert rig.receiver.bodies()[0]["plannedAt"] == now


async def test_a_planned_call_starts_at_its_time(rig: Rig) -> None:
    soon = int(time.time()) + 1
    reply = await rig.create(plannedAt=soon)
    assert (await rig.call(reply["id"]))["status"] == "created"
    await asyncio.sleep(soon - time.time() + 0.05)
    await rig.sim.wait_idle()
    assert (await rig.call(reply["id"]))["status"] == "finished"
    assert (await rig.call(reply["id"]))["startedAt"] >= soon


async def test_update_leaves_calls_that_started_or_do_not_exist(rig: Rig) -> None:
    done = await rig.create()
    await rig.sim.wait_idle()
    later = int(time.time()) + 3600
    moved = await rig.ok(
        "/apiCalls/update",
        callList=[{"id": done["id"], "replannedAt": later}, {"id": 999, "replannedAt": later}],
    )
    assert moved == {"callIdList": []}
    assert (await rig.get(done["id"]))[0]["plannedAt"] is None


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({}, "callList"),
        ({"callList": [{"id": 1001}]}, "callList.0.replannedAt"),
        ({"callList": [{"replannedAt": FAR}]}, "callList.0.id"),
        ({"callList": [{"id": 1001, "replannedAt": "tomorrow"}]}, "callList.0.replannedAt"),
    ],
)
async def test_update_refuses_a_bad_call_list(rig: Rig, fields: dict[str, Any], path: str) -> None:
    assert path in await rig.invalid("/apiCalls/update", **fields)


async def test_remove_takes_only_calls_not_started(rig: Rig) -> None:
    later = int(time.time()) + 3600
    first = await rig.create(plannedAt=later)
    second = await rig.create(plannedAt=later, phone=OTHER)
    done = await rig.create(phone=THIRD)
    await rig.sim.wait_idle()

    ids = [first["id"], second["id"], done["id"], 999]
    assert await rig.ok("/apiCalls/remove", idList=ids) == {
        "callIdList": [first["id"], second["id"]]
    }
    assert [c["id"] for c in await rig.get(*ids)] == [done["id"]]
    assert sorted(rig.sim.calls) == [done["id"]]


async def test_remove_one_call_answers_an_empty_list(rig: Rig) -> None:
    reply = await rig.create(plannedAt=int(time.time()) + 3600)
    assert await rig.ok("/apiCalls/remove", id=reply["id"]) == []
    assert await rig.get(reply["id"]) == []
    assert await rig.refused("/apiCalls/remove", id=reply["id"])


async def test_a_removed_call_posts_no_webhooks(rig: Rig) -> None:
    rig.sim.step_delay = 0.1  # time enough to remove it before its first step
    reply = await rig.create(webhookUrl=HOOK)
    assert await rig.ok("/apiCalls/remove", idList=[reply["id"]]) == {"callIdList": [reply["id"]]}
    await settle(rig, steps=30)
    assert rig.sim.deliveries == []


async def test_remove_needs_is_template_for_template_calls_only(rig: Rig) -> None:
    later = int(time.time()) + 3600
    [templated] = await rig.ok(
        "/apiCalls/createWithTemplate", phone=PHONE, templateId=1, plannedAt=later
    )
    plain = await rig.create(plannedAt=later)
    assert await rig.ok("/apiCalls/remove", idList=[templated["id"]]) == {"callIdList": []}
    assert await rig.ok("/apiCalls/remove", idList=[plain["id"]], isTemplate=1) == {
        "callIdList": []
    }
    assert await rig.ok("/apiCalls/remove", idList=[templated["id"]], isTemplate=1) == {
        "callIdList": [templated["id"]]
    }
    assert await rig.ok("/apiCalls/remove", idList=[plain["id"]], isTemplate=0) == {
        "callIdList": [plain["id"]]
    }


@pytest.mark.parametrize(
    ("fields", "path"),
    [({}, "idList"), ({"idList": [1001, "x"]}, "idList.1"), ({"id": 1, "idList": [2]}, "id")],
)
async def test_remove_refuses_bad_ids(rig: Rig, fields: dict[str, Any], path: str) -> None:
    assert path in await rig.invalid("/apiCalls/remove", **fields)


# -- get --------------------------------------------------------------------------------


async def test_get_answers_in_the_order_asked_and_leaves_out_unknown_ids(rig: Rig) -> None:
    first = await rig.create(plannedAt=FAR)
    second = await rig.create(plannedAt=FAR, phone=OTHER)
    found = await rig.get(second["id"], 999, first["id"])
    assert [c["id"] for c in found] == [second["id"], first["id"]]
    assert list(found[0]) == API_CALL_KEYS
    assert found[0]["calls"][0]["status"] == "created"


async def test_get_takes_the_ids_from_the_query_string_as_the_page_shows(rig: Rig) -> None:
    first = await rig.create(plannedAt=FAR)
    second = await rig.create(plannedAt=FAR, phone=OTHER)
    response = await rig.client.post(
        "/apiCalls/get",
        params=[("apiCallIdList[]", first["id"]), ("apiCallIdList[]", second["id"])],
        json={"apiKey": KEY},
    )
    assert [c["id"] for c in response.json()["data"]] == [first["id"], second["id"]]


async def test_get_and_get_with_templates_each_answer_their_own_calls(rig: Rig) -> None:
    plain = await rig.create(plannedAt=FAR)
    [templated] = await rig.ok(
        "/apiCalls/createWithTemplate", phone=OTHER, templateId=1, plannedAt=FAR
    )
    ids = (plain["id"], templated["id"])
    assert [c["id"] for c in await rig.get(*ids)] == [plain["id"]]
    [found] = await rig.get(*ids, path="/apiCalls/getWithTemplates")
    assert found["id"] == templated["id"]
    assert (found["templateId"], found["phoneInfo"]) == (1, "{}")


@pytest.mark.parametrize(
    ("ids", "path"),
    [
        ([], "apiCallIdList"),
        ([1001, "x"], "apiCallIdList.1"),
        (list(range(1, 5002)), "apiCallIdList"),
    ],
)
async def test_get_refuses_bad_id_lists(rig: Rig, ids: list[Any], path: str) -> None:
    assert path in await rig.invalid("/apiCalls/get", apiCallIdList=ids)


async def test_get_takes_five_thousand_ids(rig: Rig) -> None:
    assert await rig.get(*range(1, 5001)) == []


# -- createWithTemplate ------------------------------------------------------------------


async def test_create_with_template_reads_variables_the_pages_way_round(rig: Rig) -> None:
    rig.sim.templates[1]["webhookUrl"] = HOOK
    replies = await rig.ok(
        "/apiCalls/createWithTemplate",
        phones=[PHONE, OTHER],
        templateId=1,
        variables={
            PHONE: {"Elena": "{name}", "40%": "{var1}"},
            OTHER: {"Oleg": "{name}", "25%": "{var1}"},
        },
    )
    assert [(r["phone"], r["templateId"], r["phoneInfo"]) for r in replies] == [
        (PHONE, 1, '{"name":"Elena","var1":"40%"}'),
        (OTHER, 1, '{"name":"Oleg","var1":"25%"}'),
    ]
    assert all(
        set(r) == {"id", "phone", "templateId", "phoneInfo", "createdAt", "plannedAt"}
        for r in replies
    )
    first = rig.sim.calls[replies[0]["id"]]
    assert first.record_text == "Здравствуйте, Elena! Скидка 40%"
    assert first.outgoing_phone == rig.sim.templates[1]["outgoingPhone"]

    await rig.sim.wait_idle()
    finished = [b for b in rig.receiver.bodies() if _status(b) == "finished"]
    assert sorted(b["id"] for b in finished) == [r["id"] for r in replies]
    assert {b["templateId"] for b in finished} == {1}
    assert rig.sim.balance == 997.0  # two calls; the template's speech is made already


async def test_create_with_an_unmoderated_or_unknown_template_is_refused(rig: Rig) -> None:
    path = "/apiCalls/createWithTemplate"
    assert await rig.refused(path, phone=PHONE, templateId=2) == "Шаблон не прошёл модерацию"
    assert await rig.refused(path, phone=PHONE, templateId=99)
    assert rig.sim.calls == {}


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"variables": {PHONE: {"Elena": "name"}}}, f"variables.{PHONE}.Elena"),
        ({"variables": {PHONE: ["Elena"]}}, f"variables.{PHONE}"),
        ({"variables": "Elena"}, "variables"),
        ({"templateId": DROP}, "templateId"),
        ({"phone": "8999"}, "phone"),
        ({"phone": DROP, "phones": [PHONE] * 5001}, "phones"),
    ],
)
async def test_create_with_template_refuses_bad_fields(
    rig: Rig, fields: dict[str, Any], path: str
) -> None:
    body = {"phone": PHONE, "templateId": 1, **fields}
    assert path in await rig.invalid("/apiCalls/createWithTemplate", **body)


# -- records ------------------------------------------------------------------------------


async def test_create_record_from_text(rig: Rig) -> None:
    record = await rig.ok("/apiCalls/createRecord", name="Привет", source="text", text="Привет!")
    assert record == {
        "id": 501,
        "createdAt": record["createdAt"],
        "needModeration": False,
        "moderatorComment": None,
        "name": "Привет",
        "path": "https://zvonobot-sim.invalid/records/r501.mp3",
        "status": "approved",
        "recordText": "Привет!",
        "cost": 0.4,
    }
    assert rig.sim.balance == 999.6


async def test_create_record_from_a_file_over_multipart(rig: Rig) -> None:
    response = await rig.client.post(
        "/apiCalls/createRecord",
        data={"apiKey": KEY, "name": "Голос", "source": "file"},
        files={"file": ("voice.mp3", b"ID3\x04fake mp3", "audio/mpeg")},
    )
    record = response.json()["data"]
    assert (record["id"], record["recordText"], record["cost"]) == (501, None, 0)
    assert rig.sim.records[501].file_name == "voice.mp3"
    assert rig.sim.balance == 1000.0


async def test_create_record_over_multipart_checks_the_key(rig: Rig) -> None:
    response = await rig.client.post(
        "/apiCalls/createRecord",
        data={"apiKey": "wrong", "name": "Голос", "source": "file"},
        files={"file": ("voice.mp3", b"ID3", "audio/mpeg")},
    )
    assert response.status_code == 401
    assert rig.sim.records == {}


async def test_create_record_refuses_an_empty_file(rig: Rig) -> None:
    response = await rig.client.post(
        "/apiCalls/createRecord",
        data={"apiKey": KEY, "name": "Голос", "source": "file"},
        files={"file": ("voice.mp3", b"", "audio/mpeg")},
    )
    assert response.status_code == 422
    assert list(response.json()["data"]["errors"]) == ["file"]


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"name": DROP}, "name"),
        ({"source": DROP}, "source"),
        ({"source": "mp3"}, "source"),
        ({"text": DROP}, "text"),
        ({"text": "я" * 1025}, "text"),
        ({"source": "file", "text": DROP}, "file"),
    ],
)
async def test_create_record_refuses_bad_fields(
    rig: Rig, fields: dict[str, Any], path: str
) -> None:
    body = {"name": "Привет", "source": "text", "text": "Привет", **fields}
    assert path in await rig.invalid("/apiCalls/createRecord", **body)
    assert rig.sim.records == {}


async def test_remove_record_answers_one_object_or_a_list(rig: Rig) -> None:
    ids = [
        (await rig.ok("/apiCalls/createRecord", name=n, source="text", text=n))["id"]
        for n in ("a", "b", "c")
    ]
    one = await rig.ok("/apiCalls/removeRecord", idList=[ids[0]])
    assert list(one) == [
        "id",
        "createdAt",
        "name",
        "path",
        "moderatorComment",
        "needModeration",
        "status",
        "deletedAt",
    ]
    assert (one["id"], one["name"]) == (ids[0], "a")
    assert one["deletedAt"] is not None
    several = await rig.ok("/apiCalls/removeRecord", idList=ids[1:])
    assert [r["id"] for r in several] == ids[1:]
    assert all(rig.sim.records[i].deleted_at is not None for i in ids)


async def test_remove_record_of_an_unknown_id_is_refused_and_removes_none(rig: Rig) -> None:
    record = await rig.ok("/apiCalls/createRecord", name="a", source="text", text="a")
    assert await rig.refused("/apiCalls/removeRecord", idList=[record["id"], 999]) == NO_RECORD
    assert rig.sim.records[record["id"]].deleted_at is None


async def test_a_removed_record_can_no_longer_be_called_with(rig: Rig) -> None:
    record = await rig.ok("/apiCalls/createRecord", name="a", source="text", text="a")
    await rig.ok("/apiCalls/removeRecord", idList=[record["id"]])
    assert await rig.refused("/apiCalls/create", **CALL | {"record": {"id": record["id"]}}) == (
        NO_RECORD
    )
    assert await rig.refused("/apiCalls/removeRecord", idList=[record["id"]]) == NO_RECORD


# -- account, numbers, languages, templates, verification ----------------------------------


async def test_user_info_shows_the_balance(rig: Rig) -> None:
    assert await rig.ok("/apiCalls/userInfo") == {"id": 4242, "balance": 1000.0}
    rig.sim.balance = 12.5
    assert await rig.ok("/apiCalls/userInfo") == {"id": 4242, "balance": 12.5}


async def test_get_phones_lists_personal_numbers_unless_all(rig: Rig) -> None:
    personal = await rig.ok("/apiCalls/getPhones")
    assert [p["phone"] for p in personal] == ["74950000001", "74950000002"]
    assert {p["overall"] for p in personal} == {0}
    assert await rig.ok("/apiCalls/getPhones", all=True) == rig.sim.phones
    assert len(rig.sim.phones) == 3
    assert "all" in await rig.invalid("/apiCalls/getPhones", all="sometimes")


async def test_get_available_languages_over_post(rig: Rig) -> None:
    assert await rig.ok("/apiCalls/getAvailableLanguages") == [
        {"id": 1, "name": "Русский", "defaultLangCode": "ru-RU"},
        {"id": 2, "name": "English", "defaultLangCode": "en-US"},
    ]


@pytest.mark.parametrize(("only", "ids"), [(DROP, [1, 2]), (0, [1, 2]), (1, [1]), (True, [1])])
async def test_get_templates(rig: Rig, only: object, ids: list[int]) -> None:
    templates = await rig.ok("/apiCalls/getTemplates", onlyModerated=only)
    assert [t["id"] for t in templates] == ids
    assert set(templates[0]) == {"id", "name", "status", "recordText", "outgoingPhone", "createdAt"}
    assert templates[0]["status"] == "moderated"


async def test_confirm_phone_answers_done(rig: Rig) -> None:
    assert await rig.ok("/apiVerificationPhones/confirmPhone", phone=PHONE, pin="1234") == "done"
    assert rig.sim.verifications == [{"phone": PHONE, "pin": "1234"}]


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"pin": "123"}, "pin"),
        ({"pin": "12a4"}, "pin"),
        ({"pin": 1234}, "pin"),
        ({"pin": DROP}, "pin"),
        ({"phone": "8999"}, "phone"),
    ],
)
async def test_confirm_phone_refuses_bad_fields(
    rig: Rig, fields: dict[str, Any], path: str
) -> None:
    body = {"phone": PHONE, "pin": "1234", **fields}
    assert path in await rig.invalid("/apiVerificationPhones/confirmPhone", **body)
    assert rig.sim.verifications == []


# -- bookkeeping ----------------------------------------------------------------------------


async def test_requests_are_counted_by_path(rig: Rig) -> None:
    await rig.create()
    await rig.post("/apiCalls/create", apiKey="wrong")
    await rig.post("/apiCalls/create")  # 422
    await rig.get(1001)
    await rig.client.get("/apiCalls/getAvailableLanguages", params={"apiKey": KEY})
    assert rig.sim.requests["/apiCalls/create"] == 3
    assert rig.sim.requests["/apiCalls/get"] == 1
    assert rig.sim.requests["/apiCalls/getAvailableLanguages"] == 1
    assert rig.sim.requests["/apiCalls/userInfo"] == 0


async def test_sim_state_sums_up(rig: Rig) -> None:
    await rig.ok("/apiCalls/createRecord", name="a", source="text", text="a")
    await rig.create()
    await rig.create(phone=OTHER, plannedAt=FAR)
    await rig.sim.wait_idle()
    state = (await rig.client.get("/_sim/state")).json()
    assert state["balance"] == rig.sim.balance == round(1000 - 0.4 * 3 - 1.5, 2)
    assert state["calls"] == {"finished": 1, "created": 1}
    assert state["records"] == [{"id": 501, "name": "a", "status": "approved", "deleted": False}]
    assert state["requests"]["/apiCalls/create"] == 2
    assert KEY not in json.dumps(state)


async def test_a_simulator_with_its_own_client_closes_it() -> None:
    sim = ZvonobotSimulator(KEY, step_delay=STEP)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://zvonobot.test"
    ) as client:
        response = await client.post("/apiCalls/create", json={"apiKey": KEY, **CALL})
        assert response.json()["status"] == "success"
    await sim.aclose()  # cancels the call mid-way; nothing is left running
    assert sim.calls[1001].status == "created"
