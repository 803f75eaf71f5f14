"""Zvonobot's replies and webhooks read into Callboard's model, checked against the page
(shared/vendor-docs/zvonobot-apicalls.txt): an apiCall shaped as its `apiCalls/get` reply,
its statuses and their hang-up causes, the IVR webhook's body ({"call": {"phone", "answer"}}
plus the parameters given), and the other replies the page shows.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callboard.domain.calls import (
    Call,
    CallDirection,
    CallEventKind,
    CallSignal,
    CallStatus,
    apply_signal,
)
from callboard.domain.directory import ModerationStatus
from callboard.domain.errors import ProviderUnavailable
from callboard.domain.robocalls import Balance, Language
from callboard.providers.zvonobot import mapping

T0 = 1717421951  # 2024-06-03 13:39:11 UTC: when the call was created
CREATED = datetime(2024, 6, 3, 13, 39, 11, tzinfo=UTC)
RECEIVED = datetime(2024, 6, 3, 18, 0, tzinfo=UTC)  # the report came much later
REF = "a1b2c3d4e5f60718"
HOOK = "http://cb/webhooks/zb?key=0123456789abcdef0123456789abcdef"
RECORDING = "https://files.zvonobot.ru/records/1001.mp3"


def at(offset: int) -> datetime:
    return CREATED + timedelta(seconds=offset)


def a_leg(**changes: Any) -> dict[str, Any]:
    """One `calls[]` item of the page's get reply: a call that was answered and finished."""
    leg = {
        "phone": "79123456789",
        "ivrDigit": 1,
        "startedAt": T0 + 60,
        "answeredAt": T0 + 75,
        "managerStartedAt": T0 + 90,
        "managerAnsweredAt": T0 + 95,
        "finishedAt": T0 + 175,
        "toBlock": 0,
        "status": "finished",
        "nextCallId": None,
        "hangupCause": 16,
        "managerStatus": "answered",
        "recordFilePath": RECORDING,
        "cost": 1.5,
        "createdAt": T0,
        "updatedAt": T0 + 176,
        "label": "82.202.206.194",
        "ivrAnswers": "1|-1",
        "ivrIdList": [11],
        "comment": None,
    }
    leg.update(changes)
    return leg


def an_api_call(**changes: Any) -> dict[str, Any]:
    """One apiCall as the page's get reply shows it (and the status webhook posts it)."""
    call = {
        "id": 1001,
        "createdAt": T0,
        "smartDelay": 15,
        "prevCallId": None,
        "needRecording": 1,
        "plannedAt": T0 + 30,
        "webhookUrl": HOOK,
        "webhookSent": False,
        "amoscriptId": None,
        "webhookParameters": json.dumps({"crm_lead": "L-7", "callboard_ref": REF}),
        "webhookTry": 1,
        "recognitionGroupId": None,
        "generateGroupId": None,
        "calls": [a_leg()],
    }
    call.update(changes)
    return call


def signals_of(api_call: dict[str, Any], region: str = "RU") -> list[CallSignal]:
    return mapping.call_signals(api_call, received_at=RECEIVED, region=region)


def status_of(api_call: dict[str, Any]) -> CallSignal:
    (signal,) = [s for s in signals_of(api_call) if s.kind is CallEventKind.STATUS_CHANGED]
    return signal


# --- call_status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "status"),
    [
        ("created", CallStatus.QUEUED),
        ("processed", CallStatus.QUEUED),
        ("started", CallStatus.DIALING),
        ("answered", CallStatus.IN_PROGRESS),
        ("finished", CallStatus.COMPLETED),
        ("Finished", CallStatus.COMPLETED),
        (" answered ", CallStatus.IN_PROGRESS),
    ],
)
def test_every_live_and_finished_status_on_the_page(vendor: str, status: CallStatus) -> None:
    assert mapping.call_status(vendor) is status


