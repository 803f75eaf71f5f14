"""A contact directory made before contacts had scopes (one contact per phone) is upgraded
in place, on SQLite and PostgreSQL, by however many instances start on it at once: every
contact is kept, one saved through a provider stays that provider's, and one saved
without is shown only to clients that may use every provider."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table
from sqlalchemy.ext.asyncio import create_async_engine

from callboard.store import Store
from callboard.store.engine import database_url
from tests.harness import Api, running_callboard
from tests.services import fresh_database, needs_postgres
from tests.vendors import post_webhook

# The table as Callboard made it before scopes, column for column.
OLD = MetaData()
Table(
    "contacts",
    OLD,
    Column("phone", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("responsible", String(64)),
    Column("provider_id", String(64)),
    Column("updated_at", DateTime, nullable=False),
    Column("additional_phones", JSON, nullable=False),
    Column("emails", JSON, nullable=False),
)

THEIRS = "+79123456701"  # saved through lirax-a
UNOWNED = "+79123456702"  # saved without a provider: whose, nobody knows
ROWS: list[dict[str, Any]] = [
    {
        "phone": THEIRS,
        "name": "Anna",
        "responsible": "101",
        "provider_id": "lirax-a",
        "updated_at": datetime(2026, 1, 1, 12, 0),
        "additional_phones": ["+79123456700"],
        "emails": ["anna@example.com"],
    },
    {
        "phone": UNOWNED,
        "name": "Boris",
        "responsible": "102",
        "provider_id": None,
        "updated_at": datetime(2026, 1, 2, 12, 0),
        "additional_phones": [],
        "emails": [],
    },
]

KEY_A = "key-of-client-a-0123456789"
KEY_ALL = "key-of-client-all-01234567"
CONTACT = """query($p: String!) {
  contact(phone: $p) { phone name responsible provider updatedAt additionalPhones emails } }"""
UPSERT = """mutation($i: ContactInput!) { upsertContact(input: $i) { userErrors { message } } }"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database holding the contacts table made the old way, with a contact in it of
    each kind."""
    async with contextlib.AsyncExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        if request.param == "postgresql":
            url = await stack.enter_async_context(fresh_database())
        engine = create_async_engine(database_url(url))
        async with engine.begin() as conn:
            await conn.run_sync(OLD.create_all)
            await conn.execute(OLD.tables["contacts"].insert(), ROWS)
        await engine.dispose()
        yield url


@contextlib.asynccontextmanager
async def callboard(url: str) -> AsyncIterator[Api]:
    config = {
        "storage": {"url": url},
        "providers": [
            {
                "id": "lirax-a",
                "kind": "lirax",
                "base_url": "https://lira.invalid/general",
                "token": "command-token",
                "webhook_token": "hook-token",
            }
        ],
        "clients": [
            {"name": "a", "key": KEY_A, "providers": ["lirax-a"]},
            {"name": "all", "key": KEY_ALL, "providers": ["*"]},
        ],
    }
    accepts = {"lirax-a": httpx.MockTransport(lambda _: httpx.Response(200))}
    async with running_callboard(config, transports=accepts) as api:
        yield api


async def contact(api: Api, phone: str, key: str) -> Any:
    return (await api.query(CONTACT, {"p": phone}, key=key))["contact"]


async def test_old_contacts_are_kept_and_scoped(old_database: str) -> None:
    # Several instances start on the old database at once, as a deployment's do.
    stores = await asyncio.gather(*(Store.open(old_database) for _ in range(3)))
    for store in stores:
        await store.close()
    anna = {
        "phone": THEIRS,
        "name": "Anna",
        "responsible": "101",
        "provider": "lirax-a",
        "updatedAt": "2026-01-01T12:00:00+00:00",
        "additionalPhones": ["+79123456700"],
        "emails": ["anna@example.com"],
    }
    for restart in range(2):  # the upgrade is made once; a later start changes nothing
        async with callboard(old_database) as api:
            assert await contact(api, THEIRS, KEY_A) == anna
            assert await contact(api, THEIRS, KEY_ALL) == anna
            ask = {
                "cmd": "contact",
                "phone": THEIRS.removeprefix("+"),
                "callid": f"C-{restart}",
                "from_LiraX_token": "hook-token",
            }
            answer = await post_webhook(api, "lirax-a", data=ask)
            assert answer.json() == {"contact_name": "Anna", "responsible": 101}
            # Of no known owner: only a client that could see everything before sees it.
            assert (await contact(api, UNOWNED, KEY_ALL))["name"] == "Boris"
            if restart == 0:
                assert await contact(api, UNOWNED, KEY_A) is None
                # a's own contact of that phone is a's, and leaves the old one as it was
                saved = {"phone": UNOWNED, "name": "Boris (a's)", "responsible": "103"}
                data = await api.query(UPSERT, {"i": saved}, key=KEY_A)
                assert data["upsertContact"]["userErrors"] == []
            assert (await contact(api, UNOWNED, KEY_A))["name"] == "Boris (a's)"
