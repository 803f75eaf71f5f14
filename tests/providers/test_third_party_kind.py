"""A sixth vendor from outside Callboard: a package of its own, found through the
`callboard.providers` entry point group, places a call and turns its webhook into a
`callEvents` event, with no change to Callboard's modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import FROM_START, next_event, running_callboard
from tests.queries import CALL_EVENTS

KEY = "third-party-kind-key-0123456789"

# The toy vendor's whole integration: a provider inheriting the two areas it serves.
TOY_PROVIDER = """
import json
from datetime import UTC, datetime

from callboard.domain.calls import CallEventKind, CallSignal, CallStatus
from callboard.domain.provider_requests import PlaceCallRequest, PlacedCall
from callboard.providers.areas import PlacesCalls, ReportsCallEvents
from callboard.providers.base import WebhookDelivery, WebhookOutcome, WebhookRejected


class ToyProvider(PlacesCalls, ReportsCallEvents):
    kind = "toy"
    vendor = "Toy"

    async def place_call(self, request: PlaceCallRequest) -> PlacedCall:
        return PlacedCall(provider_call_id="toy-1", status=CallStatus.DIALING, to_number=request.to)

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        try:
            body = json.loads(delivery.body)
        except ValueError:
            raise WebhookRejected(400, b"not JSON") from None
        signal = CallSignal(
            refs=(body["call"],),
            kind=CallEventKind.ANSWERED,
            status=CallStatus.IN_PROGRESS,
            occurred_at=datetime.now(UTC),
            raw=body,
        )
        return WebhookOutcome(dedup_key=body["delivery"], payload=body, signals=(signal,))
"""

ENTRY_POINTS = "[callboard.providers]\ntoy = toy_callboard.provider:ToyProvider\n"

PLACE = """
mutation($i: PlaceCallInput!) {
  placeCall(input: $i) { call { id status providerCallId } userErrors { code message } }
}"""


@pytest.fixture
def toy_package(tmp_path: Path) -> Iterator[None]:
    """`toy_callboard` as an installed distribution would be: a module and its metadata."""
    package = tmp_path / "toy_callboard"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "provider.py").write_text(TOY_PROVIDER)
    metadata = tmp_path / "toy_callboard-0.1.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-callboard\nVersion: 0.1\n")
    (metadata / "entry_points.txt").write_text(ENTRY_POINTS)
    sys.path.insert(0, str(tmp_path))
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("toy_callboard")]:
            del sys.modules[name]


@pytest.mark.usefixtures("toy_package")
async def test_a_kind_from_another_package_places_calls_and_reports_their_events() -> None:
    config = {
        "clients": [{"name": "crm", "key": KEY, "providers": ["*"]}],
        "providers": [{"id": "toy-1", "kind": "toy", "base_url": "http://127.0.0.1:9/toy"}],
    }
    async with running_callboard(config, key=KEY) as api:
        (provider,) = (
            await api.query("{ providers { id kind kindName capabilities operations } }")
        )["providers"]
        assert provider == {
            "id": "toy-1",
            "kind": "OTHER",
            "kindName": "toy",
            "capabilities": ["CALL_EVENTS", "PLACE_CALL"],
            "operations": ["placeCall", "callEvents"],
        }
        placed = (
            await api.query(PLACE, {"i": {"provider": "toy-1", "agent": "1", "to": "+79123456789"}})
        )["placeCall"]
        assert placed["userErrors"] == []
        assert placed["call"]["providerCallId"] == "toy-1"
        async with api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            assert (await next_event(events))["callEvents"]["kind"] == "PLACED"
            hook = await api.http.post(
                f"{api.webhook_base}/toy-1", json={"call": "toy-1", "delivery": "d-1"}
            )
            assert hook.status_code == 200, hook.text
            event = (await next_event(events))["callEvents"]
        assert event["kind"] == "ANSWERED"
        assert event["call"]["id"] == placed["call"]["id"]
        assert event["call"]["status"] == "IN_PROGRESS"
