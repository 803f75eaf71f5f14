"""What vendors' words mean, the same for every vendor (issue 21): one status vocabulary
(domain.call_outcomes), LiraX's modem errors only where the page puts them, its time
zone said or warned about, While1's unanswered end, and Liner's two schedule readings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from callboard.settings import ConfigError, load_settings
from tests.harness import running_callboard
from tests.lirax_hooks import call_completed
from tests.queries import PLACE_CALL
from tests.vendors import Rig, post_webhook, vendor_rig

CALLS = "{ calls { nodes { status direction events { kind status } } } }"


async def only_call(rig: Rig) -> dict[str, object]:
    (call,) = (await rig.api.query(CALLS))["calls"]["nodes"]
    return call  # type: ignore[no-any-return]


# -- one vocabulary --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("no_answer", "NO_ANSWER"),
        ("busy", "BUSY"),
        ("congestion", "UNREACHABLE"),  # was FAILED
        ("unavailable", "UNREACHABLE"),  # was FAILED
        ("rejected", "REJECTED"),  # was FAILED
        ("cancel", "CANCELED"),  # was NO_ANSWER
        ("error", "FAILED"),
    ],
)
async def test_twin24_ends_read_with_the_shared_vocabulary(word: str, status: str) -> None:
    number = "+74951234501"
    add = """mutation($i: AddIncomingNumbersInput!) {
      addIncomingNumbers(input: $i) { userErrors { message } } }"""
    async with vendor_rig("twin24") as rig:
        options = {
            "provider": rig.provider_id,
            "numbers": [{"number": number, "name": "Sales", "did": "123"}],
            "action": "ROBOT",
            "botId": "bot-1",
        }
        assert (await rig.api.query(add, {"i": options}))["addIncomingNumbers"]["userErrors"] == []
        await rig.vendor.simulator.ring(number, "+79123456789", answer=False, unanswered=word)
        await rig.vendor.simulator.wait_idle()
        call = await only_call(rig)
    assert call["status"] == status
    assert call["events"][-1] == {"kind": "FAILED", "status": status}  # type: ignore[index]


@pytest.mark.parametrize(
    ("vendor_status", "status"),
    [("NotAllowed", "FAILED"), ("NotAvailable", "UNREACHABLE"), ("Missed", "NO_ANSWER")],
)
async def test_lirax_end_statuses_follow_the_vocabulary(vendor_status: str, status: str) -> None:
    async with vendor_rig("lirax") as rig:
        form = {
            **call_completed("call-7", rig.vendor.credentials["webhook_token"]),
            "status": vendor_status,
            "duration": "0",
        }
        response = await post_webhook(rig.api, rig.provider_id, data=form)
        assert response.status_code == 200
        call = await only_call(rig)
    # "NotAllowed": "calls to this direction are prohibited": LiraX would not place it.
    assert call["status"] == status


# -- While1: an end without a reason is COMPLETED only when it was answered -------------


async def test_while1_an_unanswered_end_without_fail_reason_is_no_answer() -> None:
    async with vendor_rig("while1") as rig:
        rig.vendor.simulator.set_customer("+40212345678", "hung_up")
        variables = {"input": {"provider": rig.provider_id, "agent": "101", "to": "+40212345678"}}
        placed = (await rig.api.query(PLACE_CALL, variables))["placeCall"]
        assert placed["userErrors"] == []
        await rig.vendor.simulator.wait_idle()
        (sent,) = rig.vendor.simulator.events_sent
        assert (sent["event"], sent["fail_reason"]) == ("outgoing_end", "")
        call = await only_call(rig)
    assert call["status"] == "NO_ANSWER"  # was COMPLETED
    assert [e["kind"] for e in call["events"]] == ["PLACED", "FAILED"]  # type: ignore[union-attr]


async def test_while1_an_end_without_fail_reason_after_dial_answer_is_completed() -> None:
    async with vendor_rig("while1") as rig:
        variables = {"input": {"provider": rig.provider_id, "agent": "101", "to": "+40212345678"}}
        await rig.api.query(PLACE_CALL, variables)
        await rig.vendor.simulator.wait_idle()
        assert [e["event"] for e in rig.vendor.simulator.events_sent] == [
            "dial_answer",
            "outgoing_end",
        ]
        call = await only_call(rig)
    assert call["status"] == "COMPLETED"


async def test_while1_a_talk_time_on_the_end_says_it_was_answered() -> None:
    async with vendor_rig("while1") as rig:
        token = rig.vendor.credentials["webhook_token"]
        for billsec in ("0", "37"):
            params = {
                "token": token,
                "event": "outgoing_end",
                "uniqueid": f"1700000000.{billsec}",
                "telephone": "0212345678",
                "fail_reason": "",
                "billsec": billsec,
            }
            response = await post_webhook(rig.api, rig.provider_id, method="GET", params=params)
            assert response.status_code == 200
        data = await rig.api.query("{ calls { nodes { providerCallId status durationSeconds } } }")
    found = {c["providerCallId"]: c for c in data["calls"]["nodes"]}
    assert found["1700000000.0"]["status"] == "NO_ANSWER"
    assert found["1700000000.37"]["status"] == "COMPLETED"
    assert found["1700000000.37"]["durationSeconds"] == 37


async def test_while1_an_answer_overtaken_by_the_end_still_completes_the_call() -> None:
    async with vendor_rig("while1") as rig:
        token = rig.vendor.credentials["webhook_token"]
        call = {"token": token, "uniqueid": "1700000000.5", "telephone": "0212345678"}
        for event in ("outgoing_end", "dial_answer"):  # the end first: its answer was late
            response = await post_webhook(
                rig.api, rig.provider_id, method="GET", params={**call, "event": event}
            )
            assert response.status_code == 200
            statuses = [c["status"] for c in (await rig.api.query(CALLS))["calls"]["nodes"]]
            assert statuses == ["NO_ANSWER" if event == "outgoing_end" else "COMPLETED"]


# -- LiraX ------------------------------------------------------------------------------


def lirax_config(**extra: str) -> dict[str, object]:
    provider = {
        "id": "lirax-x",
        "kind": "lirax",
        "base_url": "https://lira.invalid:8482/general",
        "token": "t",
        "webhook_token": "w",
        **extra,
    }
    return {"providers": [provider]}


async def place_lirax(handler: Callable[[httpx.Request], httpx.Response]) -> dict[str, object]:
    transport = httpx.MockTransport(handler)
    async with running_callboard(
        lirax_config(timezone="UTC"), transports={"lirax-x": transport}
    ) as api:
        variables = {"input": {"provider": "lirax-x", "agent": "101", "to": "+79123456789"}}
        return (await api.query(PLACE_CALL, variables))["placeCall"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("code", [402, 403])
async def test_lirax_402_and_403_outside_sms_are_the_vendors_refusal(code: int) -> None:
    placed = await place_lirax(lambda request: httpx.Response(code))
    (error,) = placed["userErrors"]  # type: ignore[misc]
    assert error["code"] == "PROVIDER_REJECTED"
    assert error["vendorCode"] == str(code)
    assert error["field"] is None, "no modem in makeCall"
    assert "modem" not in error["message"].lower()
    assert f"HTTP {code}" in error["message"]


async def test_a_lirax_provider_without_timezone_warns_once_naming_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="callboard"):
        async with running_callboard(lirax_config()) as api:
            await api.query("{ providers { id } }")
    warnings = [r.getMessage() for r in caplog.records if "timezone" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "lirax-x" in warnings[0]
    assert "UTC" in warnings[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="callboard"):
        async with running_callboard(lirax_config(timezone="Europe/Kyiv")):
            pass
    assert not [r for r in caplog.records if "timezone" in r.getMessage()]


# -- Liner: the other reading of the schedule --------------------------------------------

ORDER = {
    "title": "Spring",
    "serviceTitle": "spring-2026",
    "status": "INFO",
    "sipEndpointIds": [101],
    "callSchedule": [{"start": "09:00", "end": "13:30"}, {"start": "14:00", "end": "24:00"}],
    "holidayOverrides": ["2026-12-31"],
}
CREATE = """mutation($i: CreateOrderInput!) {
  createOrder(input: $i) { order { orderId } userErrors { field message } } }"""


@pytest.mark.parametrize(
    ("schedule_format", "schedule", "holidays"),
    [
        ("text", [["09:00", "13:30"], ["14:00", "24:00"]], ["2026-12-31"]),
        ("numbers", [[32400, 48600], [50400, 86400]], [1798675200]),
    ],
)
async def test_liner_schedule_is_sent_in_the_configured_reading(
    schedule_format: str, schedule: list[list[object]], holidays: list[object]
) -> None:
    async with vendor_rig("liner", credentials={"schedule_format": schedule_format}) as rig:
        data = await rig.api.query(CREATE, {"i": {"provider": rig.provider_id, **ORDER}})
        assert data["createOrder"]["userErrors"] == []
        (sent,) = rig.vendor.simulator.orders.values()
    assert sent["callSchedule"] == schedule
    assert sent["callHolidayOverrides"] == holidays


def test_an_unknown_liner_schedule_format_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "callboard.toml"
    path.write_text(
        '[[providers]]\nid = "liner-x"\nkind = "liner"\nbase_url = "https://liner.invalid"\n'
        'api_key = "k"\nschedule_format = "seconds"\n'
    )
    with pytest.raises(ConfigError, match=r"schedule_format: 'seconds' is not one of: text"):
        load_settings(path, environ={})
