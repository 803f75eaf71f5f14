"""A call log a client can keep in sync (issue 21): `createdAt` / `updatedAt` on a call,
`calls(updatedAfter:)` in the order of changes with cursors of its own, the filters by
direction and start time, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from callboard.domain.calls import CallEventKind, CallSignal
from callboard.schema.ids import decode_id
from callboard.store.tables import calls
from tests.api.zvonobot_queries import START, robocall
from tests.harness import GraphQLFailed
from tests.services import BOTH_DATABASES, database
from tests.vendors import Rig, post_webhook, vendor_rig

TOKEN = "lirax-webhook-token"
CUSTOMER = "79161234567"
EPOCH = "1970-01-01T00:00:00+00:00"

SYNC = """
query($after: String, $since: DateTime, $first: Int = 2) {
  calls(updatedAfter: $since, first: $first, after: $after) {
    edges { cursor node { id providerCallId status createdAt updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""

FILTERED = """
query($d: CallDirection, $a: DateTime, $b: DateTime, $s: CallStatus) {
  calls(direction: $d, startedAfter: $a, startedBefore: $b, status: $s, first: 100) {
    totalCount
    nodes { providerCallId direction startedAt }
  }
}"""

ONE = """query($id: ID!) {
  call(id: $id) {
    providerCallId createdAt updatedAt cost currency recordingUrl
    recording { url durationSeconds }
  }
}"""


@pytest.fixture(params=BOTH_DATABASES)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    async with (
        database(request.param) as url,
        vendor_rig("lirax", config={"storage": {"url": url}}) as rig,
    ):
        yield rig


async def event(rig: Rig, ref: str, name: str, *, direction: str = "in", **more: str) -> None:
    form = {"cmd": "event", "event": name, "type": direction, "callid": ref, "phone": CUSTOMER}
    form.update(more, from_LiraX_token=TOKEN)
    response = await post_webhook(rig.api, rig.provider_id, data=form)
    assert response.status_code == 200, response.text


async def record(rig: Rig, ref: str, link: str) -> None:
    form = {"cmd": "record", "callid": ref, "record_link": link, "from_LiraX_token": TOKEN}
    response = await post_webhook(rig.api, rig.provider_id, data=form)
    assert response.status_code == 200, response.text


async def sync_pages(rig: Rig, since: str, *, first: int = 2) -> list[list[dict[str, Any]]]:
    """Every page of `calls(updatedAfter: since)`, following the cursors."""
    pages, after = [], None
    while True:
        found = (await rig.api.query(SYNC, {"since": since, "after": after, "first": first}))[
            "calls"
        ]
        pages.append([e["node"] for e in found["edges"]])
        if not found["pageInfo"]["hasNextPage"]:
            return pages
        after = found["pageInfo"]["endCursor"]


def refs(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["providerCallId"] for n in nodes]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_updated_at_moves_with_every_change_and_not_with_a_resend(rig: Rig) -> None:
    await event(rig, "A", "INCOMING")
    (call,) = (await rig.api.query("{ calls { nodes { id createdAt updatedAt } } }"))["calls"][
        "nodes"
    ]
    assert call["createdAt"] == call["updatedAt"], "new: created and last changed at once"
    assert at(call["createdAt"]) > datetime.now(UTC) - timedelta(minutes=1)
    seen = [at(call["updatedAt"])]
    for name, more in (("ACCEPTED", {}), ("COMPLETED", {"status": "Success", "duration": "9"})):
        await event(rig, "A", name, **more)
        seen.append(at((await rig.api.query(ONE, {"id": call["id"]}))["call"]["updatedAt"]))
    await record(rig, "A", "https://records.example/A.mp3")
    recorded = (await rig.api.query(ONE, {"id": call["id"]}))["call"]
    seen.append(at(recorded["updatedAt"]))
    assert seen == sorted(set(seen)), "each change moved it forward"
    assert recorded["createdAt"] == call["createdAt"], "first seen stays"

    # The same delivery again (a vendor's resend), and the same news by another way in
    # (a status poll telling what the webhooks told): nothing changed, nothing moves.
    await record(rig, "A", "https://records.example/A.mp3")
    store = rig.api.runtime.store
    (kept,) = await store.calls.get_many([decode_id("Call", call["id"], field="id")])
    assert kept is not None
    again = CallSignal(
        refs=("A",), kind=CallEventKind.STATUS_CHANGED, occurred_at=datetime.now(UTC), raw=kept.raw
    )
    await store.calls.record_many(rig.provider_id, [again], rig.api.runtime.bus.publish)
    assert (await rig.api.query(ONE, {"id": call["id"]}))["call"] == recorded


async def test_a_client_polling_by_its_last_updated_at_misses_no_change(rig: Rig) -> None:
    for ref in ("A", "B", "C"):
        await event(rig, ref, "INCOMING")
    first = (await rig.api.query(SYNC, {"since": EPOCH}))["calls"]
    assert refs([e["node"] for e in first["edges"]]) == ["A", "B"], "oldest change first"
    assert first["pageInfo"]["hasNextPage"]
    # A changes while the client pages: it comes again, after C, in the order of changes.
    await event(rig, "A", "ACCEPTED")
    rest = (await rig.api.query(SYNC, {"since": EPOCH, "after": first["pageInfo"]["endCursor"]}))[
        "calls"
    ]
    nodes = [e["node"] for e in rest["edges"]]
    assert refs(nodes) == ["C", "A"]
    assert nodes[-1]["status"] == "IN_PROGRESS"
    assert not rest["pageInfo"]["hasNextPage"]
    last_seen = nodes[-1]["updatedAt"]
    assert await sync_pages(rig, last_seen) == [[]], "nothing changed since"

    await event(rig, "B", "ACCEPTED")
    await event(rig, "D", "INCOMING")
    changed = await sync_pages(rig, last_seen, first=1)
    assert [refs(page) for page in changed] == [["B"], ["D"]]
    # Without updatedAfter the order stays newest call first.
    newest = await rig.api.query("{ calls { nodes { providerCallId } } }")
    assert refs(newest["calls"]["nodes"]) == ["D", "C", "B", "A"]


async def test_calls_changed_at_the_same_instant_are_paged_across_a_boundary(rig: Rig) -> None:
    for ref in ("A", "B", "C", "D"):
        await event(rig, ref, "INCOMING")
    # B and C changed at the very same instant (two instances, or one transaction).
    instant = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    async with rig.api.runtime.store.engine.begin() as conn:
        await conn.execute(
            update(calls).where(calls.c.provider_call_id.in_(["B", "C"])).values(updated_at=instant)
        )
        await conn.execute(
            update(calls)
            .where(calls.c.provider_call_id == "A")
            .values(updated_at=instant - timedelta(microseconds=1))
        )
    pages = await sync_pages(rig, EPOCH, first=2)
    assert [refs(page) for page in pages] == [["A", "B"], ["C", "D"]], "B's cursor keeps C"
    pages = await sync_pages(rig, EPOCH, first=1)
    assert [refs(page) for page in pages] == [["A"], ["B"], ["C"], ["D"]]
    after_a = await sync_pages(rig, (instant - timedelta(microseconds=1)).isoformat())
    assert [refs(page) for page in after_a] == [["B", "C"], ["D"]]
    assert [n["updatedAt"] for n in after_a[0]] == [instant.isoformat()] * 2


async def test_a_time_without_a_zone_is_utc(rig: Rig) -> None:
    await event(rig, "A", "INCOMING")
    (call,) = (await rig.api.query("{ calls { nodes { updatedAt startedAt } } }"))["calls"]["nodes"]
    before = at(call["updatedAt"]) - timedelta(microseconds=1)
    naive = before.replace(tzinfo=None).isoformat()
    assert [refs(p) for p in await sync_pages(rig, naive)] == [["A"]]
    in_moscow = before.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=3)
    assert [refs(p) for p in await sync_pages(rig, in_moscow.isoformat() + "+03:00")] == [["A"]]
    assert await sync_pages(rig, (before + timedelta(microseconds=1)).isoformat()) == [[]]


async def test_the_filters_combine_with_and(rig: Rig) -> None:
    await event(rig, "IN-1", "INCOMING")
    await event(rig, "OUT-1", "INCOMING", direction="out")
    await event(rig, "IN-2", "INCOMING")
    await event(rig, "IN-2", "CALL_COMPLETED", status="Missed", duration="0")
    everything = (await rig.api.query(FILTERED, {}))["calls"]
    started = {n["providerCallId"]: n["startedAt"] for n in everything["nodes"]}
    assert everything["totalCount"] == 3

    async def found(**variables: Any) -> tuple[int, list[str]]:
        page = (await rig.api.query(FILTERED, variables))["calls"]
        return page["totalCount"], refs(page["nodes"])

    assert await found(d="OUTBOUND") == (1, ["OUT-1"])
    assert await found(d="INBOUND") == (2, ["IN-2", "IN-1"])
    assert await found(a=started["IN-1"]) == (2, ["IN-2", "OUT-1"]), "strictly after"
    assert await found(b=started["IN-2"]) == (2, ["OUT-1", "IN-1"]), "strictly before"
    assert await found(a=started["IN-1"], b=started["IN-2"]) == (1, ["OUT-1"])
    assert await found(d="INBOUND", a=started["IN-1"]) == (1, ["IN-2"])
    assert await found(d="INBOUND", s="NO_ANSWER", b=started["IN-2"]) == (0, [])
    assert await found(d="INBOUND", s="NO_ANSWER") == (1, ["IN-2"])


async def test_a_cursor_of_the_other_order_is_bad_input(rig: Rig) -> None:
    for ref in ("A", "B"):
        await event(rig, ref, "INCOMING")
    newest = await rig.api.query("{ calls(first: 1) { pageInfo { endCursor } } }")
    cursor = newest["calls"]["pageInfo"]["endCursor"]
    with pytest.raises(GraphQLFailed) as failed:
        await rig.api.query(SYNC, {"since": EPOCH, "after": cursor})
    assert failed.value.codes == ["BAD_INPUT"]
    assert failed.value.errors[0]["extensions"]["field"] == "after"
    by_change = (await rig.api.query(SYNC, {"since": EPOCH, "first": 1}))["calls"]
    with pytest.raises(GraphQLFailed) as failed:
        await rig.api.query(
            "query($a: String) { calls(after: $a) { totalCount } }",
            {"a": by_change["pageInfo"]["endCursor"]},
        )
    assert failed.value.codes == ["BAD_INPUT"]


async def test_a_call_without_a_cost_or_a_recording_has_nulls(rig: Rig) -> None:
    await event(rig, "A", "INCOMING")
    await event(rig, "A", "CALL_COMPLETED", status="Missed", duration="0")
    (node,) = (await rig.api.query("{ calls { nodes { id } } }"))["calls"]["nodes"]
    found = (await rig.api.query(ONE, {"id": node["id"]}))["call"]
    assert (found["cost"], found["currency"], found["recording"]) == (None, None, None)
    await record(rig, "A", "https://records.example/A.mp3")
    found = (await rig.api.query(ONE, {"id": node["id"]}))["call"]
    assert found["recording"] == {"url": "https://records.example/A.mp3", "durationSeconds": None}
    assert found["recordingUrl"] == found["recording"]["url"]


async def test_a_robocall_has_zvonobots_cost_in_rubles_and_its_recording() -> None:
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as zb:
        zb.vendor.simulator.set_outcome("79123456789", "answered")
        zb.vendor.simulator.set_outcome("79123456788", "no_answer")
        variables = robocall(zb, ["+79123456789", "+79123456788"], record=True)
        answered, missed = (await zb.api.query(START, variables))["startRobocall"]["calls"]
        await zb.vendor.simulator.wait_idle()
        found = (await zb.api.query(ONE, {"id": answered["id"]}))["call"]
        # The page: "cost": <the call's cost, rub.>; the simulator bills 1.50 a call.
        assert (found["cost"], found["currency"]) == (pytest.approx(1.5), "RUB")
        assert found["recording"] == {"url": found["recordingUrl"], "durationSeconds": None}
        assert found["recordingUrl"].endswith(".mp3")
        assert at(found["updatedAt"]) > at(found["createdAt"]), "its statuses changed it"
        unanswered = (await zb.api.query(ONE, {"id": missed["id"]}))["call"]
        assert (unanswered["cost"], unanswered["currency"], unanswered["recording"]) == (
            0,
            "RUB",
            None,
        ), "a call nobody answered costs nothing, as Zvonobot says"


async def test_a_recordings_length_shows_where_a_vendor_gives_it(rig: Rig) -> None:
    # No vendor's page gives one today: the signal a future mapping would send.
    await event(rig, "A", "INCOMING")
    recorded = CallSignal(
        refs=("A",),
        kind=CallEventKind.RECORDING_READY,
        occurred_at=datetime.now(UTC),
        recording_url="https://records.example/A.mp3",
        recording_duration_seconds=42,
    )
    runtime = rig.api.runtime
    await runtime.store.calls.record_many(rig.provider_id, [recorded], runtime.bus.publish)
    (node,) = (await rig.api.query("{ calls { nodes { id } } }"))["calls"]["nodes"]
    found = (await rig.api.query(ONE, {"id": node["id"]}))["call"]
    assert found["recording"] == {"url": "https://records.example/A.mp3", "durationSeconds": 42}
