"""Call history from the simulated LiraX: its session, its export, one call per call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callboard.providers.lirax.simulator.history import HistoryCall
from tests.api.test_lirax_history_wire import HISTORY
from tests.queries import PLACE_CALL
from tests.vendors import PROVIDER_ID, Rig

HISTORY = HISTORY.replace('provider: "crm"', f'provider: "{PROVIDER_ID}"')


def today() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }


async def test_a_call_placed_live_is_the_same_call_in_the_history(lirax: Rig) -> None:
    placed = await lirax.api.query(
        PLACE_CALL, {"input": {"provider": lirax.provider_id, "agent": "101", "to": "+79123456789"}}
    )
    live_id = placed["placeCall"]["call"]["id"]
    await lirax.vendor.simulator.wait_idle()
    history = (await lirax.api.query(HISTORY, today()))["callHistory"]
    (call,) = history
    assert call["id"] == live_id  # the history row joined the call its webhooks built
    assert call["status"] == "COMPLETED"
    assert call["durationSeconds"] > 0


async def test_filters_and_older_calls(lirax: Rig) -> None:
    sim = lirax.vendor.simulator
    yesterday = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=20)  # the PBX's clock
    sim.history_calls += [
        HistoryCall("OLD-IN", yesterday, "79160000001", "74950000000", False, True, 30),
        HistoryCall("OLD-MISSED", yesterday, "79160000002", "74950000000", False, False, 0),
    ]
    missed = await lirax.api.query(HISTORY, {**today(), "connected": False})
    assert [c["providerCallId"] for c in missed["callHistory"]] == ["OLD-MISSED"]
    by_number = await lirax.api.query(HISTORY, {**today(), "filter": "ANI", "value": "0001"})
    assert [c["from"] for c in by_number["callHistory"]] == ["+79160000001"]


async def test_the_session_is_reused_then_renewed_when_the_pbx_ends_it(lirax: Rig) -> None:
    desk = lirax.vendor.simulator.history
    await lirax.api.query(HISTORY, today())
    await lirax.api.query(HISTORY, today())
    assert desk.logins == 1
    desk.end_sessions()
    await lirax.api.query(HISTORY, today())
    assert desk.logins == 2