@pytest.mark.parametrize(
    ("cause", "status"),
    [
        (17, CallStatus.BUSY),
        ("17", CallStatus.BUSY),
        (18, CallStatus.NO_ANSWER),
        (19, CallStatus.NO_ANSWER),
        ("19", CallStatus.NO_ANSWER),
        (21, CallStatus.REJECTED),
        (20, CallStatus.UNREACHABLE),
        (1, CallStatus.UNREACHABLE),
        (3, CallStatus.UNREACHABLE),
        (27, CallStatus.UNREACHABLE),
        (28, CallStatus.UNREACHABLE),
        (38, CallStatus.UNREACHABLE),
        ("USER_BUSY", CallStatus.BUSY),
        ("busy", CallStatus.BUSY),
        ("NO_ANSWER", CallStatus.NO_ANSWER),
        ("NOANSWER", CallStatus.NO_ANSWER),
        ("CALL_REJECTED", CallStatus.REJECTED),
        ("UNALLOCATED_NUMBER", CallStatus.UNREACHABLE),
        ("NORMAL_CIRCUIT_CONGESTION", CallStatus.UNREACHABLE),
        ("SUBSCRIBER_ABSENT", CallStatus.UNREACHABLE),
        (None, CallStatus.NO_ANSWER),  # no conversation, no reason given
        ("", CallStatus.NO_ANSWER),
        ("16", CallStatus.NO_ANSWER),
    ],
)
def test_canceled_is_told_apart_by_its_hangup_cause(cause: Any, status: CallStatus) -> None:
    assert mapping.call_status("canceled", hangup_cause=cause) is status
    assert mapping.call_status("cancelled", hangup_cause=cause) is status


@pytest.mark.parametrize("cause", [None, 17, 19, 21, 20, "USER_BUSY"])
def test_canceled_before_it_was_ever_dialled_is_canceled(cause: Any) -> None:
    assert mapping.call_status("canceled", hangup_cause=cause, dialled=False) is (
        CallStatus.CANCELED
    )


@pytest.mark.parametrize("vendor", [None, "", "deleted", "unknown", 5])
def test_a_status_the_page_does_not_name_is_unknown(vendor: Any) -> None:
    assert mapping.call_status(vendor) is None


# --- call_signals -------------------------------------------------------------------------


def test_a_finished_call_as_the_page_shows_it() -> None:
    api_call = an_api_call()
    status, recording = signals_of(api_call)
    assert status.kind is CallEventKind.STATUS_CHANGED
    assert status.status is CallStatus.COMPLETED
    assert status.refs == ("1001", f"{REF}:79123456789")
    assert status.direction is CallDirection.OUTBOUND
    assert status.to_number == "+79123456789"
    assert status.exact_times is True
    assert status.occurred_at == RECEIVED
    assert status.started_at == at(60)
    assert status.answered_at == at(75)
    assert status.ended_at == at(175)
    assert status.duration_seconds == 100  # finishedAt - answeredAt: the conversation
    assert status.raw == api_call
    assert recording.kind is CallEventKind.RECORDING_READY
    assert recording.recording_url == RECORDING
    assert recording.status is None
    assert recording.refs == status.refs


def test_vendor_times_are_aware_utc() -> None:
    status = status_of(an_api_call())
    for moment in (status.started_at, status.answered_at, status.ended_at):
        assert moment is not None
        assert moment.utcoffset() == timedelta(0)


def test_times_given_as_digit_strings_are_read_too() -> None:
    leg = a_leg(startedAt=str(T0 + 60), answeredAt=f"{T0 + 75}", finishedAt=f"{T0 + 175}")
    status = status_of(an_api_call(calls=[leg]))
    assert (status.started_at, status.answered_at, status.ended_at) == (at(60), at(75), at(175))
    assert status.duration_seconds == 100


def test_a_call_not_yet_dialled_has_no_times() -> None:
    leg = a_leg(
        status="created",
        startedAt=None,
        answeredAt=0,
        finishedAt=None,
        managerStartedAt=None,
        managerAnsweredAt=None,
        recordFilePath=None,
        hangupCause=None,
    )
    (status,) = signals_of(an_api_call(calls=[leg]))
    assert status.status is CallStatus.QUEUED
    assert (status.started_at, status.answered_at, status.ended_at) == (None, None, None)
    assert status.duration_seconds is None


