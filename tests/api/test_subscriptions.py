"""Live call events: resume with `after`, filters, and the events of a placed call."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness import FROM_START, LEGACY_WS, TRANSPORT_WS, GraphQLFailed, next_event
from tests.queries import CALL_EVENTS, PLACE_CALL
from tests.vendors import Rig, post_webhook

TOKEN = "lirax-webhook-token"


def record(callid: str, n: int) -> dict[str, str]:
    return {
        "cmd": "record",
        "callid": callid,
        "record_link": f"https://r.example/{callid}-{n}.mp3",
        "from_LiraX_token": TOKEN,
    }


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_place_call_then_watch_it_ring_answer_end_and_record(
    lirax: Rig, protocol: str
) -> None:
    placed = await lirax.api.query(
        PLACE_CALL,
        {"input": {"provider": lirax.provider_id, "agent": "101", "to": "8 912 345-67-89"}},
    )
    call = placed["placeCall"]["call"]
    assert call["to"] == "+79123456789"
    watch = {"callId": call["id"], "after": FROM_START}
    async with lirax.api.subscription(CALL_EVENTS, watch, protocol=protocol) as events:
        kinds = []
        while "RECORDING_READY" not in kinds:
            event = (await next_event(events))["callEvents"]
            kinds.append(event["kind"])
    assert kinds == [
        "PLACED",
        "STATUS_CHANGED",
        "RINGING",
        "ANSWERED",
        "ENDED",
        "COMPLETED",
        "RECORDING_READY",
    ]
    assert event["call"]["status"] == "COMPLETED"
    assert event["call"]["recordingUrl"].startswith("https://")


async def test_a_late_subscriber_gets_what_it_missed_once_then_live(lirax: Rig) -> None:
    for n in range(3):
        assert (
            await post_webhook(lirax.api, lirax.provider_id, data=record("A", n))
        ).status_code == 200
    async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        seen = [(await next_event(events))["callEvents"] for _ in range(3)]
    cursor = seen[0]["id"]  # the client saw only the first before it went away
    for n in range(3, 5):
        await post_webhook(lirax.api, lirax.provider_id, data=record("A", n))
    async with lirax.api.subscription(CALL_EVENTS, {"after": cursor}) as events:
        resumed = [(await next_event(events))["callEvents"] for _ in range(4)]
        await post_webhook(lirax.api, lirax.provider_id, data=record("A", 5))
        live = (await next_event(events))["callEvents"]
        with pytest.raises(TimeoutError):
            await next_event(events, timeout=0.5)  # nothing more: no duplicate at the seam
    links = [e["raw"]["record_link"] for e in [*resumed, live]]
    assert links == [f"https://r.example/A-{n}.mp3" for n in range(1, 6)]
    assert len({e["id"] for e in [*resumed, live]}) == 5


async def test_replay_and_live_publishing_interleaved_lose_nothing(lirax: Rig) -> None:
    async def publish(start: int, count: int) -> None:
        for n in range(start, start + count):
            await post_webhook(lirax.api, lirax.provider_id, data=record("B", n))

    await publish(0, 20)
    async with lirax.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        writer = asyncio.create_task(publish(20, 20))
        got = [(await next_event(events))["callEvents"] for _ in range(40)]
        await writer
    numbers = [int(e["raw"]["record_link"].rsplit("-", 1)[1].split(".")[0]) for e in got]
    assert numbers == list(range(40))


async def test_filter_by_phone(lirax: Rig) -> None:
    base = {
        "cmd": "event",
        "event": "INCOMING",
        "type": "in",
        "ext": "101",
        "diversion": "74950000000",
        "from_LiraX_token": TOKEN,
    }
    await post_webhook(
        lirax.api, lirax.provider_id, data={**base, "callid": "1", "phone": "79160000001"}
    )
    await post_webhook(
        lirax.api, lirax.provider_id, data={**base, "callid": "2", "phone": "79160000002"}
    )
    watch = {"after": FROM_START, "phone": "+7 916 000-00-02"}
    async with lirax.api.subscription(CALL_EVENTS, watch) as events:
        event = (await next_event(events))["callEvents"]
    assert event["call"]["from"] == "+79160000002"


async def test_a_bad_cursor_is_bad_input(lirax: Rig) -> None:
    with pytest.raises(Exception, match=r"BAD_INPUT|not a CallEvent id"):
        async with lirax.api.subscription(CALL_EVENTS, {"after": "garbage"}) as events:
            await next_event(events, timeout=5)


async def test_queries_report_bad_cursors_with_a_code(lirax: Rig) -> None:
    with pytest.raises(GraphQLFailed) as failed:
        await lirax.api.query("query($a: String) { calls(after: $a) { totalCount } }", {"a": "x"})
    assert failed.value.codes == ["BAD_INPUT"]
