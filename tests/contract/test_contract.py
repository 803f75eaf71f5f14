"""The provider contract: every kind, wired to its simulator, behaves the same through
GraphQL. A built-in kind joins through its folder's wiring (`callboard.providers.wiring`)."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callboard.domain.capabilities import Capability
from callboard.domain.json_bounds import MAX_DEPTH
from callboard.providers.registry import provider_class
from callboard.providers.wiring import example, wiring_of
from callboard.schema.capabilities import operations_of
from tests.contract.deliveries import FINAL, probe
from tests.harness import FROM_START, GraphQLFailed, next_event, serving
from tests.queries import CALL, CALL_EVENTS, HANGUP, PLACE_CALL, PROVIDERS
from tests.vendors import KINDS, PROBES, TWIN24_STATIC_TOKEN, Rig, post_webhook, vendor_rig


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
    assert stored["status"] in FINAL


# each probe mutation's work, read back through GraphQL: the ids or numbers it made
_READ_BACK_PROBE = {
    "placeCall": ("query($id: ID!) { call(id: $id) { id provider { id } } }", "call"),
    "startRobocall": ("query($id: ID!) { call(id: $id) { id provider { id } } }", "calls"),
    "addIncomingNumbers": ("query($p: ID) { numbers(provider: $p) { number name } }", "numbers"),
    "createOrder": ("query($p: ID) { orders(provider: $p) { nodes { orderId } } }", "order"),
}


def test_every_probe_is_read_back() -> None:
    assert set(_READ_BACK_PROBE) == set(PROBES)


async def test_the_probe_works_against_the_simulator(rig: Rig) -> None:
    payload = await probe(rig)
    assert payload["userErrors"] == []
    assert sum(rig.vendor.simulator.requests.values()) > 0, "the vendor was asked"
    document, made = _READ_BACK_PROBE[rig.vendor.probe[1]]
    result = payload[made]
    assert result, "the payload says what was made"
    if made in ("call", "calls"):  # kept in the call log, as this provider's
        for call in result if isinstance(result, list) else [result]:
            kept = (await rig.api.query(document, {"id": call["id"]}))["call"]
            assert kept == {"id": call["id"], "provider": {"id": rig.provider_id}}
    elif made == "numbers":  # listed with the provider's numbers
        listed = (await rig.api.query(document, {"p": rig.provider_id}))["numbers"]
        assert all(number in listed for number in result)
    else:  # the order, listed with the provider's orders
        listed = (await rig.api.query(document, {"p": rig.provider_id}))["orders"]["nodes"]
        assert listed == [{"orderId": result["orderId"]}]


async def test_vendor_down_is_provider_unavailable() -> None:
    for kind in KINDS:
        down = wiring_of(kind).urls("http://127.0.0.1:9")  # every URL to that vendor
        async with vendor_rig(kind, credentials=down) as rig:
            with pytest.raises(GraphQLFailed) as failed:
                await probe(rig)
            assert failed.value.codes == ["PROVIDER_UNAVAILABLE"], kind
            assert "127.0.0.1:9" not in str(failed.value.errors)


async def test_wrong_credentials_are_a_clear_user_error() -> None:
    for kind in KINDS:
        wrong = {k: f"wrong-{v}" for k, v in wiring_of(kind).credentials(example).items()}
        async with vendor_rig(kind, credentials=wrong) as rig:
            (error,) = (await probe(rig))["userErrors"]
            assert error["code"] == "PROVIDER_MISCONFIGURED", kind
            assert all(v not in error["message"] for v in wrong.values())


_EVENTS = """
subscription($provider: ID, $after: ID) {
  callEvents(provider: $provider, after: $after) { kind status raw call { raw } }
}"""
_READ_BACK = """
{
  calls(first: 100) { edges { node { raw events { raw } } } }
  orders { nodes { raw } }
  numbers { raw }
}"""


@pytest.mark.parametrize("kind", KINDS)
async def test_no_secret_reaches_a_client_or_a_kept_row(kind: str, tmp_path: Path) -> None:
    """Vendors echo what Callboard handed them (Zvonobot: each call's webhookUrl with its
    `key`): neither a client nor the database may ever see a configured secret."""
    database = tmp_path / "callboard.db"
    config = {"storage": {"url": f"sqlite:///{database}"}}
    async with vendor_rig(kind, config=config) as rig:
        provider = rig.api.runtime.providers[rig.provider_id]
        secrets = provider.secrets
        assert secrets, "every kind has a credential"
        seen: list[Any] = []
        if Capability.CALL_EVENTS in provider.capabilities:
            watch = {"provider": rig.provider_id, "after": FROM_START}
            async with rig.api.subscription(_EVENTS, watch) as events:
                assert (await probe(rig))["userErrors"] == []
                await rig.vendor.after_probe()
                while True:
                    event = (await next_event(events))["callEvents"]
                    seen.append(event)
                    if event["status"] in FINAL:
                        break
            assert len(seen) > 1, "the vendor said something back"
        else:
            assert (await probe(rig))["userErrors"] == []
        seen.append(await rig.api.query(_READ_BACK))
    shown = json.dumps(seen, ensure_ascii=False)
    kept = _every_row(database)
    for secret in secrets:
        assert secret not in shown, f"{kind}: a secret reached a client"
        assert secret not in kept, f"{kind}: a secret was kept"
    own_url = re.compile(re.escape(rig.api.webhook_base) + r"/[^\s\"]*\?[^\s\"]*")
    for url in own_url.findall(shown + kept):
        assert all(v == "***" for _, v in parse_qsl(urlsplit(url).query)), url


def _every_row(database: Path) -> str:
    """Every value of every table, as text."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row)
            for table in tables
            for row in db.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from sqlite)
        )