def test_an_unanswered_call_has_no_duration() -> None:
    leg = a_leg(status="canceled", hangupCause=19, answeredAt=None, recordFilePath="")
    (status,) = signals_of(an_api_call(calls=[leg]))
    assert status.status is CallStatus.NO_ANSWER
    assert status.started_at == at(60)
    assert status.answered_at is None
    assert status.ended_at == at(175)
    assert status.duration_seconds is None


@pytest.mark.parametrize(
    ("cause", "expected"),
    [(17, CallStatus.BUSY), (21, CallStatus.REJECTED), (20, CallStatus.UNREACHABLE)],
)
def test_a_dialled_canceled_call_reads_its_cause(cause: int, expected: CallStatus) -> None:
    leg = a_leg(status="canceled", hangupCause=cause, answeredAt=None, recordFilePath=None)
    assert status_of(an_api_call(calls=[leg])).status is expected


def test_a_canceled_call_never_dialled_is_canceled() -> None:
    """Removed (apiCalls/remove) or given up before its first ring."""
    leg = a_leg(
        status="canceled",
        hangupCause=None,
        startedAt=None,
        answeredAt=None,
        finishedAt=None,
        recordFilePath=None,
    )
    assert status_of(an_api_call(calls=[leg])).status is CallStatus.CANCELED


def test_the_last_leg_is_the_current_one() -> None:
    first = a_leg(status="canceled", hangupCause=17, answeredAt=None, recordFilePath=None)
    status = status_of(an_api_call(calls=[first, a_leg()]))
    assert status.status is CallStatus.COMPLETED


def test_the_ref_link_inside_the_echoed_webhook_parameters() -> None:
    assert status_of(an_api_call()).refs == ("1001", f"{REF}:79123456789")


def test_the_ref_link_merged_into_the_body_top_level() -> None:
    """The status webhook adds the webhookParameters' fields to the body."""
    api_call = an_api_call(webhookParameters=None, callboard_ref=REF, crm_lead="L-7")
    assert status_of(api_call).refs == ("1001", f"{REF}:79123456789")


def test_the_ref_link_in_parameters_already_decoded() -> None:
    api_call = an_api_call(webhookParameters={"callboard_ref": REF})
    assert status_of(api_call).refs == ("1001", f"{REF}:79123456789")


@pytest.mark.parametrize(
    "parameters", [None, "", "{not json", json.dumps({"crm_lead": "L-7"}), "[1, 2]"]
)
def test_without_callboards_ref_the_call_id_is_the_only_ref(parameters: Any) -> None:
    assert status_of(an_api_call(webhookParameters=parameters)).refs == ("1001",)


def test_a_call_id_sent_as_text_is_the_same_ref() -> None:
    assert status_of(an_api_call(id="1001")).refs[0] == "1001"


def test_no_recording_no_recording_signal() -> None:
    for path in (None, ""):
        kinds = [s.kind for s in signals_of(an_api_call(calls=[a_leg(recordFilePath=path)]))]
        assert kinds == [CallEventKind.STATUS_CHANGED]


def test_the_callee_read_in_the_providers_region() -> None:
    leg = a_leg(phone="380501234567")
    assert status_of(an_api_call(calls=[leg])).to_number == "+380501234567"


def test_calls_given_as_one_object_are_read_as_one_leg() -> None:
    """The module reads replies leniently ("one object may come where a list was shown")."""
    api_call = an_api_call(calls=a_leg())
    status = status_of(api_call)
    assert status.status is CallStatus.COMPLETED
    assert status.to_number == "+79123456789"


# --- apply_signal with Zvonobot's signals -----------------------------------------------


def a_call() -> Call:
    """A robocall as Callboard stores it once Zvonobot accepted it."""
    return Call(
        id="call-1",
        provider_id="zb",
        direction=CallDirection.OUTBOUND,
        status=CallStatus.QUEUED,
        created_at=CREATED,
        provider_call_id="1001",
        to_number="+79123456789",
    )


