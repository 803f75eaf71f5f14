"""Agent statuses: LiraX's staton webhooks into a query and a subscription."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callboard.domain.pbx import AgentState, AgentStatus
from callboard.store import Store
from tests.harness import next_event
from tests.vendors import Rig, post_webhook

CHANGES = """subscription($p: ID) {
  agentStatusChanged(provider: $p) { agent state statusId title updatedAt } }"""
CURRENT = """query($p: ID!) { agentStatuses(provider: $p) { agent state statusId title } }"""
INIT = """mutation($p: ID!) {
  requestAgentStatuses(provider: $p) { requested userErrors { message } } }"""


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


@pytest.mark.parametrize("status", ["", "busy"])
async def test_a_staton_without_a_numeric_status_is_invalid(lirax: Rig, status: str) -> None:
    response = await post_webhook(lirax.api, lirax.provider_id, data=staton("101", status))
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid parameters"}


async def test_a_late_staton_does_not_overwrite_a_newer_one() -> None:
    now = datetime.now(UTC)
    newer = AgentStatus("p", "101", "1", AgentState.FREE, now)
    older = AgentStatus("p", "101", "0", AgentState.OFFLINE, now - timedelta(seconds=5))
    store = await Store.open("sqlite://")
    try:
        await store.agent_statuses.record([newer])
        await store.agent_statuses.record([older])
        (kept,) = await store.agent_statuses.current(["p"])
        assert kept.state is AgentState.FREE
    finally:
        await store.close()
