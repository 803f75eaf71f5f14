"""Agent statuses: LiraX's staton webhooks into a query and a subscription, resumable
with a cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from callboard.domain.pbx import AgentStatusType
from callboard.providers.lirax.provider import LiraxProvider
from tests.harness import next_event
from tests.vendors import Rig, post_webhook

CHANGES = """subscription($p: ID) {
  agentStatusChanged(provider: $p) { agent state statusId title updatedAt } }"""
CURRENT = """query($p: ID!) { agentStatuses(provider: $p) { agent state statusId title } }"""
FOLLOW = """subscription($after: ID) {
  agentStatusChanged(after: $after) { agent statusId cursor } }"""
INIT = """mutation($p: ID!) {
  requestAgentStatuses(provider: $p) { requested userErrors { message } } }"""
REFUSED = """mutation($p: ID!) {
  requestAgentStatuses(provider: $p) { requested userErrors { field code } }
  sendAgentMessage(input: {provider: $p, agent: "101", from: "me", text: "hi"}) {
    sent userErrors { field code } } }"""


def staton(ext: str, status: str) -> dict[str, str]:
    return {
        "cmd": "staton",
        "ext": ext,
        "status": status,
        "from_LiraX_token": "lirax-webhook-token",
    }


async def test_staton_updates_the_query_and_the_subscription(lirax: Rig) -> None:
    assert (
        await post_webhook(lirax.api, lirax.provider_id, data=staton("101", "1"))
    ).status_code == 200
    async with lirax.api.subscription(CHANGES, {"p": lirax.provider_id}) as changes:
        first = (await next_event(changes))["agentStatusChanged"]  # the current one first
        assert (first["agent"], first["state"], first["title"]) == ("101", "FREE", "Available")
        await lirax.vendor.simulator.set_agent_status("101", 2)
        busy = (await next_event(changes))["agentStatusChanged"]
    assert (busy["state"], busy["statusId"], busy["title"]) == ("BUSY", "2", "Busy")
    current = (await lirax.api.query(CURRENT, {"p": lirax.provider_id}))["agentStatuses"]
    assert current == [{"agent": "101", "state": "BUSY", "statusId": "2", "title": "Busy"}]


async def test_init_statuses_fills_every_agent(lirax: Rig) -> None:
    data = await lirax.api.query(INIT, {"p": lirax.provider_id})
    assert data["requestAgentStatuses"]["requested"] is True
    await lirax.vendor.simulator.wait_idle()
    current = (await lirax.api.query(CURRENT, {"p": lirax.provider_id}))["agentStatuses"]
    assert {s["agent"]: s["state"] for s in current} == {
        "101": "FREE",
        "102": "BUSY",
        "103": "OFFLINE",
    }


async def test_a_provider_it_cannot_use_is_a_user_error_as_for_its_neighbour(
    lirax: Rig,
) -> None:
    data = await lirax.api.query(REFUSED, {"p": "nope"})
    refused = {"field": "provider", "code": "NOT_FOUND"}
    assert data["requestAgentStatuses"] == {"requested": False, "userErrors": [refused]}
    assert data["sendAgentMessage"] == {"sent": False, "userErrors": [refused]}


async def test_a_list_of_statuses_asks_the_pbx_for_its_catalogue_once(
    lirax: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    for ext, status in [("101", "1"), ("102", "2"), ("103", "1")]:
        await post_webhook(lirax.api, lirax.provider_id, data=staton(ext, status))
    asked = 0
    catalogue = LiraxProvider.agent_status_types

    async def counted(self: LiraxProvider) -> list[AgentStatusType]:
        nonlocal asked
        asked += 1
        return await catalogue(self)

    monkeypatch.setattr(LiraxProvider, "agent_status_types", counted)
    current = (await lirax.api.query(CURRENT, {"p": lirax.provider_id}))["agentStatuses"]
    assert [(s["agent"], s["title"]) for s in current] == [
        ("101", "Available"),
        ("102", "Busy"),
        ("103", "Available"),
    ]
    assert asked == 1


@pytest.mark.parametrize("status", ["", "busy"])
async def test_a_staton_without_a_numeric_status_is_invalid(lirax: Rig, status: str) -> None:
    response = await post_webhook(lirax.api, lirax.provider_id, data=staton("101", status))
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid parameters"}


async def take(events: AsyncIterator[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [(await next_event(events))["agentStatusChanged"] for _ in range(count)]


async def test_a_status_sent_again_counts(lirax: Rig) -> None:
    # staton carries no id or time: keyed by its fields alone, the third delivery (1 again)
    # was taken for a resend of the first, and the agent stayed BUSY.
    for status in ("1", "2", "1"):
        response = await post_webhook(lirax.api, lirax.provider_id, data=staton("101", status))
        assert response.status_code == 200
    current = (await lirax.api.query(CURRENT, {"p": lirax.provider_id}))["agentStatuses"]
    assert [(s["agent"], s["state"]) for s in current] == [("101", "FREE")]
    async with lirax.api.subscription(FOLLOW, {"after": None}) as statuses:
        (snapshot,) = await take(statuses, 1)
        assert snapshot["statusId"] == "1"
        await post_webhook(lirax.api, lirax.provider_id, data=staton("101", "2"))
        await post_webhook(lirax.api, lirax.provider_id, data=staton("101", "1"))
        live = await take(statuses, 2)
    assert [s["statusId"] for s in live] == ["2", "1"]


async def test_a_resumed_subscription_gets_the_changes_it_missed_once_then_live(
    lirax: Rig,
) -> None:
    async def change(ext: str, status: str) -> None:
        response = await post_webhook(lirax.api, lirax.provider_id, data=staton(ext, status))
        assert response.status_code == 200

    await change("101", "1")
    async with lirax.api.subscription(FOLLOW) as statuses:
        (current,) = await take(statuses, 1)  # the snapshot: its cursor covers it
    # While the client is away.
    for ext, status in [("101", "2"), ("102", "1"), ("101", "3")]:
        await change(ext, status)
    async with lirax.api.subscription(FOLLOW, {"after": current["cursor"]}) as statuses:
        missed = await take(statuses, 3)
        await change("103", "0")
        live = await take(statuses, 1)
        with pytest.raises(TimeoutError):
            await next_event(statuses, timeout=0.5)  # nothing twice at the seam
    seen = [*missed, *live]
    assert [(s["agent"], s["statusId"]) for s in seen] == [
        ("101", "2"),
        ("102", "1"),
        ("101", "3"),
        ("103", "0"),
    ]
    assert len({s["cursor"] for s in seen}) == 4
    # Gone after the second item: its cursor gives exactly the ones after it.
    async with lirax.api.subscription(FOLLOW, {"after": seen[1]["cursor"]}) as statuses:
        again = await take(statuses, 2)
        with pytest.raises(TimeoutError):
            await next_event(statuses, timeout=0.5)
    assert again == seen[2:]


async def test_the_current_statuses_carry_the_cursor_to_resume_from(lirax: Rig) -> None:
    await post_webhook(lirax.api, lirax.provider_id, data=staton("101", "1"))
    await post_webhook(lirax.api, lirax.provider_id, data=staton("102", "2"))
    async with lirax.api.subscription(FOLLOW) as statuses:
        current = await take(statuses, 2)
        await post_webhook(lirax.api, lirax.provider_id, data=staton("102", "0"))
        (live,) = await take(statuses, 1)
    assert [s["agent"] for s in current] == ["101", "102"]
    assert current[0]["cursor"] == current[1]["cursor"]
    assert (live["agent"], live["statusId"]) == ("102", "0")
    async with lirax.api.subscription(FOLLOW, {"after": current[0]["cursor"]}) as statuses:
        assert await take(statuses, 1) == [live]