def test_a_created_call_has_no_start_time() -> None:
    created = an_api_call(
        calls=[
            a_leg(
                status="created",
                startedAt=None,
                answeredAt=None,
                finishedAt=None,
                recordFilePath=None,
            )
        ]
    )
    call = apply_signal(a_call(), status_of(created))
    assert call.status is CallStatus.QUEUED
    assert (call.started_at, call.answered_at, call.ended_at) == (None, None, None)


def test_times_come_from_the_vendor_not_from_when_the_report_came() -> None:
    call = a_call()
    started = an_api_call(
        calls=[a_leg(status="started", answeredAt=None, finishedAt=None, recordFilePath=None)]
    )
    call = apply_signal(call, status_of(started))
    assert call.status is CallStatus.DIALING
    assert call.started_at == at(60)
    assert call.answered_at is None
    for signal in signals_of(an_api_call()):
        call = apply_signal(call, signal)
    assert call.status is CallStatus.COMPLETED
    assert (call.started_at, call.answered_at, call.ended_at) == (at(60), at(75), at(175))
    assert call.duration_seconds == 100
    assert call.recording_url == RECORDING
    assert RECEIVED not in (call.started_at, call.answered_at, call.ended_at)


def test_a_late_started_report_does_not_undo_a_finished_call() -> None:
    call = apply_signal(a_call(), status_of(an_api_call()))
    started = an_api_call(
        calls=[a_leg(status="started", answeredAt=None, finishedAt=None, recordFilePath=None)]
    )
    call = apply_signal(call, status_of(started))
    assert call.status is CallStatus.COMPLETED
    assert call.ended_at == at(175)
    assert call.duration_seconds == 100


# --- ivr_signal -----------------------------------------------------------------------


def ivr_body(answer: Any = 1, **extra: Any) -> dict[str, Any]:
    """The page's IVR webhook body: {"call": {"phone", "answer"}} plus the parameters."""
    body: dict[str, Any] = {"call": {"phone": "79123456789", "answer": answer}}
    body.update({"crm_lead": "L-7", "callboard_ref": REF, "callboard_node": "0"})
    body.update(extra)
    return body


def test_an_ivr_answer_is_tied_to_its_call() -> None:
    body = ivr_body()
    signal = mapping.ivr_signal(body, received_at=RECEIVED, region="RU")
    assert signal.kind is CallEventKind.IVR_INPUT
    assert signal.refs == (f"{REF}:79123456789",)
    assert signal.status is None
    assert signal.direction is CallDirection.OUTBOUND
    assert signal.to_number == "+79123456789"
    assert signal.occurred_at == RECEIVED
    assert signal.raw["answer"] == 1
    assert signal.raw["node"] == "0"
    assert signal.raw["crm_lead"] == "L-7", "the client's parameters ride along"
    assert signal.raw["call"] == {"phone": "79123456789", "answer": 1}


def test_a_spoken_ivr_answer() -> None:
    signal = mapping.ivr_signal(ivr_body("да"), received_at=RECEIVED, region="RU")
    assert signal.raw["answer"] == "да"


def test_the_ivr_ref_links_the_placed_call() -> None:
    """The IVR webhook carries only the phone: the link is what finds the call."""
    (placed,) = mapping.placed_calls(
        {"id": 1001, "phone": "79123456789"}, region="RU", outgoing=None, ref=REF
    )
    signal = mapping.ivr_signal(ivr_body(), received_at=RECEIVED, region="RU")
    assert set(signal.refs) <= set(placed.refs)
    assert set(signal.refs) <= set(status_of(an_api_call()).refs)


def test_an_ivr_answer_with_the_ref_inside_webhook_parameters() -> None:
    body = {
        "call": {"phone": "79123456789", "answer": 2},
        "webhookParameters": json.dumps({"callboard_ref": REF}),
    }
    signal = mapping.ivr_signal(body, received_at=RECEIVED, region="RU")
    assert signal.refs == (f"{REF}:79123456789",)