# --- what vendors send, within bounds ---------------------------------------------------


def nested(depth: int) -> str:
    """JSON text of objects nested `depth` deep."""
    return '{"a": ' * depth + "0" + "}" * depth


async def calls_kept(rig: Rig) -> int:
    return int((await rig.api.query("{ calls { totalCount } }"))["calls"]["totalCount"])


async def post_json_text(rig: Rig, text: str) -> httpx.Response:
    headers = {"content-type": "application/json"}
    return await post_webhook(
        rig.api, rig.provider_id, params=rig.vendor.webhook_auth, content=text, headers=headers
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
async def test_a_body_nested_too_deep_is_400_and_nothing_is_kept(rig: Rig, depth: int) -> None:
    needs(rig, Capability.CALL_EVENTS)
    deep = nested(depth)
    for text in (deep, f'{json.dumps(rig.vendor.webhook_json)[:-1]}, "deep": {deep}}}'):
        response = await post_json_text(rig, text)
        assert response.status_code == 400, response.text
        assert "error" in response.json()
    assert await calls_kept(rig) == 0
    # and the server is well: the next delivery is kept
    response = await post_json_text(rig, json.dumps(rig.vendor.webhook_json))
    assert response.status_code == 200
    assert await calls_kept(rig) == 1


async def test_a_body_just_within_the_nesting_bound_is_kept_and_published(rig: Rig) -> None:
    needs(rig, Capability.CALL_EVENTS)
    # the delivery is one level, its `deep` member the rest
    text = f'{json.dumps(rig.vendor.webhook_json)[:-1]}, "deep": {nested(MAX_DEPTH - 1)}}}'
    async with rig.api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
        response = await post_json_text(rig, text)
        assert response.status_code == 200, response.text
        event = (await next_event(events))["callEvents"]
    assert "deep" in event["raw"]
    assert await calls_kept(rig) == 1


@pytest.mark.parametrize("depth", [1_000, 100_000])
async def test_a_vendor_reply_nested_too_deep_is_provider_unavailable(depth: int) -> None:
    deep = ("[" * depth + "]" * depth).encode()

    async def answer(request: Request) -> Response:
        return Response(deep, media_type="application/json")

    vendor = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])
    async with serving(vendor) as url:
        # Twin24 twice: its login's reply, and with a configured token its API's reply
        cases = [(kind, {}) for kind in KINDS]
        cases.append(("twin24", {"token": TWIN24_STATIC_TOKEN}))
        for kind, extra in cases:
            urls = wiring_of(kind).urls(url)  # every URL to that vendor
            async with vendor_rig(kind, credentials={**urls, **extra}) as rig:
                with pytest.raises(GraphQLFailed) as failed:
                    await probe(rig)
                assert failed.value.codes == ["PROVIDER_UNAVAILABLE"], (kind, extra)
                assert (await rig.api.http.get(f"{rig.api.url}/healthz")).status_code == 200
