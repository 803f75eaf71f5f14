"""Call info is batched: however many Zvonobot calls a document needs, one upstream
request per 5000 ids (apiCalls/get), through the request's DataLoader."""

from __future__ import annotations

from tests.api.zvonobot_queries import ROBOCALLS, START, robocall
from tests.vendors import vendor_rig

FUTURE = "2030-01-01T09:00:00+03:00"  # planned: the calls wait, no webhooks meanwhile


def phones(count: int) -> list[str]:
    return [f"+7912{n:07d}" for n in range(count)]


async def test_a_thousand_calls_are_read_in_one_upstream_request() -> None:
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as rig:
        sim = rig.vendor.simulator
        started = await rig.api.query(START, robocall(rig, phones(1000), plannedAt=FUTURE))
        calls = started["startRobocall"]["calls"]
        assert len(calls) == 1000
        ids = [c["providerCallId"] for c in calls]

        data = await rig.api.query(ROBOCALLS, {"p": rig.provider_id, "ids": ids})

        assert sim.requests["/apiCalls/get"] == 1
        found = data["robocalls"]
        assert [c["providerCallId"] for c in found] == ids
        assert {c["robocall"]["vendorStatus"] for c in found} == {"created"}
        assert [c["id"] for c in found] == [c["id"] for c in calls], "the same Calls"

        # Two fields asking for different halves share one request too.
        both = """
        query($p: ID!, $a: [String!]!, $b: [String!]!) {
          a: robocalls(provider: $p, ids: $a) { id }
          b: robocalls(provider: $p, ids: $b) { id }
        }"""
        halves = {"p": rig.provider_id, "a": ids[:500], "b": ids[500:]}
        data = await rig.api.query(both, halves)
        assert len(data["a"]) + len(data["b"]) == 1000
        assert sim.requests["/apiCalls/get"] == 2


async def test_unknown_ids_are_null_and_template_calls_come_from_get_with_templates() -> None:
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as rig:
        sim = rig.vendor.simulator
        template = {
            "i": {
                "provider": rig.provider_id,
                "phones": phones(2),
                "message": {"templateId": 1},
                "plannedAt": FUTURE,
            }
        }
        calls = (await rig.api.query(START, template))["startRobocall"]["calls"]
        ids = [c["providerCallId"] for c in calls]
        data = await rig.api.query(
            ROBOCALLS, {"p": rig.provider_id, "ids": [*ids, "999999"], "t": True}
        )
        found = data["robocalls"]
        assert found[2] is None
        assert [c["robocall"]["templateId"] for c in found[:2]] == [1, 1]
        assert sim.requests["/apiCalls/getWithTemplates"] == 1
        plain = await rig.api.query(ROBOCALLS, {"p": rig.provider_id, "ids": ids})
        assert plain["robocalls"] == [None, None], "get knows no template calls"


async def test_more_ids_than_one_request_takes_are_split() -> None:
    credentials = {"moderation_lifted": True, "max_batch": 40}
    async with vendor_rig("zvonobot", credentials=credentials) as rig:
        sim = rig.vendor.simulator
        calls = (await rig.api.query(START, robocall(rig, phones(100), plannedAt=FUTURE)))[
            "startRobocall"
        ]["calls"]
        assert sim.requests["/apiCalls/create"] == 3
        ids = [c["providerCallId"] for c in calls]
        data = await rig.api.query(ROBOCALLS, {"p": rig.provider_id, "ids": ids})
        assert None not in data["robocalls"]
        assert sim.requests["/apiCalls/get"] == 3


async def test_a_status_learnt_by_asking_is_an_event() -> None:
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as rig:
        sim = rig.vendor.simulator
        (call,) = (await rig.api.query(START, robocall(rig, ["+79123456789"], plannedAt=FUTURE)))[
            "startRobocall"
        ]["calls"]
        # The vendor finished the call but its webhook never arrived.
        vendor_call = sim.calls[int(call["providerCallId"])]
        vendor_call.status = "finished"
        vendor_call.webhook_url = None
        data = await rig.api.query(ROBOCALLS, {"p": rig.provider_id, "ids": [str(vendor_call.id)]})
        assert data["robocalls"][0]["status"] == "COMPLETED"
        events = await rig.api.query(
            "query($id: ID!) { call(id: $id) { events { kind status } } }", {"id": call["id"]}
        )
        assert events["call"]["events"] == [
            {"kind": "PLACED", "status": "QUEUED"},
            {"kind": "STATUS_CHANGED", "status": "COMPLETED"},
        ]
