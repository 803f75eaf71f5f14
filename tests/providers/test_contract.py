"""The provider contract: every kind, wired to its simulator, behaves the same through
GraphQL. A new kind joins by adding itself to `tests.vendors.VENDORS`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from callboard.domain.capabilities import Capability
from callboard.providers.registry import provider_class
from callboard.schema.capabilities import operations_of
from tests.harness import FROM_START, GraphQLFailed, next_event
from tests.queries import CALL, CALL_EVENTS, HANGUP, PLACE_CALL, PROVIDERS
from tests.vendors import VENDORS, Rig, post_webhook, vendor_rig


@pytest.fixture(params=sorted(VENDORS))
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    async with vendor_rig(request.param) as rig:
        yield rig


def needs(rig: Rig, capability: Capability) -> None:
    if capability not in provider_class(rig.vendor.kind).capabilities:
        pytest.skip(f"{rig.vendor.kind} does not declare {capability.name}")


async def place(rig: Rig, **extra: Any) -> dict[str, Any]:
    data = await rig.api.query(
        PLACE_CALL, {"input": {"provider": rig.provider_id, **rig.vendor.place_call, **extra}}
    )
    payload: dict[str, Any] = data["placeCall"]
    assert payload["userErrors"] == []
    return payload["call"]  # type: ignore[no-any-return]


async def test_providers_lists_the_declared_capabilities(rig: Rig) -> None:
    data = await rig.api.query(PROVIDERS)
    declared = provider_class(rig.vendor.kind).capabilities
    assert data["providers"] == [
        {
            "id": rig.provider_id,
            "kind": rig.vendor.kind.upper(),
            "capabilities": sorted(c.name for c in declared),
        }
    ]


async def test_providers_lists_the_operations_it_serves(rig: Rig) -> None:
    data = await rig.api.query("{ providers { operations } }")
    (provider,) = data["providers"]
    assert provider["operations"] == operations_of(provider_class(rig.vendor.kind).capabilities)
    assert provider["operations"], "every kind serves something"


async def test_a_placed_call_is_one_call_from_placed_to_final(rig: Rig) -> None:
    needs(rig, Capability.PLACE_CALL)
    watch = {"provider": rig.provider_id, "after": FROM_START}
    async with rig.api.subscription(CALL_EVENTS, watch) as events:
        call = await place(rig)
        assert call["providerCallId"]
        assert call["direction"] == "OUTBOUND"
        kinds = []
        while True:
            event = (await next_event(events))["callEvents"]
            assert event["call"]["id"] == call["id"], "every event belongs to the one call"
            kinds.append(event["kind"])
            if event["status"] and event["status"] == rig.vendor.answered_final:
                break
    assert kinds[0] == "PLACED"
    assert "ANSWERED" in kinds
    stored = (await rig.api.query(CALL, {"id": call["id"]}))["call"]
    assert stored["status"] == rig.vendor.answered_final
    assert [e["kind"] for e in stored["events"]][: len(kinds)] == kinds
    assert stored["answeredAt"] is not None
    assert stored["endedAt"] is not None


async def test_hangup_ends_a_live_call(rig: Rig) -> None:
    needs(rig, Capability.HANGUP_CALL)
    rig.vendor.simulator.step_delay = 0.3  # slow enough to hang up in the middle
    watch = {"provider": rig.provider_id, "after": FROM_START}
    async with rig.api.subscription(CALL_EVENTS, watch) as events:
        call = await place(rig)
        while (await next_event(events))["callEvents"]["kind"] != "ANSWERED":
            pass
        result = (await rig.api.query(HANGUP, {"id": call["id"]}))["hangupCall"]
        assert result["userErrors"] == []
        while True:
            event = (await next_event(events))["callEvents"]
            if event["status"] and event["kind"] in ("ENDED", "COMPLETED", "FAILED"):
                break
    stored = (await rig.api.query(CALL, {"id": call["id"]}))["call"]
    assert stored["endedAt"] is not None


async def probe(rig: Rig) -> dict[str, Any]:
    document, field, extra = rig.vendor.probe
    data = await rig.api.query(document, {"input": {"provider": rig.provider_id, **extra}})
    return data[field]  # type: ignore[no-any-return]


async def test_the_probe_works_against_the_simulator(rig: Rig) -> None:
    assert (await probe(rig))["userErrors"] == []


async def test_vendor_down_is_provider_unavailable() -> None:
    for kind in sorted(VENDORS):
        down = {"base_url": "http://127.0.0.1:9/api", "auth_url": "http://127.0.0.1:9/login"}
        if kind != "twin24":
            down.pop("auth_url")
        async with vendor_rig(kind, credentials=down) as rig:
            with pytest.raises(GraphQLFailed) as failed:
                await probe(rig)
            assert failed.value.codes == ["PROVIDER_UNAVAILABLE"], kind
            assert "127.0.0.1:9" not in str(failed.value.errors)


async def test_wrong_credentials_are_a_clear_user_error() -> None:
    for kind, make_vendor in sorted(VENDORS.items()):
        wrong = {k: f"wrong-{v}" for k, v in make_vendor("http://x", 1).credentials.items()}
        async with vendor_rig(kind, credentials=wrong) as rig:
            (error,) = (await probe(rig))["userErrors"]
            assert error["code"] == "PROVIDER_MISCONFIGURED", kind
            assert all(v not in error["message"] for v in wrong.values())


async def test_a_forged_webhook_is_refused_and_changes_nothing(rig: Rig) -> None:
    needs(rig, Capability.CALL_EVENTS)
    response = await post_webhook(
        rig.api, rig.provider_id, method=rig.vendor.webhook_method, **rig.vendor.forged_webhook()
    )
    assert response.status_code in (401, 403)
    data = await rig.api.query("{ calls { totalCount } }")
    assert data["calls"]["totalCount"] == 0
