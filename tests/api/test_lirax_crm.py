"""LiraX CRM through GraphQL against the simulator: contacts, tasks, notes, deals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.test_lirax_crm_wire import DEAL, NOTE, TASK, UPDATE, UPSERT
from tests.vendors import Rig

PHONE = "+380 50 123 4567"


def about(rig: Rig, **extra: Any) -> dict[str, Any]:
    return {"i": {"provider": rig.provider_id, "agent": "101", "phone": PHONE, **extra}}


async def add_contact(rig: Rig) -> None:
    data = await rig.api.query(
        UPSERT,
        {
            "i": {
                "provider": rig.provider_id,
                "phone": PHONE,
                "name": "Dima",
                "responsible": "101",
                "additionalPhones": ["+380 44 123 4567"],
                "emails": ["d@example.com"],
            }
        },
    )
    assert data["upsertContact"]["userErrors"] == []


async def test_a_contact_reaches_lirax_and_the_directory(lirax: Rig) -> None:
    await add_contact(lirax)
    stored = lirax.vendor.simulator.contacts["380501234567"]
    assert (stored.name, stored.ext, stored.add_phones, stored.emails) == (
        "Dima",
        "101",
        ["380441234567"],
        ["d@example.com"],
    )
    found = await lirax.api.query('{ contact(phone: "380501234567") { name emails } }')
    assert found["contact"] == {"name": "Dima", "emails": ["d@example.com"]}


async def test_an_unknown_agent_is_lirax_s_400_as_a_user_error(lirax: Rig) -> None:
    data = await lirax.api.query(
        UPSERT,
        {
            "i": {
                "provider": lirax.provider_id,
                "phone": PHONE,
                "name": "Dima",
                "responsible": "999",
            }
        },
    )
    (error,) = data["upsertContact"]["userErrors"]
    assert (error["code"], error["vendorCode"]) == ("PROVIDER_REJECTED", "400")
    assert lirax.vendor.simulator.contacts == {}


async def test_tasks_and_notes_need_the_contact_first(lirax: Rig) -> None:
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    before = await lirax.api.query(TASK, about(lirax, text="Call back", dueAt=due))
    assert "upsertContact" in before["createTask"]["userErrors"][0]["message"]
    await add_contact(lirax)
    task = await lirax.api.query(TASK, about(lirax, text="Call back", dueAt=due, type="CALL"))
    assert task["createTask"]["task"]["type"] == "CALL"
    note = await lirax.api.query(NOTE, about(lirax, text="Prefers mornings"))
    assert note["createNote"]["userErrors"] == []
    sim = lirax.vendor.simulator
    assert [(t.text, t.type) for t in sim.tasks] == [("Call back", 3)]
    assert [n.text for n in sim.notes] == ["Prefers mornings"]


async def test_a_deal_moves_through_the_funnel(lirax: Rig) -> None:
    await add_contact(lirax)
    unknown_stage = await lirax.api.query(DEAL, about(lirax, name="Order", amount=10, stage=9))
    assert unknown_stage["createDeal"]["userErrors"][0]["code"] == "PROVIDER_REJECTED"
    created = await lirax.api.query(DEAL, about(lirax, name="Order", amount=3030, stage=1))
    deal = created["createDeal"]["deal"]
    won = about(lirax, id=deal["id"], name="Order", amount=3030, stage=3, status="WON")
    assert (await lirax.api.query(UPDATE, won))["updateDeal"]["deal"]["status"] == "WON"
    stored = lirax.vendor.simulator.deals[int(deal["id"])]
    assert (stored.stage, stored.status) == (3, 1)
    again = await lirax.api.query(UPDATE, won)
    assert "nothing changed" in again["updateDeal"]["userErrors"][0]["message"]