def test_an_ivr_answer_without_callboards_ref_names_no_call() -> None:
    body = {"call": {"phone": "79123456789", "answer": 2}}
    signal = mapping.ivr_signal(body, received_at=RECEIVED, region="RU")
    assert signal.refs == ()
    assert signal.raw["answer"] == 2


# --- details ----------------------------------------------------------------------------


def test_details_of_a_finished_call() -> None:
    raw = an_api_call(prevCallId=998, calls=[a_leg(nextCallId=1002)])
    found = mapping.details(raw)
    assert found is not None
    assert found.vendor_status == "finished"
    assert found.planned_at == at(30)
    assert found.ivr_digit == 1
    assert found.ivr_answers == ("1", "-1")
    assert found.blocked is False
    assert found.manager_status == "answered"
    assert found.manager_started_at == at(90)
    assert found.manager_answered_at == at(95)
    assert found.hangup_cause == "16"
    assert found.cost == pytest.approx(1.5)
    assert found.template_id is None
    assert found.template_variables == {}
    assert found.smart_delay == 15
    assert found.previous_call_id == "998"
    assert found.next_call_id == "1002"


def test_an_ivr_digit_of_minus_1_stayed_on_the_line() -> None:
    """The page: -1 means the callee stayed on the line ("Остаться на линии")."""
    found = mapping.details(an_api_call(calls=[a_leg(ivrDigit=-1, ivrAnswers="-1")]))
    assert found is not None
    assert found.ivr_digit == -1
    assert found.ivr_answers == ("-1",)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [("да|нет|2", ("да", "нет", "2")), ("1", ("1",)), ("", ()), (None, ()), ("1||2|", ("1", "2"))],
)
def test_ivr_answers_are_split_on_the_bar(answers: Any, expected: tuple[str, ...]) -> None:
    found = mapping.details(an_api_call(calls=[a_leg(ivrAnswers=answers)]))
    assert found is not None
    assert found.ivr_answers == expected


def test_details_of_a_template_call() -> None:
    raw = an_api_call(templateId=1, phoneInfo='{"name":"Elena","var1":"40%"}')
    found = mapping.details(raw)
    assert found is not None
    assert found.template_id == 1
    assert found.template_variables == {"name": "Elena", "var1": "40%"}


@pytest.mark.parametrize("info", ["{oops", None, "[]", 5])
def test_phone_info_that_is_not_an_object_gives_no_variables(info: Any) -> None:
    found = mapping.details(an_api_call(templateId=1, phoneInfo=info))
    assert found is not None
    assert found.template_variables == {}


@pytest.mark.parametrize(
    ("cost", "expected"), [(1.5, 1.5), ("2.40", 2.4), (0, 0.0), (None, None), ("n/a", None)]
)
def test_details_cost(cost: Any, expected: float | None) -> None:
    found = mapping.details(an_api_call(calls=[a_leg(cost=cost)]))
    assert found is not None
    assert found.cost == expected


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        (1.5, (1.5, "RUB")),
        ("2.40", (2.4, "RUB")),
        (0, (0.0, "RUB")),
        *[(bad, (None, None)) for bad in (None, "n/a", "nan", "inf")],
    ],
)
def test_a_calls_cost_is_in_rubles_as_the_page_says(cost: Any, expected: Any) -> None:
    status, *_ = mapping.call_signals(
        an_api_call(calls=[a_leg(cost=cost)]), received_at=RECEIVED, region="RU"
    )
    assert (status.cost, status.currency) == expected


@pytest.mark.parametrize(
    ("to_block", "blocked"),
    [(0, False), (1, True), (False, False), (True, True), ("0", False), ("1", True), (None, None)],
    ids=["0", "1", "false", "true", "text-0", "text-1", "none"],
)
def test_details_blocked(to_block: Any, blocked: bool | None) -> None:
    found = mapping.details(an_api_call(calls=[a_leg(toBlock=to_block)]))
    assert found is not None
    assert found.blocked is blocked


