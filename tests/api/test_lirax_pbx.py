"""LiraX black lists, directory and agent messages through GraphQL against the simulator."""

from __future__ import annotations

from tests.api.test_lirax_pbx_wire import ADD, MESSAGE, REMOVE
from tests.vendors import Rig


async def test_black_list_round_trip(lirax: Rig) -> None:
    sim = lirax.vendor.simulator
    added = await lirax.api.query(
        ADD, {"i": {"provider": lirax.provider_id, "phone": "+7 912 345-67-89"}}
    )
    assert added["addToBlacklist"]["blacklist"]["phones"] == ["+79123456789"]
    await lirax.api.query(ADD, {"i": {"provider": lirax.provider_id, "ip": "100.111.000.101"}})
    assert sim.black_phones == ["79123456789"]
    assert sim.black_ips == ["100.111.0.101"]
    removed = await lirax.api.query(
        REMOVE, {"i": {"provider": lirax.provider_id, "ip": "100.111.0.101"}}
    )
    assert removed["removeFromBlacklist"]["blacklist"]["ips"] == []
    again = await lirax.api.query(
        REMOVE, {"i": {"provider": lirax.provider_id, "ip": "100.111.0.101"}}
    )
    assert "not listed" in again["removeFromBlacklist"]["userErrors"][0]["message"]


async def test_directory_reads_the_simulated_pbx(lirax: Rig) -> None:
    data = await lirax.api.query(
        """query($p: ID!) {
      agents(provider: $p) { name extension active }
      shops(provider: $p) { id name }
      dealStages(provider: $p) { id title }
      agentStatusTypes(provider: $p) { id title } }""",
        {"p": lirax.provider_id},
    )
    sim = lirax.vendor.simulator
    assert [a["extension"] for a in data["agents"]] == list(sim.agents)
    assert all(a["active"] for a in data["agents"])
    assert [s["name"] for s in data["shops"]] == list(sim.shops.values())
    assert [s["id"] for s in data["dealStages"]] == list(sim.stages)
    assert [s["title"] for s in data["agentStatusTypes"]] == list(sim.user_statuses.values())


async def test_a_message_reaches_the_agent(lirax: Rig) -> None:
    data = await lirax.api.query(
        MESSAGE,
        {
            "i": {
                "provider": lirax.provider_id,
                "agent": "102",
                "from": "Ivan",
                "text": "Перезвоните",
            }
        },
    )
    assert data["sendAgentMessage"]["sent"] is True
    (message,) = lirax.vendor.simulator.messages
    assert (message.ext, message.ani, message.text) == ("102", "Ivan", "Перезвоните")
    unknown = await lirax.api.query(
        MESSAGE, {"i": {"provider": lirax.provider_id, "agent": "999", "from": "x", "text": "t"}}
    )
    assert unknown["sendAgentMessage"]["userErrors"][0]["code"] == "PROVIDER_REJECTED"
