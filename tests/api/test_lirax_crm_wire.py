"""LiraX CRM commands on the wire (checkContact, createTask, createNote, createDeal,
updateDeal): the exact form LiraX gets, and what its answers become."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.conftest import Lirax, sent
from tests.harness import Api

UPSERT = """mutation($i: ContactInput!) { upsertContact(input: $i) {
  contact { phone name responsible additionalPhones emails provider }
  userErrors { field code message vendorCode } } }"""
TASK = """mutation($i: CreateTaskInput!) { createTask(input: $i) {
  task { agent phone text dueAt type } userErrors { field code message } } }"""
NOTE = """mutation($i: CreateNoteInput!) { createNote(input: $i) {
  note { phone text } userErrors { field code message } } }"""
DEAL = """mutation($i: CreateDealInput!) { createDeal(input: $i) {
  deal { id name amount stage status } userErrors { field code message } } }"""
UPDATE = """mutation($i: UpdateDealInput!) { updateDeal(input: $i) {
  deal { id status } userErrors { field code message vendorCode } } }"""


async def test_upsert_contact_pushes_check_contact_and_keeps_it(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    data = await api.query(
        UPSERT,
        {
            "i": {
                "provider": "crm",
                "phone": "+380 50 123 4567",
                "name": "Dima",
                "responsible": "101",
                "additionalPhones": ["+380 44 123 4567", "8 495 123-45-67"],
                "emails": ["a@a.com", "b@b.com"],
            }
        },
    )
    assert data["upsertContact"]["userErrors"] == []
    assert sent(lirax) == {
        "cmd": "checkContact",
        "ext": "101",
        "ani": "380501234567",
        "name": "Dima",
        "add_phone": "380441234567,74951234567",
        "emails": "a@a.com,b@b.com",
    }
    found = await api.query('{ contact(phone: "380501234567") { name emails provider } }')
    assert found["contact"] == {"name": "Dima", "emails": ["a@a.com", "b@b.com"], "provider": "crm"}


async def test_a_contact_lirax_refuses_is_not_kept(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["checkContact"] = httpx.Response(400)
    data = await api.query(
        UPSERT,
        {"i": {"provider": "crm", "phone": "+79123456789", "name": "X", "responsible": "101"}},
    )
    (error,) = data["upsertContact"]["userErrors"]
    assert (error["code"], error["vendorCode"]) == ("PROVIDER_REJECTED", "400")
    assert "refused the contact" in error["message"]
    assert (await api.query('{ contact(phone: "+79123456789") { name } }'))["contact"] is None


async def test_lirax_needs_the_responsible_extension(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    data = await api.query(UPSERT, {"i": {"provider": "crm", "phone": "+79123456789", "name": "X"}})
    assert data["upsertContact"]["userErrors"][0]["field"] == "responsible"
    assert lirax.forms == []


async def test_create_task_sends_the_pbx_local_date_and_type(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    data = await api.query(
        TASK,
        {
            "i": {
                "provider": "crm",
                "agent": "101",
                "phone": "+79123456789",
                "text": "Call back",
                "dueAt": due.isoformat(),
                "type": "MEETING",
            }
        },
    )
    assert data["createTask"]["userErrors"] == []
    form = sent(lirax)
    kyiv = due.astimezone(ZoneInfo("Europe/Kyiv"))
    assert form == {
        "cmd": "createTask",
        "ext": "101",
        "ani": "79123456789",
        "text": "Call back",
        "date": kyiv.strftime("%Y-%m-%d %H:%M:%S"),
        "type": "2",
    }


@pytest.mark.parametrize("offset", [timedelta(hours=-1), timedelta(days=731)])
async def test_task_dates_outside_the_pages_bounds_are_refused(
    rig: tuple[Api, Lirax], offset: timedelta
) -> None:
    api, lirax = rig
    due = datetime.now(UTC) + offset
    data = await api.query(
        TASK,
        {
            "i": {
                "provider": "crm",
                "agent": "101",
                "phone": "+79123456789",
                "text": "t",
                "dueAt": due.isoformat(),
            }
        },
    )
    assert data["createTask"]["userErrors"][0]["field"] == "dueAt"
    assert lirax.forms == []


async def test_create_note(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    data = await api.query(
        NOTE,
        {"i": {"provider": "crm", "agent": "101", "phone": "8 912 345-67-89", "text": "Новости"}},
    )
    assert data["createNote"]["note"] == {"phone": "+79123456789", "text": "Новости"}
    assert sent(lirax) == {
        "cmd": "createNote",
        "ext": "101",
        "ani": "79123456789",
        "text": "Новости",
    }


async def test_create_and_update_a_deal(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["createDeal"] = httpx.Response(200, json={"id_deal": 1910})
    created = await api.query(
        DEAL,
        {
            "i": {
                "provider": "crm",
                "agent": "101",
                "phone": "+79123456789",
                "name": "Order",
                "amount": 3030,
                "stage": 1,
            }
        },
    )
    deal = created["createDeal"]["deal"]
    assert deal == {"id": "1910", "name": "Order", "amount": 3030, "stage": 1, "status": "ACTIVE"}
    assert sent(lirax) == {
        "cmd": "createDeal",
        "ext": "101",
        "ani": "79123456789",
        "name": "Order",
        "sum": "3030",
        "stage": "1",
    }
    won = {
        "i": {
            "provider": "crm",
            "id": "1910",
            "agent": "101",
            "phone": "+79123456789",
            "name": "Order",
            "amount": 3030,
            "stage": 2,
            "status": "WON",
        }
    }
    updated = await api.query(UPDATE, won)
    assert updated["updateDeal"]["deal"] == {"id": "1910", "status": "WON"}
    assert sent(lirax) == {
        "cmd": "updateDeal",
        "ext": "101",
        "ani": "79123456789",
        "name": "Order",
        "sum": "3030",
        "stage": "2",
        "id_deal": "1910",
        "status": "1",
    }
    lirax.replies["updateDeal"] = httpx.Response(400)
    refused = await api.query(UPDATE, won)
    assert "nothing changed" in refused["updateDeal"]["userErrors"][0]["message"]


async def test_a_bad_timezone_is_a_config_error() -> None:
    from callboard.settings import ConfigError, parse_settings

    entry: dict[str, Any] = {
        "id": "x",
        "kind": "lirax",
        "base_url": "https://l/general",
        "token": "t",
        "webhook_token": "w",
        "timezone": "Mars/Base",
    }
    with pytest.raises(ConfigError, match="timezone: 'Mars/Base' is not a time zone"):
        parse_settings({"providers": [entry]}, environ={})