def test_details_of_a_call_not_yet_dialled() -> None:
    leg = a_leg(
        status="created",
        ivrDigit=None,
        ivrAnswers=None,
        startedAt=None,
        answeredAt=None,
        managerStartedAt=None,
        managerAnsweredAt=None,
        finishedAt=None,
        managerStatus=None,
        hangupCause=None,
        toBlock=None,
        cost=None,
    )
    found = mapping.details(an_api_call(calls=[leg]))
    assert found is not None
    assert found.vendor_status == "created"
    assert found.ivr_digit is None
    assert found.ivr_answers == ()
    assert (found.manager_started_at, found.manager_answered_at) == (None, None)
    assert found.hangup_cause is None
    assert found.cost is None


def test_no_payload_no_details() -> None:
    assert mapping.details({}) is None


def test_details_of_the_create_reply_alone() -> None:
    """Before the first status webhook a call's raw is the create reply (no legs)."""
    found = mapping.details({"id": 1001, "phone": "79123456789", "plannedAt": T0 + 30})
    assert found is not None
    assert found.vendor_status is None
    assert found.planned_at == at(30)


# --- placed_calls ---------------------------------------------------------------------

CREATE_REPLY = {
    "id": 1001,
    "createdAt": T0,
    "plannedAt": T0,
    "smartDelay": None,
    "needrecording": 0,
    "phone": "79123456789",
    "recordCost": 0.4,
}


def test_the_create_reply_is_one_queued_call() -> None:
    (placed,) = mapping.placed_calls(CREATE_REPLY, region="RU", outgoing="+74950000001", ref=REF)
    assert placed.provider_call_id == "1001"
    assert placed.status is CallStatus.QUEUED
    assert placed.direction is CallDirection.OUTBOUND
    assert placed.from_number == "+74950000001"
    assert placed.to_number == "+79123456789"
    assert placed.refs == (f"{REF}:79123456789",)
    assert placed.vendor_times is True, "accepted is not dialled"
    assert placed.raw == CREATE_REPLY
    assert mapping.record_cost(placed.raw) == pytest.approx(0.4)


def test_a_list_reply_is_one_call_per_phone() -> None:
    data = [
        {"id": 1, "phone": "79993331122", "phoneInfo": '{"name":"Elena","var1":"40%"}'},
        {"id": 2, "phone": "79993332211", "templateId": 1, "phoneInfo": '{"name":"Oleg"}'},
    ]
    placed = mapping.placed_calls(data, region="RU", outgoing=None, ref=REF, template_id=1)
    assert [p.provider_call_id for p in placed] == ["1", "2"]
    assert [p.to_number for p in placed] == ["+79993331122", "+79993332211"]
    assert [p.refs for p in placed] == [(f"{REF}:79993331122",), (f"{REF}:79993332211",)]
    assert [p.raw["templateId"] for p in placed] == [1, 1], "cancel needs isTemplate"
    assert all(p.from_number is None for p in placed)


def test_a_reply_without_a_phone_still_places_the_call() -> None:
    (placed,) = mapping.placed_calls({"id": 7}, region="RU", outgoing=None, ref=REF)
    assert placed.provider_call_id == "7"
    assert placed.to_number is None
    assert placed.refs == ()


@pytest.mark.parametrize("data", [{}, {"id": None}, {"id": ""}, [{"id": 1}, {"phone": "7"}], "ok"])
def test_a_reply_without_a_call_id_is_the_vendors_fault(data: Any) -> None:
    with pytest.raises(ProviderUnavailable):
        mapping.placed_calls(data, region="RU", outgoing=None, ref=REF)


# --- audio records ----------------------------------------------------------------------

CREATE_RECORD_REPLY = {
    "id": 501,
    "createdAt": T0,
    "needModeration": True,
    "moderatorComment": "",
    "name": "TestRecord",
    "path": "https://files.zvonobot.ru/records/r501.mp3",
    "status": "moderation",
    "recordText": "Hello world",
    "cost": 0.4,
}


