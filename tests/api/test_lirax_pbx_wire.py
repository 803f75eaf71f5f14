"""LiraX black lists, directory and agent messages on the wire, with a scripted LiraX."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Lirax, sent
from tests.harness import Api, GraphQLFailed

ADD = """mutation($i: BlacklistInput!) { addToBlacklist(input: $i) {
  blacklist { phones ips } userErrors { field code message } } }"""
REMOVE = ADD.replace("addToBlacklist", "removeFromBlacklist")
MESSAGE = """mutation($i: AgentMessageInput!) { sendAgentMessage(input: $i) {
  sent userErrors { field code message } } }"""


async def test_black_list_a_phone_and_read_the_lists_back(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["listBlackPhone"] = httpx.Response(
        200, json={"blacklist": ["100111000101", "79123456789", "anonymous"]}
    )
    lirax.replies["listBlackIP"] = httpx.Response(200, json={"blacklist": ["10.0.0.1"]})
    data = await api.query(ADD, {"i": {"provider": "crm", "phone": "8 912 345-67-89"}})
    assert data["addToBlacklist"]["blacklist"] == {
        "phones": ["100111000101", "+79123456789", "anonymous"],
        "ips": ["10.0.0.1"],
    }
    assert [f["cmd"] for f in lirax.forms] == ["addBlackPhone", "listBlackPhone", "listBlackIP"]
    assert lirax.forms[0]["phone"] == "79123456789"


async def test_ips_are_checked_and_the_pages_leading_zeros_tolerated(
    rig: tuple[Api, Lirax],
) -> None:
    api, lirax = rig
    lirax.replies["listBlackPhone"] = lirax.replies["listBlackIP"] = httpx.Response(
        200, json={"blacklist": []}
    )
    await api.query(REMOVE, {"i": {"provider": "crm", "ip": "100.111.000.101"}})
    assert lirax.forms[0] == {"cmd": "delBlackIP", "IP": "100.111.0.101", "token": "command-token"}
    bad = await api.query(ADD, {"i": {"provider": "crm", "ip": "300.1.1.1"}})
    assert bad["addToBlacklist"]["userErrors"][0]["field"] == "ip"
    both = await api.query(ADD, {"i": {"provider": "crm", "ip": "::1", "phone": "+79123456789"}})
    assert both["addToBlacklist"]["userErrors"][0]["code"] == "BAD_INPUT"
    assert len(lirax.forms) == 3  # only the first request and its two list reads went out


async def test_directory_queries_read_the_pages_shapes(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["getUsers"] = httpx.Response(
        200,
        json={
            "users": [
                {"id": 7, "Name": "Anna", "ext": "101", "active": "1"},
                {"id": "8", "name": "Boris", "ext": "", "active": 0},
                {"Name": "no id, skipped"},
            ]
        },
    )
    lirax.replies["getShops"] = httpx.Response(200, json={"shops": [{"id": "3", "name": "Main"}]})
    lirax.replies["getStages"] = httpx.Response(
        200, json={"stages": [{"stage": 2, "title": "New"}, {"stage": 1, "title": "Won"}]}
    )
    lirax.replies["getUserStatuses"] = httpx.Response(
        200, json={"statuses": [{"status": "1", "title": "Free"}]}
    )
    data = await api.query("""{
      agents(provider: "crm") { id name extension active }
      shops(provider: "crm") { id name }
      dealStages(provider: "crm") { id title }
      agentStatusTypes(provider: "crm") { id title } }""")
    assert data["agents"] == [
        {"id": "7", "name": "Anna", "extension": "101", "active": True},
        {"id": "8", "name": "Boris", "extension": None, "active": False},
    ]
    assert data["shops"] == [{"id": "3", "name": "Main"}]
    assert [s["title"] for s in data["dealStages"]] == ["New", "Won"]  # funnel order kept
    assert data["agentStatusTypes"] == [{"id": "1", "title": "Free"}]


async def test_a_reply_without_its_list_is_provider_unavailable(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    lirax.replies["getShops"] = httpx.Response(200, json={"error": "?"})
    with pytest.raises(GraphQLFailed) as failed:
        await api.query('{ shops(provider: "crm") { id } }')
    assert failed.value.codes == ["PROVIDER_UNAVAILABLE"]


async def test_send_agent_message(rig: tuple[Api, Lirax]) -> None:
    api, lirax = rig
    data = await api.query(
        MESSAGE,
        {"i": {"provider": "crm", "agent": "101", "from": "19101234567", "text": "Подготовить"}},
    )
    assert data["sendAgentMessage"] == {"sent": True, "userErrors": []}
    assert sent(lirax) == {
        "cmd": "sendMsg",
        "ext": "101",
        "ani": "19101234567",
        "text": "Подготовить",
    }
    lirax.replies["sendMsg"] = httpx.Response(400)
    refused = await api.query(
        MESSAGE, {"i": {"provider": "crm", "agent": "101", "from": "x", "text": "t"}}
    )
    assert refused["sendAgentMessage"]["sent"] is False
    assert refused["sendAgentMessage"]["userErrors"][0]["code"] == "PROVIDER_REJECTED"
