"""Robocalls through GraphQL against the simulated Zvonobot: a campaign from start to
its last status, every bound refused before anything is sent, long lists split."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.zvonobot_queries import OUTGOING, ROBOCALL_CALL, START, robocall
from tests.harness import FROM_START, GraphQLFailed, next_event, running_callboard
from tests.queries import CALL_EVENTS
from tests.vendors import Rig, vendor_rig

PHONE = "+7 912 345-67-89"


@pytest.fixture
async def zb() -> AsyncIterator[Rig]:
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as rig:
        yield rig


async def stored(rig: Rig, call_id: str) -> dict[str, Any]:
    return (await rig.api.query(ROBOCALL_CALL, {"id": call_id}))["call"]  # type: ignore[no-any-return]


async def test_a_robocall_runs_from_queued_to_completed_with_its_ivr_answer(zb: Rig) -> None:
    sim = zb.vendor.simulator
    sim.set_outcome("79123456789", "answered", answer=1)
    ivrs = [
        {
            "digit": 1,
            "notify": True,
            "managerPhone": "+7 912 000-00-01",
            "webhookParameters": {"crm_lead": "L-7"},
        },
        {"digit": 2, "block": True},
    ]
    watch = {"provider": zb.provider_id, "after": FROM_START}
    async with zb.api.subscription(CALL_EVENTS, watch) as events:
        data = await zb.api.query(START, robocall(zb, [PHONE], ivrs=ivrs, record=True))
        payload = data["startRobocall"]
        assert payload["userErrors"] == []
        assert payload["notices"] == []
        (call,) = payload["calls"]
        assert call["status"] == "QUEUED"
        assert call["startedAt"] is None, "accepted is not dialled"
        assert (call["from"], call["to"]) == ("+74950000001", "+79123456789")
        assert payload["recordCost"] == pytest.approx(0.4)
        seen = []
        while True:
            event = (await next_event(events))["callEvents"]
            assert event["call"]["id"] == call["id"]
            seen.append((event["kind"], event["status"]))
            if event["status"] == "COMPLETED":
                break
    assert seen[0] == ("PLACED", "QUEUED")
    assert ("STATUS_CHANGED", "DIALING") in seen
    assert ("STATUS_CHANGED", "IN_PROGRESS") in seen
    await sim.wait_idle()
    result = await stored(zb, call["id"])
    assert result["status"] == "COMPLETED"
    assert None not in (result["startedAt"], result["answeredAt"], result["endedAt"])
    assert result["durationSeconds"] is not None
    assert result["recordingUrl"].endswith(".mp3")
    details = result["robocall"]
    assert details["vendorStatus"] == "finished"
    assert details["ivrDigit"] == 1
    assert details["managerStatus"] == "answered"
    assert details["cost"] == pytest.approx(1.5)
    (ivr,) = [e for e in result["events"] if e["kind"] == "IVR_INPUT"]
    assert ivr["raw"]["answer"] == 1
    assert ivr["raw"]["crm_lead"] == "L-7", "the client's own parameters ride along"
    assert [e["kind"] for e in result["events"]].count("RECORDING_READY") == 1


async def test_an_unanswered_robocall_ends_no_answer(zb: Rig) -> None:
    zb.vendor.simulator.set_outcome("79123456789", "no_answer")
    zb.vendor.simulator.set_outcome("79123456788", "busy")
    data = await zb.api.query(START, robocall(zb, [PHONE, "+79123456788"]))
    calls = data["startRobocall"]["calls"]
    await zb.vendor.simulator.wait_idle()
    statuses = [(await stored(zb, c["id"]))["status"] for c in calls]
    assert statuses == ["NO_ANSWER", "BUSY"]


BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"smartDelay": 14}, "smartDelay"),
    ({"smartDelay": 91}, "smartDelay"),
    ({"answerTimeout": 14}, "answerTimeout"),
    ({"answerTimeout": 61}, "answerTimeout"),
    ({"ivrs": [{"anyWord": True, "recognitionTimeout": 0}]}, "ivrs.0.recognitionTimeout"),
    ({"ivrs": [{"anyWord": True, "recognitionTimeout": 16}]}, "ivrs.0.recognitionTimeout"),
    ({"ivrs": [{"digit": 1, "smsText": "x" * 71}]}, "ivrs.0.smsText"),
    ({"ivrs": [{"ivrs": [{"digit": 10}]}]}, "ivrs.0.ivrs.0.digit"),
    ({"message": {"text": "x" * 1025}}, "message.text"),
    ({"message": {"recordId": 1, "text": "both"}}, "message"),
    ({"phones": ["+44 20 7946 0958"]}, "phones"),
    ({"phones": ["12"]}, "phones.0"),
    ({"outgoingPhone": None}, "outgoingPhone"),
    (
        {"weekdays": ["MONDAY"], "excludeWeekends": True, "startTime": "09:00", "endTime": "18:00"},
        "excludeWeekends",
    ),
    ({"weekdays": ["MONDAY"]}, "weekdays"),
    ({"startTime": "9:00", "endTime": "18:00"}, "startTime"),
    ({"language": "russian"}, "language"),
    ({"webhookParameters": {"callboard_ref": "mine"}}, "webhookParameters"),
]


async def test_every_bound_is_refused_before_anything_is_sent(zb: Rig) -> None:
    for extra, field in BAD_INPUTS:
        data = await zb.api.query(START, robocall(zb, [PHONE], **extra))
        payload = data["startRobocall"]
        assert payload["calls"] == [], extra
        (error,) = payload["userErrors"]
        assert (error["field"], error["code"]) == (field, "BAD_INPUT"), (extra, error)
    assert zb.vendor.simulator.requests["/apiCalls/create"] == 0


async def test_long_lists_are_split_into_requests_zvonobot_accepts() -> None:
    credentials = {"moderation_lifted": True, "max_batch": 3}
    async with vendor_rig("zvonobot", credentials=credentials) as rig:
        rig.vendor.simulator.max_phones = 3
        phones = [f"+7912345670{n}" for n in range(7)]
        future = "2030-01-01T09:00:00+03:00"  # planned: no webhook traffic in this test
        data = await rig.api.query(START, robocall(rig, phones, plannedAt=future))
        payload = data["startRobocall"]
        assert payload["userErrors"] == []
        assert [c["to"] for c in payload["calls"]] == phones
        assert len({c["providerCallId"] for c in payload["calls"]}) == 7
        assert rig.vendor.simulator.requests["/apiCalls/create"] == 3
        assert payload["recordCost"] == pytest.approx(1.2), "0.40 per request, three requests"


async def test_a_refused_part_is_reported_and_the_accepted_calls_are_kept() -> None:
    credentials = {"moderation_lifted": True, "max_batch": 2}
    async with vendor_rig("zvonobot", credentials=credentials) as rig:
        rig.vendor.simulator.balance = 0.3  # the first part's text-to-speech spends it
        phones = [f"+7912345670{n}" for n in range(4)]
        future = "2030-01-01T09:00:00+03:00"
        payload = (await rig.api.query(START, robocall(rig, phones, plannedAt=future)))[
            "startRobocall"
        ]
        assert [c["to"] for c in payload["calls"]] == phones[:2]
        (error,) = payload["userErrors"]
        assert error["code"] == "PROVIDER_REJECTED"
        assert error["message"].startswith("Part 2 of 2 (+79123456702 ... +79123456703")
        assert "Недостаточно средств" in error["message"]
        total = await rig.api.query("{ calls { totalCount } }")
        assert total["calls"]["totalCount"] == 2


async def test_the_same_idempotency_key_starts_the_campaign_once(zb: Rig) -> None:
    future = "2030-01-01T09:00:00+03:00"
    variables = robocall(zb, [PHONE], plannedAt=future, idempotencyKey="campaign-42")
    first, second = await asyncio.gather(
        zb.api.query(START, variables), zb.api.query(START, variables)
    )
    results = [first["startRobocall"], second["startRobocall"]]
    started = [r for r in results if not r["userErrors"]]
    assert started, results
    if len(started) == 1:  # the other arrived while the first was in flight
        (busy,) = [r for r in results if r["userErrors"]]
        assert busy["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    again = (await zb.api.query(START, variables))["startRobocall"]
    assert [c["id"] for c in again["calls"]] == [c["id"] for c in started[0]["calls"]]
    assert zb.vendor.simulator.requests["/apiCalls/create"] == 1
    other = robocall(zb, ["+79123456788"], plannedAt=future, idempotencyKey="campaign-42")
    (conflict,) = (await zb.api.query(START, other))["startRobocall"]["userErrors"]
    assert conflict["code"] == "IDEMPOTENCY_CONFLICT"


async def test_a_template_robocall_fills_each_phones_variables(zb: Rig) -> None:
    future = "2030-01-01T09:00:00+03:00"
    variables = {
        "i": {
            "provider": zb.provider_id,
            "phones": [PHONE],
            "message": {"templateId": 1},
            "plannedAt": future,
            "variables": [
                {
                    "phone": PHONE,
                    "values": [
                        {"name": "name", "value": "Elena"},
                        {"name": "{var1}", "value": "40%"},
                    ],
                }
            ],
        }
    }
    payload = (await zb.api.query(START, variables))["startRobocall"]
    assert payload["userErrors"] == []
    (call,) = payload["calls"]
    result = await stored(zb, call["id"])
    assert result["robocall"]["templateId"] == 1
    assert {(v["name"], v["value"]) for v in result["robocall"]["templateVariables"]} == {
        ("name", "Elena"),
        ("var1", "40%"),
    }
    assert zb.vendor.simulator.requests["/apiCalls/createWithTemplate"] == 1


async def test_a_template_under_moderation_is_refused_plainly(zb: Rig) -> None:
    variables = {"i": {"provider": zb.provider_id, "phones": [PHONE], "message": {"templateId": 2}}}
    (error,) = (await zb.api.query(START, variables))["startRobocall"]["userErrors"]
    assert error["code"] == "PROVIDER_REJECTED"
    assert error["vendorCode"] == "MODERATION"
    assert "модерац" in error["message"]


async def test_a_template_takes_no_message_options(zb: Rig) -> None:
    variables = {
        "i": {
            "provider": zb.provider_id,
            "phones": [PHONE],
            "outgoingPhone": OUTGOING,
            "message": {"templateId": 1},
        }
    }
    (error,) = (await zb.api.query(START, variables))["startRobocall"]["userErrors"]
    assert (error["field"], error["code"]) == ("outgoingPhone", "BAD_INPUT")


async def test_an_unconfirmed_outgoing_number_is_zvonobots_refusal(zb: Rig) -> None:
    data = await zb.api.query(START, robocall(zb, [PHONE], outgoingPhone="+7 495 123-45-67"))
    (error,) = data["startRobocall"]["userErrors"]
    assert error["code"] == "PROVIDER_REJECTED"
    assert error["message"].startswith("Zvonobot: ")


async def test_a_wrong_api_key_is_the_operators_to_fix() -> None:
    credentials = {"api_key": "not-the-key", "moderation_lifted": True}
    async with vendor_rig("zvonobot", credentials=credentials) as rig:
        data = await rig.api.query(START, robocall(rig, [PHONE]))
        (error,) = data["startRobocall"]["userErrors"]
        assert error["code"] == "PROVIDER_MISCONFIGURED"
        assert "not-the-key" not in error["message"]


async def test_text_to_speech_on_a_moderated_account_comes_with_a_notice() -> None:
    async with vendor_rig("zvonobot") as rig:  # moderation_lifted not set
        rig.vendor.simulator.account_moderation = True
        payload = (await rig.api.query(START, robocall(rig, [PHONE])))["startRobocall"]
        (notice,) = payload["notices"]
        assert notice["code"] == "MODERATION_PENDING"
        (call,) = payload["calls"]
        await asyncio.sleep(0.3)
        assert (await stored(rig, call["id"]))["status"] == "QUEUED", "the vendor holds it"
        assert rig.vendor.simulator.calls[int(call["providerCallId"])].status == "created"


async def test_duplicate_phones_are_called_once(zb: Rig) -> None:
    future = "2030-01-01T09:00:00+03:00"
    data = await zb.api.query(START, robocall(zb, [PHONE, "89123456789"], plannedAt=future))
    payload = data["startRobocall"]
    assert len(payload["calls"]) == 1
    assert [n["code"] for n in payload["notices"]] == ["DUPLICATE_PHONES"]


async def test_callboard_hands_zvonobot_its_own_webhook_url_with_a_secret(zb: Rig) -> None:
    future = "2030-01-01T09:00:00+03:00"
    await zb.api.query(START, robocall(zb, [PHONE], plannedAt=future, webhookParameters={"a": 1}))
    (sent,) = zb.vendor.simulator.calls.values()
    url, _, secret = (sent.webhook_url or "").partition("?key=")
    assert url == f"{zb.api.webhook_base}/{zb.provider_id}"
    assert len(secret) >= 32
    assert "zvonobot-api-key" not in (sent.webhook_url or "")
    assert sent.webhook_fields["a"] == 1, "the client's parameters pass through"


async def test_a_timed_out_create_is_never_sent_again() -> None:
    """NOTES.md: a timed-out apiCalls/create may still have created the calls."""
    sent: list[str] = []

    def slow_zvonobot(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        raise httpx.ReadTimeout("no answer", request=request)

    provider = {
        "id": "zb",
        "kind": "zvonobot",
        "base_url": "https://zvonobot.invalid",
        "api_key": "k" * 16,
        "moderation_lifted": True,
    }
    transports = {"zb": httpx.MockTransport(slow_zvonobot)}
    async with running_callboard({"providers": [provider]}, transports=transports) as api:
        rig = Rig(api=api, vendor=None, provider_id="zb")  # type: ignore[arg-type]
        variables = robocall(rig, [PHONE], idempotencyKey="k-1")
        with pytest.raises(GraphQLFailed) as failed:
            await api.query(START, variables)
        assert failed.value.codes == ["PROVIDER_TIMEOUT"]
        (error,) = (await api.query(START, variables))["startRobocall"]["userErrors"]
        assert error["code"] == "IDEMPOTENCY_CONFLICT"
        assert "look for it" in error["message"]
    assert sent == ["/apiCalls/create"], "sent once, not retried"


async def test_a_retry_with_the_key_gets_the_same_partial_answer() -> None:
    credentials = {"moderation_lifted": True, "max_batch": 2}
    async with vendor_rig("zvonobot", credentials=credentials) as rig:
        rig.vendor.simulator.balance = 0.3
        phones = [f"+7912345670{n}" for n in range(4)]
        variables = robocall(
            rig, phones, plannedAt="2030-01-01T09:00:00+03:00", idempotencyKey="half"
        )
        first = (await rig.api.query(START, variables))["startRobocall"]
        again = (await rig.api.query(START, variables))["startRobocall"]
        assert [c["id"] for c in again["calls"]] == [c["id"] for c in first["calls"]]
        assert again["userErrors"] == first["userErrors"]
        assert again["recordCost"] == first["recordCost"]
        assert len(first["userErrors"]) == 1
        assert rig.vendor.simulator.requests["/apiCalls/create"] == 2, "nothing sent again"