def test_the_create_record_reply() -> None:
    record = mapping.audio_record("zb", CREATE_RECORD_REPLY)
    assert record.provider_id == "zb"
    assert record.record_id == "501"
    assert record.name == "TestRecord"
    assert record.moderation_status is ModerationStatus.PENDING
    assert record.moderator_comment is None
    assert record.text == "Hello world"
    assert record.url == "https://files.zvonobot.ru/records/r501.mp3"
    assert record.cost == pytest.approx(0.4)
    assert record.created_at == CREATED
    assert record.deleted_at is None
    assert record.raw == CREATE_RECORD_REPLY


def test_the_remove_record_reply() -> None:
    reply = {
        "id": 501,
        "createdAt": T0,
        "name": "TestRecord",
        "path": "https://files.zvonobot.ru/records/r501.mp3",
        "moderatorComment": "Плохое качество",
        "needModeration": True,
        "status": "rejected",
        "deletedAt": T0 + 3600,
    }
    record = mapping.audio_record("zb", reply)
    assert record.deleted_at == at(3600)
    assert record.moderation_status is ModerationStatus.REJECTED
    assert record.moderator_comment == "Плохое качество"
    assert record.cost is None
    assert record.text is None


@pytest.mark.parametrize("data", [None, {}, {"id": None}, [CREATE_RECORD_REPLY], "501"])
def test_a_record_reply_without_an_id_is_the_vendors_fault(data: Any) -> None:
    with pytest.raises(ProviderUnavailable):
        mapping.audio_record("zb", data)


@pytest.mark.parametrize(
    ("need", "status", "expected"),
    [
        (True, "moderation", ModerationStatus.PENDING),
        (1, "moderation", ModerationStatus.PENDING),
        ("1", None, ModerationStatus.PENDING),
        ("true", "", ModerationStatus.PENDING),
        (True, "approved", ModerationStatus.APPROVED),
        (False, "approved", ModerationStatus.APPROVED),
        (True, "moderated", ModerationStatus.APPROVED),
        (True, "одобрено", ModerationStatus.APPROVED),
        (True, "rejected", ModerationStatus.REJECTED),
        (False, "declined", ModerationStatus.REJECTED),
        (True, "Отклонено", ModerationStatus.REJECTED),
        (False, None, ModerationStatus.NOT_REQUIRED),
        (0, "", ModerationStatus.NOT_REQUIRED),
        (None, None, ModerationStatus.NOT_REQUIRED),
    ],
)
def test_moderation(need: Any, status: Any, expected: ModerationStatus) -> None:
    assert mapping.moderation(need, status) is expected


# --- numbers, languages, templates, id lists, balance ---------------------------------------


def test_numbers_as_get_phones_shows_them() -> None:
    data = [
        {"id": 1, "phone": "74950000001", "isSystem": False, "overall": 0},
        {"id": 2, "phone": "74950000002", "isSystem": True, "overall": 1},
        {"id": 3, "phone": "", "isSystem": False, "overall": 0},
        {"id": 4, "phone": None},
        "not an object",
    ]
    found = mapping.numbers("zb", data, region="RU")
    assert [(n.number, n.number_id, n.shared) for n in found] == [
        ("+74950000001", "1", False),
        ("+74950000002", "2", True),
    ]
    assert all(n.provider_id == "zb" for n in found)
    assert found[1].raw == data[1]


def test_a_number_without_overall_is_not_known_to_be_shared() -> None:
    (number,) = mapping.numbers("zb", {"id": 9, "phone": "74950000009"}, region="RU")
    assert number.shared is None
    assert number.number == "+74950000009"


def test_languages_as_the_page_shows_them() -> None:
    data = [
        {"id": 1, "name": "Русский", "defaultLangCode": "ru-RU"},
        {"id": 2, "name": "English", "defaultLangCode": "en-US"},
    ]
    assert mapping.languages(data) == [
        Language(language_id="1", name="Русский", code="ru-RU"),
        Language(language_id="2", name="English", code="en-US"),
    ]


