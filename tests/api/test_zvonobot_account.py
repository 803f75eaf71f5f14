"""What a Zvonobot account holds, through GraphQL: audio records (text or an uploaded
file) and their moderation, numbers, balance, languages, templates, phone verification;
and planned robocalls moved or cancelled."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.zvonobot_queries import ROBOCALL_CALL, START, robocall
from tests.harness import GraphQLFailed
from tests.vendors import Rig, vendor_rig

RECORD_FIELDS = "id recordId name moderationStatus text url cost createdAt deletedAt"
CREATE_RECORD = f"""
mutation($i: CreateAudioRecordInput!) {{
  createAudioRecord(input: $i) {{
    record {{ {RECORD_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""
REMOVE_RECORDS = f"""
mutation($p: ID!, $ids: [String!]!) {{
  removeAudioRecords(provider: $p, recordIds: $ids) {{
    records {{ {RECORD_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""
RESCHEDULE = """
mutation($i: RescheduleRobocallsInput!) {
  rescheduleRobocalls(input: $i) {
    calls { id status robocall { plannedAt } }
    userErrors { field message code }
  }
}"""
CANCEL = """
mutation($ids: [ID!]!) {
  cancelRobocalls(ids: $ids) {
    calls { id status }
    userErrors { field message code }
  }
}"""


@pytest.fixture
async def zb() -> AsyncIterator[Rig]:
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as rig:
        yield rig


async def create_text_record(rig: Rig, name: str = "Greeting") -> dict[str, Any]:
    variables = {"i": {"provider": rig.provider_id, "name": name, "text": "Добрый день!"}}
    payload = (await rig.api.query(CREATE_RECORD, variables))["createAudioRecord"]
    assert payload["userErrors"] == []
    return payload["record"]  # type: ignore[no-any-return]


async def test_a_text_record_is_created_costed_and_listed(zb: Rig) -> None:
    balance_before = (await zb.api.query(BALANCE, {"p": zb.provider_id}))["balance"]["amount"]
    record = await create_text_record(zb)
    assert record["text"] == "Добрый день!"
    assert record["cost"] == pytest.approx(0.4)
    assert record["moderationStatus"] == "APPROVED"
    assert record["url"].endswith(".mp3")
    listed = await zb.api.query("{ audioRecords { recordId name } }")
    assert listed["audioRecords"] == [{"recordId": record["recordId"], "name": "Greeting"}]
    after = (await zb.api.query(BALANCE, {"p": zb.provider_id}))["balance"]["amount"]
    assert after == pytest.approx(balance_before - 0.4)


async def test_an_audio_file_is_uploaded_through_graphql_multipart(zb: Rig) -> None:
    operations = {
        "query": CREATE_RECORD,
        "variables": {"i": {"provider": zb.provider_id, "name": "Jingle", "file": None}},
    }
    response = await zb.api.http.post(
        f"{zb.api.url}/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.i.file"]}),
        },
        files={"0": ("jingle.mp3", b"ID3\x03fake-mp3-bytes", "audio/mpeg")},
    )
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["createAudioRecord"]
    assert payload["userErrors"] == []
    assert payload["record"]["name"] == "Jingle"
    assert payload["record"]["text"] is None
    stored = zb.vendor.simulator.records[int(payload["record"]["recordId"])]
    assert stored.source == "file"


async def test_a_record_needs_its_text_or_its_file(zb: Rig) -> None:
    variables = {"i": {"provider": zb.provider_id, "name": "Nothing"}}
    (error,) = (await zb.api.query(CREATE_RECORD, variables))["createAudioRecord"]["userErrors"]
    assert error["code"] == "BAD_INPUT"
    long = {"i": {"provider": zb.provider_id, "name": "Long", "text": "x" * 1025}}
    (error,) = (await zb.api.query(CREATE_RECORD, long))["createAudioRecord"]["userErrors"]
    assert error["field"] == "text"
    assert zb.vendor.simulator.requests["/apiCalls/createRecord"] == 0


async def test_removed_records_leave_the_list(zb: Rig) -> None:
    kept, gone = await create_text_record(zb, "Kept"), await create_text_record(zb, "Gone")
    data = await zb.api.query(REMOVE_RECORDS, {"p": zb.provider_id, "ids": [gone["recordId"]]})
    (removed,) = data["removeAudioRecords"]["records"]
    assert removed["recordId"] == gone["recordId"]
    assert removed["deletedAt"] is not None
    listed = await zb.api.query("{ audioRecords { recordId } }")
    assert listed["audioRecords"] == [{"recordId": kept["recordId"]}]


async def test_a_record_under_moderation_holds_its_calls_until_approved(zb: Rig) -> None:
    sim = zb.vendor.simulator
    sim.record_moderation = True
    record = await create_text_record(zb)
    assert record["moderationStatus"] == "PENDING"
    message = {"recordId": int(record["recordId"])}
    payload = (await zb.api.query(START, robocall(zb, ["+79123456789"], message=message)))[
        "startRobocall"
    ]
    (notice,) = payload["notices"]
    assert (notice["code"], notice["field"]) == ("MODERATION_PENDING", "message.recordId")
    (call,) = payload["calls"]
    await asyncio.sleep(0.3)
    assert (await zb.api.query(ROBOCALL_CALL, {"id": call["id"]}))["call"]["status"] == "QUEUED"
    await sim.moderate(record=int(record["recordId"]), status="approved")
    await sim.wait_idle()
    assert (await zb.api.query(ROBOCALL_CALL, {"id": call["id"]}))["call"]["status"] == (
        "COMPLETED"
    )


BALANCE = "query($p: ID!) { balance(provider: $p) { provider accountId amount } }"


async def test_balance_numbers_languages_and_templates(zb: Rig) -> None:
    balance = (await zb.api.query(BALANCE, {"p": zb.provider_id}))["balance"]
    assert balance == {"provider": zb.provider_id, "accountId": "4242", "amount": 1000.0}
    own = await zb.api.query("{ numbers { number shared } }")
    assert own["numbers"] == [
        {"number": "+74950000001", "shared": False},
        {"number": "+74950000002", "shared": False},
    ]
    everything = await zb.api.query("{ numbers(includeShared: true) { number shared } }")
    assert {"number": "+74950000003", "shared": True} in everything["numbers"]
    languages = await zb.api.query(
        "query($p: ID!) { languages(provider: $p) { name code } }", {"p": zb.provider_id}
    )
    assert {"name": "Русский", "code": "ru-RU"} in languages["languages"]
    templates = await zb.api.query(
        "query($p: ID!, $m: Boolean!) { robocallTemplates(provider: $p, onlyModerated: $m) "
        "{ id moderated } }",
        {"p": zb.provider_id, "m": True},
    )
    assert templates["robocallTemplates"] == [{"id": 1, "moderated": True}]


async def test_verify_phone_asks_zvonobot_to_flash_call(zb: Rig) -> None:
    mutation = """
    mutation($i: VerifyPhoneInput!) {
      verifyPhone(input: $i) { phone pin userErrors { field code } }
    }"""
    data = await zb.api.query(mutation, {"i": {"provider": zb.provider_id, "phone": "89123456789"}})
    result = data["verifyPhone"]
    assert result["phone"] == "+79123456789"
    assert len(result["pin"]) == 4
    assert zb.vendor.simulator.verifications == [{"phone": "79123456789", "pin": result["pin"]}]
    bad = {"i": {"provider": zb.provider_id, "phone": "+79123456789", "pin": "12a4"}}
    (error,) = (await zb.api.query(mutation, bad))["verifyPhone"]["userErrors"]
    assert (error["field"], error["code"]) == ("pin", "BAD_INPUT")


async def test_a_planned_call_is_moved_then_cancelled(zb: Rig) -> None:
    later = datetime.now(UTC) + timedelta(hours=2)
    payload = (
        await zb.api.query(START, robocall(zb, ["+79123456789"], plannedAt=later.isoformat()))
    )["startRobocall"]
    (call,) = payload["calls"]
    new_time = (later + timedelta(days=1)).replace(microsecond=0)
    plan = {"i": {"calls": [{"id": call["id"], "plannedAt": new_time.isoformat()}]}}
    moved = (await zb.api.query(RESCHEDULE, plan))["rescheduleRobocalls"]
    assert moved["userErrors"] == []
    (moved_call,) = moved["calls"]
    assert datetime.fromisoformat(moved_call["robocall"]["plannedAt"]) == new_time

    cancelled = (await zb.api.query(CANCEL, {"ids": [call["id"]]}))["cancelRobocalls"]
    assert cancelled["calls"] == [{"id": call["id"], "status": "CANCELED"}]
    events = (await zb.api.query(ROBOCALL_CALL, {"id": call["id"]}))["call"]["events"]
    assert [(e["kind"], e["status"]) for e in events][-1] == ("STATUS_CHANGED", "CANCELED")

    again = (await zb.api.query(CANCEL, {"ids": [call["id"]]}))["cancelRobocalls"]
    assert again["calls"] == []
    (error,) = again["userErrors"]
    assert error["code"] == "NOT_CHANGED"


async def test_a_call_already_dialled_cannot_be_moved(zb: Rig) -> None:
    (call,) = (await zb.api.query(START, robocall(zb, ["+79123456789"])))["startRobocall"]["calls"]
    await zb.vendor.simulator.wait_idle()
    plan = {"i": {"calls": [{"id": call["id"], "plannedAt": "2031-01-01T00:00:00+00:00"}]}}
    result = (await zb.api.query(RESCHEDULE, plan))["rescheduleRobocalls"]
    assert result["calls"] == []
    assert [e["code"] for e in result["userErrors"]] == ["NOT_CHANGED"]


async def test_operations_a_provider_lacks_are_unsupported() -> None:
    async with vendor_rig("lirax") as rig:
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(BALANCE, {"p": rig.provider_id})
        assert failed.value.codes == ["UNSUPPORTED"]
