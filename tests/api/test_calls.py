"""Placing and listing calls through GraphQL: inputs, idempotency, errors, paging."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.harness import FROM_START, GraphQLFailed, next_event, running_callboard
from tests.queries import CALL, CALL_EVENTS, CALLS, CONNECT_PARTIES, HANGUP, PLACE_CALL
from tests.vendors import Rig, post_webhook


def place_input(rig: Rig, **extra: Any) -> dict[str, Any]:
    return {"input": {"provider": rig.provider_id, "agent": "101", "to": "+79123456789", **extra}}


def connect_input(rig: Rig, **extra: Any) -> dict[str, Any]:
    parties = {"first": "+79123456789", "second": "+79123456780"}
    return {"input": {"provider": rig.provider_id, "agent": "101", **parties, **extra}}


async def test_the_simulator_receives_digits_without_plus(lirax: Rig) -> None:
    await lirax.api.query(PLACE_CALL, place_input(lirax, to="+7 (912) 345-67-89"))
    (sim_call,) = lirax.vendor.simulator.calls.values()
    assert sim_call.phone == "79123456789"
    assert sim_call.ext == "101"


async def test_bad_phone_and_bad_extension_are_user_errors(lirax: Rig) -> None:
    bad_phone = await lirax.api.query(PLACE_CALL, place_input(lirax, to="12"))
    (error,) = bad_phone["placeCall"]["userErrors"]
    assert (error["field"], error["code"]) == ("to", "BAD_INPUT")
    assert bad_phone["placeCall"]["call"] is None
    bad_agent = await lirax.api.query(PLACE_CALL, place_input(lirax, agent="bob"))
    assert bad_agent["placeCall"]["userErrors"][0]["field"] == "agent"
    assert lirax.vendor.simulator.calls == {}, "nothing reached the vendor"


async def test_the_same_idempotency_key_never_starts_a_second_call(lirax: Rig) -> None:
    variables = place_input(lirax, idempotencyKey="order-42")
    results = await asyncio.gather(
        *(lirax.api.query(PLACE_CALL, variables) for _ in range(5)), return_exceptions=True
    )
    calls = {
        r["placeCall"]["call"]["id"]
        for r in results
        if isinstance(r, dict) and r["placeCall"]["call"]
    }
    conflicts = [r for r in results if isinstance(r, dict) and r["placeCall"]["userErrors"]]
    assert len(calls) == 1
    assert all(c["placeCall"]["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT" for c in conflicts)
    again = await lirax.api.query(PLACE_CALL, variables)
    assert again["placeCall"]["call"]["id"] in calls
    assert len(lirax.vendor.simulator.calls) == 1
    other = await lirax.api.query(
        PLACE_CALL, place_input(lirax, idempotencyKey="order-42", to="+79123456780")
    )
    assert other["placeCall"]["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"


async def test_connect_parties_sends_every_option(lirax: Rig) -> None:
    data = await lirax.api.query(
        CONNECT_PARTIES,
        connect_input(
            lirax,
            second="https://audio.example/promo.mp3",
            retryMinutes=60,
            successAfterSeconds=30,
            notBeforeHour=9,
            notAfterHour=21,
            ivrTime="14:30",
            ivrDate="tomorrow",
            ivrAmount=125.5,
        ),
    )
    payload = data["connectParties"]
    assert payload["userErrors"] == []
    assert payload["call"]["providerCallId"]
    bad = await lirax.api.query(CONNECT_PARTIES, connect_input(lirax, notBeforeHour=25))
    assert bad["connectParties"]["userErrors"][0]["field"] == "notBeforeHour"


async def test_connect_parties_events_reach_the_call(lirax: Rig) -> None:
    data = await lirax.api.query(CONNECT_PARTIES, connect_input(lirax))
    call_id = data["connectParties"]["call"]["id"]
    async with lirax.api.subscription(
        CALL_EVENTS, {"callId": call_id, "after": FROM_START}
    ) as events:
        while (await next_event(events))["callEvents"]["kind"] not in ("COMPLETED", "FAILED"):
            pass
    stored = (await lirax.api.query(CALL, {"id": call_id}))["call"]
    assert stored["status"] in ("COMPLETED", "NO_ANSWER")


async def test_hangup_before_the_vendor_names_the_leg_is_a_clear_user_error(lirax: Rig) -> None:
    lirax.vendor.simulator.step_delay = 30  # makecall_finished will not arrive in time
    placed = await lirax.api.query(PLACE_CALL, place_input(lirax))
    result = await lirax.api.query(HANGUP, {"id": placed["placeCall"]["call"]["id"]})
    (error,) = result["hangupCall"]["userErrors"]
    assert error["code"] == "BAD_INPUT"
    assert "answered" in error["message"]


async def test_calls_pages_newest_first_and_filters(lirax: Rig) -> None:
    token = "lirax-webhook-token"
    for n in range(5):
        form = {
            "cmd": "event",
            "event": "INCOMING",
            "type": "in",
            "callid": f"P{n}",
            "phone": f"7916000000{n}",
            "diversion": "74950000000",
            "ext": "101",
            "from_LiraX_token": token,
        }
        await post_webhook(lirax.api, lirax.provider_id, data=form)
    first = (await lirax.api.query(CALLS, {"first": 2}))["calls"]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    second = (await lirax.api.query(CALLS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "calls"
    ]
    third = (await lirax.api.query(CALLS, {"first": 2, "after": second["pageInfo"]["endCursor"]}))[
        "calls"
    ]
    ids = [e["node"]["id"] for page in (first, second, third) for e in page["edges"]]
    assert len(set(ids)) == 5
    assert third["pageInfo"]["hasNextPage"] is False
    by_phone = (await lirax.api.query(CALLS, {"phone": "8 916 000-00-03"}))["calls"]["edges"]
    assert len(by_phone) == 1
    ringing = (await lirax.api.query(CALLS, {"status": "RINGING"}))["calls"]["edges"]
    assert len(ringing) == 5
    with pytest.raises(GraphQLFailed) as failed:
        await lirax.api.query(CALLS, {"first": 1000})
    assert failed.value.codes == ["BAD_INPUT"]


async def test_call_by_id_round_trips_and_unknown_is_null(lirax: Rig) -> None:
    placed = await lirax.api.query(PLACE_CALL, place_input(lirax))
    call_id = placed["placeCall"]["call"]["id"]
    stored = (await lirax.api.query(CALL, {"id": call_id}))["call"]
    assert stored["id"] == call_id
    assert stored["provider"]["kind"] == "LIRAX"
    assert stored["events"][0]["kind"] == "PLACED"
    missing = "Q2FsbDpub3QtYS1jYWxs"  # Call:not-a-call
    assert (await lirax.api.query(CALL, {"id": missing}))["call"] is None


async def test_limits_refuse_deep_and_alias_heavy_documents(lirax: Rig) -> None:
    nested = "id"
    for _ in range(7):
        nested = f"events {{ call {{ {nested} }} }}"
    deep = f"{{ calls {{ edges {{ node {{ {nested} }} }} }} }}"
    with pytest.raises(GraphQLFailed) as failed:
        await lirax.api.query(deep)
    assert "depth" in failed.value.errors[0]["message"]
    aliases = "{ " + " ".join(f"a{n}: providers {{ id }}" for n in range(40)) + " }"
    with pytest.raises(GraphQLFailed):
        await lirax.api.query(aliases)


async def test_an_unexpected_failure_is_masked_with_a_correlation_id(
    lirax: Rig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from callboard.store.calls import CallLog

    async def broken(self: CallLog, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(CallLog, "count", broken)
    with pytest.raises(GraphQLFailed) as failed:
        await lirax.api.query(CALLS)
    (error,) = failed.value.errors
    assert error["extensions"]["code"] == "INTERNAL"
    assert "hunter2" not in str(error)
    assert error["extensions"]["correlationId"] in caplog.text


async def test_hanging_up_a_call_the_pbx_no_longer_has_is_a_vendor_refusal(lirax: Rig) -> None:
    form = {
        "cmd": "makecall_finished",
        "id_makecall": "M-1",
        "Call_id": "GONE-1",
        "success": "1",
        "from_LiraX_token": "lirax-webhook-token",
    }
    assert (await post_webhook(lirax.api, lirax.provider_id, data=form)).status_code == 200
    call_id = (await lirax.api.query(CALLS))["calls"]["edges"][0]["node"]["id"]
    result = await lirax.api.query(HANGUP, {"id": call_id})
    (error,) = result["hangupCall"]["userErrors"]
    assert (error["code"], error["vendorCode"]) == ("PROVIDER_REJECTED", "400")
    assert "already ended" in error["message"]


CONTACT = "query($p: String!) { contact(phone: $p) { phone name responsible provider } }"
UPSERT = """mutation($i: ContactInput!) {
  upsertContact(input: $i) { contact { phone name responsible } userErrors { field code message } }
}"""


async def test_contacts_are_kept_and_found_by_any_notation(lirax: Rig) -> None:
    saved = await lirax.api.query(
        UPSERT, {"i": {"phone": "8 (912) 345-67-89", "name": "Ivan", "responsible": "101"}}
    )
    assert saved["upsertContact"]["contact"]["phone"] == "+79123456789"
    found = (await lirax.api.query(CONTACT, {"p": "+79123456789"}))["contact"]
    assert found == {
        "phone": "+79123456789",
        "name": "Ivan",
        "responsible": "101",
        "provider": None,
    }
    await lirax.api.query(UPSERT, {"i": {"phone": "+79123456789", "name": "Ivan P."}})
    assert (await lirax.api.query(CONTACT, {"p": "89123456789"}))["contact"]["name"] == "Ivan P."
    assert (await lirax.api.query(CONTACT, {"p": "+79990000000"}))["contact"] is None
    bad = await lirax.api.query(UPSERT, {"i": {"phone": "nope", "name": "X"}})
    assert bad["upsertContact"]["userErrors"][0]["field"] == "phone"


def provider(pid: str) -> dict[str, str]:
    """A LiraX provider that only takes webhooks (its commands go nowhere)."""
    return {
        "id": pid,
        "kind": "lirax",
        "base_url": "http://127.0.0.1:9/general",
        "token": "t",
        "webhook_token": "w",
    }


async def test_calls_of_a_provider_removed_from_the_config_are_hidden(tmp_path: Path) -> None:
    database = {"url": f"sqlite:///{tmp_path / 'log.db'}"}
    form = {
        "cmd": "record",
        "callid": "C",
        "record_link": "https://r/1.mp3",
        "from_LiraX_token": "w",
    }
    config = {"storage": database, "providers": [provider("old"), provider("kept")]}
    async with running_callboard(config) as api:
        for pid in ("old", "kept"):
            assert (await post_webhook(api, pid, data=form)).status_code == 200
        assert (await api.query(CALLS))["calls"]["totalCount"] == 2
    async with running_callboard({"storage": database, "providers": [provider("kept")]}) as api:
        calls = (await api.query(CALLS))["calls"]
        assert calls["totalCount"] == 1
        assert calls["edges"][0]["node"]["provider"]["id"] == "kept"
        async with api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            event = (await next_event(events))["callEvents"]
        assert event["call"]["id"] == calls["edges"][0]["node"]["id"]


async def test_total_count_counts_what_every_filter_selects() -> None:
    def event(callid: str, phone: str, **fields: str) -> dict[str, str]:
        return {
            "cmd": "event",
            "type": "in",
            "callid": callid,
            "phone": phone,
            "ext": "101",
            "from_LiraX_token": "w",
            "event": "INCOMING",
            **fields,
        }

    busy = {"event": "CALL_COMPLETED", "status": "Busy", "duration": "0"}
    one, two = "+79160000001", "+79160000002"
    async with running_callboard({"providers": [provider("a"), provider("b")]}) as api:
        for pid, form in [
            ("a", event("A1", one)),
            ("a", event("A2", one, **busy)),
            ("a", event("A3", two, **busy)),
            ("a", event("A4", two)),
            ("b", event("B1", one, **busy)),
        ]:
            assert (await post_webhook(api, pid, data=form)).status_code == 200
        expected = [
            ({}, 5),
            ({"provider": "a"}, 4),
            ({"provider": "b"}, 1),
            ({"phone": "8 916 000-00-01"}, 3),
            ({"status": "BUSY"}, 3),
            ({"status": "RINGING"}, 2),
            ({"status": "COMPLETED"}, 0),
            ({"provider": "a", "status": "BUSY"}, 2),
            ({"phone": two, "status": "RINGING"}, 1),
            ({"provider": "a", "phone": one, "status": "BUSY"}, 1),
            ({"provider": "b", "phone": two}, 0),
        ]
        for filters, count in expected:
            calls = (await api.query(CALLS, {"first": 100, **filters}))["calls"]
            assert (calls["totalCount"], len(calls["edges"])) == (count, count), filters
            paged = (await api.query(CALLS, {"first": 1, **filters}))["calls"]
            assert paged["totalCount"] == count, "every page counts them all"