def test_one_language_object_instead_of_a_list() -> None:
    found = mapping.languages({"id": 3, "defaultLangCode": "kk-KZ"})
    assert found == [Language(language_id="3", name="kk-KZ", code="kk-KZ")]


@pytest.mark.parametrize("data", [None, [], "done", 5])
def test_no_languages(data: Any) -> None:
    assert mapping.languages(data) == []


def test_templates() -> None:
    data = [
        {"id": 1, "name": "Шаблон 1", "status": "moderated", "recordText": "Здравствуйте, {name}"},
        {"id": "2", "name": "Шаблон 2", "status": "moderation"},
        {"id": 3, "title": "Шаблон 3", "isModerated": 1, "text": "Скидка {var1}"},
        {"id": 4, "moderated": False},
        {"id": 5},
        {"id": "x", "name": "broken"},
        {"name": "no id"},
    ]
    found = mapping.templates(data)
    assert [(t.template_id, t.name, t.moderated, t.text) for t in found] == [
        (1, "Шаблон 1", True, "Здравствуйте, {name}"),
        (2, "Шаблон 2", False, None),
        (3, "Шаблон 3", True, "Скидка {var1}"),
        (4, None, False, None),
        (5, None, None, None),
    ]
    assert found[0].raw == data[0]


@pytest.mark.parametrize(
    ("data", "ids"),
    [
        ({"callIdList": [123, 321]}, ["123", "321"]),
        ({"callIdList": ["123"]}, ["123"]),
        ({"callIdList": []}, []),
        ([], []),  # the page's reply to removing one call
        ([123, None, 321], ["123", "321"]),
        (None, []),
        ({}, []),
        ({"callIdList": "123"}, []),
    ],
)
def test_id_list(data: Any, ids: list[str]) -> None:
    assert mapping.id_list(data) == ids


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id": 4242, "balance": 1000.5}, Balance(account_id="4242", amount=1000.5)),
        ({"id": 4242, "balance": "12.30"}, Balance(account_id="4242", amount=12.3)),
        ({"balance": 0}, Balance(account_id=None, amount=0.0)),
        ({"id": 7, "balance": -3}, Balance(account_id="7", amount=-3.0)),
    ],
)
def test_balance(data: Any, expected: Balance) -> None:
    assert mapping.balance(data) == expected


@pytest.mark.parametrize("data", [None, {}, {"id": 1}, {"balance": "lots"}, [{"balance": 1}]])
def test_a_user_info_reply_without_a_balance_is_the_vendors_fault(data: Any) -> None:
    with pytest.raises(ProviderUnavailable):
        mapping.balance(data)


# --- resends of one status webhook --------------------------------------------------------


def test_resends_of_one_status_webhook_have_the_same_fingerprint() -> None:
    first = an_api_call(webhookTry=1, webhookSent=False)
    resend = copy.deepcopy(first)
    resend["webhookTry"] = 2
    resend["webhookSent"] = True
    resend["updatedAt"] = T0 + 999
    resend["calls"][0]["updatedAt"] = T0 + 240
    assert resend != first
    assert mapping.status_fingerprint_fields(resend) == mapping.status_fingerprint_fields(first)


def test_different_reports_have_different_fingerprints() -> None:
    started = an_api_call(
        calls=[a_leg(status="started", answeredAt=None, finishedAt=None, recordFilePath=None)]
    )
    answered = an_api_call(calls=[a_leg(status="answered", finishedAt=None, recordFilePath=None)])
    finished = an_api_call()
    fingerprints = [
        json.dumps(mapping.status_fingerprint_fields(c), sort_keys=True)
        for c in (started, answered, finished)
    ]
    assert len(set(fingerprints)) == 3


def test_the_fingerprint_leaves_the_apicall_intact() -> None:
    api_call = an_api_call()
    before = copy.deepcopy(api_call)
    mapping.status_fingerprint_fields(api_call)
    assert api_call == before


def test_signals_leave_the_apicall_intact() -> None:
    api_call = an_api_call()
    before = copy.deepcopy(api_call)
    signals_of(api_call)
    assert api_call == before
