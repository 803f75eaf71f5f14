"""A vendor's value longer than the column that keeps it (a phone of 300 characters, an
id of 300) is kept all the same, on either database: PostgreSQL refuses such a value,
and a delivery it refused stayed unprocessed, tried again every few seconds forever."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.queries import CALLS
from tests.services import BOTH_DATABASES, database
from tests.vendors import Rig, post_webhook, vendor_rig

TOKEN = "lirax-webhook-token"
LONG_ID = "C" * 300
LONG_PHONE = "anonymous " * 30
AGENTS = """query($p: ID!) { agentStatuses(provider: $p) { agent state } }"""


@pytest.fixture(params=BOTH_DATABASES)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    async with (
        database(request.param) as url,
        vendor_rig("lirax", config={"storage": {"url": url}}) as rig,
    ):
        yield rig


async def send(rig: Rig, form: dict[str, str]) -> int:
    response = await post_webhook(
        rig.api, rig.provider_id, data={**form, "from_LiraX_token": TOKEN}
    )
    return response.status_code


async def test_a_call_with_an_id_and_a_phone_too_long_for_their_columns_is_kept(
    rig: Rig,
) -> None:
    ringing = {"cmd": "event", "event": "INCOMING", "type": "in", "callid": LONG_ID}
    assert await send(rig, {**ringing, "phone": LONG_PHONE}) == 200
    ended = {**ringing, "event": "CALL_COMPLETED", "status": "Success", "duration": "30"}
    assert await send(rig, ended) == 200
    calls = (await rig.api.query(CALLS))["calls"]
    assert calls["totalCount"] == 1, "both events found the one call by its long id"
    (edge,) = calls["edges"]
    assert edge["node"]["status"] == "COMPLETED"
    detail = await rig.api.query(
        "query($id: ID!) { call(id: $id) { raw events { raw } } }", {"id": edge["node"]["id"]}
    )
    assert detail["call"]["events"][0]["raw"]["phone"] == LONG_PHONE, "the text is in raw"


async def test_an_agent_status_with_an_extension_too_long_is_kept(rig: Rig) -> None:
    assert await send(rig, {"cmd": "staton", "ext": "1" * 300, "status": "1"}) == 200
    statuses = (await rig.api.query(AGENTS, {"p": rig.provider_id}))["agentStatuses"]
    assert [s["state"] for s in statuses] == ["FREE"]
