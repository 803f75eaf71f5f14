"""Cursors of agentStatusChanged and smsEvents that cannot resume: a malformed one (or one
of the other subscription) is BAD_INPUT, one older than retention is CURSOR_EXPIRED."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gql.transport.exceptions import TransportQueryError

from callboard.store import Store
from tests.harness import next_event
from tests.vendors import Rig, post_webhook, vendor_rig

TOKEN = "lirax-webhook-token"
AGENTS = "subscription($a: ID) { agentStatusChanged(after: $a) { agent cursor } }"
MESSAGES = "subscription($a: ID) { smsEvents(after: $a) { text cursor } }"


def staton(n: int) -> dict[str, str]:
    return {"cmd": "staton", "ext": f"10{n}", "status": "1", "from_LiraX_token": TOKEN}


def sms_received(n: int) -> dict[str, str]:
    return {
        "cmd": "smsReceived",
        "id": str(n),
        "ani": "79161234567",
        "provider": "380112345678",
        "text": f"n{n}",
        "from_LiraX_token": TOKEN,
    }


# (document, its type name inside cursors, a webhook making the n-th change)
FEEDS = {
    "agentStatusChanged": (AGENTS, "AgentStatusEvent", staton),
    "smsEvents": (MESSAGES, "SmsEvent", sms_received),
}


def cursor(type_name: str, n: int) -> str:
    return base64.b64encode(f"{type_name}:{n}".encode()).decode()


@pytest.fixture
async def on_file(tmp_path: Path) -> AsyncIterator[tuple[Rig, str]]:
    """LiraX and a Callboard keeping its store in a file the test can open too."""
    url = f"sqlite:///{tmp_path / 'callboard.db'}"
    async with vendor_rig("lirax", config={"storage": {"url": url}}) as rig:
        yield rig, url


async def error_codes(rig: Rig, document: str, after: str) -> list[str]:
    with pytest.raises(TransportQueryError) as failed:
        async with rig.api.subscription(document, {"a": after}) as events:
            await next_event(events, timeout=5)
    return [e["extensions"]["code"] for e in failed.value.errors or []]


@pytest.mark.parametrize("field", FEEDS)
async def test_a_malformed_cursor_or_one_of_another_subscription_is_bad_input(
    lirax: Rig, field: str
) -> None:
    document, _, _ = FEEDS[field]
    assert await error_codes(lirax, document, "garbage") == ["BAD_INPUT"]
    assert await error_codes(lirax, document, cursor("CallEvent", 1)) == ["BAD_INPUT"]


@pytest.mark.parametrize("field", FEEDS)
async def test_a_cursor_older_than_retention_is_expired(
    on_file: tuple[Rig, str], field: str
) -> None:
    rig, url = on_file
    document, type_name, change = FEEDS[field]
    for n in range(1, 3):
        response = await post_webhook(rig.api, rig.provider_id, data=change(n))
        assert response.status_code == 200
    store = await Store.open(url)  # what the retention task does, a day later
    try:
        assert await store.feeds.prune(before=datetime.now(UTC) + timedelta(days=1)) == 2
        pruned = await store.feeds.pruned_through()
    finally:
        await store.close()
    assert await error_codes(rig, document, cursor(type_name, pruned - 1)) == ["CURSOR_EXPIRED"]
    # The newest removed is still a cursor: nothing after it is missing.
    async with rig.api.subscription(document, {"a": cursor(type_name, pruned)}) as events:
        await post_webhook(rig.api, rig.provider_id, data=change(3))
        (item,) = (await next_event(events)).values()
    assert item["cursor"] == cursor(type_name, pruned + 1)
