"""While1Provider against the While1 simulator: its options, placing calls (async=1 and
async=0), and the PBX's events coming back through handle_webhook to the placed call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callboard.domain.calls import (
    AgentAnswer,
    AgentType,
    CallDirection,
    CallEventKind,
    CallStatus,
)
from callboard.domain.capabilities import Capability
from callboard.domain.errors import BadInput, ProviderMisconfigured, ProviderRejected
from callboard.domain.provider_requests import PlaceCallRequest
from callboard.providers.base import (
    ProviderContext,
    WebhookDelivery,
    WebhookOutcome,
    WebhookRejected,
)
from callboard.providers.options import OptionError, parse_options
from callboard.providers.while1.provider import While1Options, While1Provider
from callboard.providers.while1.simulator import While1Simulator

USER, PASSWORD, API_KEY = "cb-api", "pw~Ștefan 1", "key-9d2e7b"
TOKEN = "hook-token-41f8"
TO = "+40721234567"
STEP = 0.01
OPTIONS: dict[str, Any] = {
    "base_url": "http://pbx.test",
    "api_username": USER,
    "api_password": PASSWORD,
    "api_key": API_KEY,
    "project_id": 1,
    "webhook_token": TOKEN,
}


class Callboard:
    """Callboard's webhook route in miniature: each delivery through handle_webhook."""

    def __init__(self) -> None:
        self.provider: While1Provider | None = None
        self.outcomes: list[WebhookOutcome] = []
        self.app = Starlette(
            routes=[Route("/webhooks/{id}", self.receive, methods=["GET", "POST"])]
        )

    async def receive(self, request: Request) -> Response:
        assert self.provider is not None
        delivery = WebhookDelivery(
            method=request.method,
            headers=dict(request.headers),
            query=dict(parse_qsl(request.url.query, keep_blank_values=True)),
            body=await request.body(),
            received_at=datetime.now(UTC),
            client_ip=request.client.host if request.client else None,
        )
        try:
            outcome = self.provider.handle_webhook(delivery)
        except WebhookRejected as rejected:
            return Response(rejected.body, rejected.status_code)
        self.outcomes.append(outcome)
        return Response(outcome.body, outcome.status_code, media_type=outcome.media_type)


class Rig:
    def __init__(self, *, token: str = TOKEN, **options: Any) -> None:
        self.callboard = Callboard()
        self.hooks = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.callboard.app))
        self.sim = While1Simulator(
            USER,
            PASSWORD,
            API_KEY,
            event_url=f"http://cb.test/webhooks/w1?token={token}",
            step_delay=STEP,
            http=self.hooks,
        )
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.sim.app))
        self.provider = make_provider(self.http, **options)
        self.callboard.provider = self.provider

    async def aclose(self) -> None:
        await self.sim.aclose()
        await self.http.aclose()
        await self.hooks.aclose()

    def sent(self) -> dict[str, Any]:
        data: dict[str, Any] = self.sim.originations[-1]["data"]
        return data


def make_provider(http: httpx.AsyncClient, **options: Any) -> While1Provider:
    context = ProviderContext(
        id="w1", http=http, webhook_url="http://cb.test/webhooks/w1", default_region="RO"
    )
    return While1Provider(context, parse_options(While1Options, {**OPTIONS, **options}))


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    rig = Rig()
    yield rig
    await rig.aclose()


# --- options ---------------------------------------------------------------------------


def test_kind_vendor_and_capabilities() -> None:
    assert While1Provider.kind == "while1"
    assert While1Provider.vendor == "While1"
    assert While1Provider.capabilities == {Capability.PLACE_CALL, Capability.CALL_EVENTS}
    assert While1Provider.options_type is While1Options


def test_the_defaults() -> None:
    options = parse_options(While1Options, {**OPTIONS, "webhook_token": ""})
    assert options.webhook_token == ""
    assert tuple(options.allowed_ips) == ()
    assert options.caller_id_format == "e164"
    assert options.answer_timeout == 60


def test_no_secret_in_the_options_repr() -> None:
    text = repr(parse_options(While1Options, OPTIONS))
    for secret in (PASSWORD, API_KEY, TOKEN):
        assert secret not in text
    assert USER in text


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("caller_id_format", "international", "e164, digits, national"),
        ("allowed_ips", ["10.0.0.1", "pbx.example.ro"], "'pbx.example.ro'"),
        ("project_id", 0, "1 or more"),
        ("answer_timeout", 0, "1 second"),
        ("project_id", "1", "integer"),
        ("api_key", "", "is empty"),
        ("base_url", "pbx.example.ro", "not an http(s) URL"),
    ],
)
def test_a_wrong_option_says_which_and_why(key: str, value: Any, says: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_options(While1Options, {**OPTIONS, key: value})
    assert error.value.key == key
    assert says in error.value.message


@pytest.mark.parametrize("key", ["api_username", "api_password", "api_key", "project_id"])
def test_a_missing_option(key: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_options(While1Options, {k: v for k, v in OPTIONS.items() if k != key})
    assert error.value.key == key


# --- placing calls -----------------------------------------------------------------------


async def test_a_call_the_agent_is_being_rung_for(rig: Rig) -> None:
    placed = await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    assert placed.provider_call_id.startswith("cb-")
    assert len(placed.provider_call_id) == 35
    assert placed.status is CallStatus.DIALING
    assert placed.agent_answer is None
    assert placed.direction is CallDirection.OUTBOUND
    assert (placed.to_number, placed.agent) == (TO, "101")
    assert placed.raw["results"] == ["Call successfully originated for user: 101"]
    assert rig.sent() == {
        "project_id": "1",
        "caller_id": TO,
        "caller_id_name": TO,
        "type": "user",
        "destination": "101",
        "external_id": placed.provider_call_id,
        "async": "1",
    }


async def test_every_call_gets_its_own_external_id(rig: Rig) -> None:
    first = await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    second = await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    assert first.provider_call_id != second.provider_call_id


async def test_every_option_of_a_call_reaches_the_pbx_with_a_valid_hash(rig: Rig) -> None:
    request = PlaceCallRequest(
        agent="test-queue",
        to=TO,
        extra={
            "agent_type": AgentType.QUEUE,
            "caller_id_name": "Ioana Ștefănescu ~ Иван",
            "outbound_number": "+40212345678",
            "outbound_trunk": "default-trunk",
            "variables": {
                "BACKEND_LINK": "https://crm.example.ro/c?id=5&x=a b~",
                "SKIP_WELCOME": "1",
            },
        },
    )
    placed = await rig.provider.place_call(request)
    assert placed.status is CallStatus.DIALING
    assert placed.from_number == "+40212345678"
    sent = rig.sent()
    assert sent["caller_id_name"] == "Ioana Ștefănescu ~ Иван"
    assert sent["type"] == "queue"
    assert sent["outbound_trunk"] == "default-trunk"
    assert sent["vars"] == {
        "BACKEND_LINK": "https://crm.example.ro/c?id=5&x=a b~",
        "SKIP_WELCOME": "1",
    }


@pytest.mark.parametrize(
    ("fmt", "written"), [("digits", "40721234567"), ("national", "0721234567")]
)
async def test_the_caller_id_format(fmt: str, written: str) -> None:
    rig = Rig(caller_id_format=fmt)
    try:
        await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
        assert rig.sent()["caller_id"] == written
    finally:
        await rig.aclose()


async def test_waiting_for_the_agent_who_answers(rig: Rig) -> None:
    placed = await rig.provider.place_call(
        PlaceCallRequest(agent="101", to=TO, extra={"wait_for_answer": True})
    )
    assert placed.status is CallStatus.RINGING
    assert placed.agent_answer is AgentAnswer.ANSWERED
    assert rig.sent()["async"] == "0"


async def test_waiting_for_the_agent_who_refuses(rig: Rig) -> None:
    rig.sim.set_agent("101", "reject")
    placed = await rig.provider.place_call(
        PlaceCallRequest(agent="101", to=TO, extra={"wait_for_answer": True})
    )
    assert placed.status is CallStatus.REJECTED
    assert placed.agent_answer is AgentAnswer.REJECTED
    assert placed.refusal == "Call rejected by user"


async def test_waiting_for_the_agent_who_lets_it_ring(rig: Rig) -> None:
    rig.sim.set_agent("101", "no_answer")
    placed = await rig.provider.place_call(
        PlaceCallRequest(agent="101", to=TO, extra={"wait_for_answer": True})
    )
    assert placed.status is CallStatus.NO_ANSWER
    assert placed.agent_answer is AgentAnswer.TIMED_OUT
    assert placed.refusal == "Timeout: user did not answer"


async def test_an_agent_who_is_not_logged_in(rig: Rig) -> None:
    rig.sim.set_agent("101", "offline")
    with pytest.raises(ProviderRejected) as error:
        await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    assert error.value.message == "While1: User is not logged in"
    assert error.value.field == "agent"


async def test_an_unknown_queue(rig: Rig) -> None:
    with pytest.raises(ProviderRejected) as error:
        await rig.provider.place_call(
            PlaceCallRequest(agent="sales", to=TO, extra={"agent_type": AgentType.QUEUE})
        )
    assert error.value.message == "While1: Invalid Queue. Check if pbx queue exists"
    assert error.value.field == "agent"
    assert error.value.vendor_code == "has_error"


async def test_a_blank_agent_is_refused_before_anything_is_sent(rig: Rig) -> None:
    with pytest.raises(BadInput):
        await rig.provider.place_call(PlaceCallRequest(agent=" ", to=TO))
    assert rig.sim.originations == []


@pytest.mark.parametrize(
    "wrong", [{"api_key": "other-key"}, {"api_password": "other"}, {"api_username": "x"}]
)
async def test_wrong_credentials_are_the_operators_to_fix(wrong: dict[str, str]) -> None:
    rig = Rig(**wrong)
    try:
        with pytest.raises(ProviderMisconfigured) as error:
            await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
        assert "check `api_username`, `api_password` and `api_key`" in error.value.message
        for secret in (PASSWORD, API_KEY, *wrong.values()):
            assert secret not in error.value.message
    finally:
        await rig.aclose()


async def test_another_project_is_the_operators_to_fix() -> None:
    rig = Rig(project_id=2)
    try:
        with pytest.raises(ProviderMisconfigured, match="`project_id`"):
            await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    finally:
        await rig.aclose()


async def test_a_waiting_request_has_the_answer_timeout_and_more() -> None:
    seen: list[dict[str, float]] = []

    def pbx(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"has_error": False, "messages": [], "results": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(pbx), timeout=5) as http:
        provider = make_provider(http, answer_timeout=45)
        await provider.place_call(
            PlaceCallRequest(agent="101", to=TO, extra={"wait_for_answer": True})
        )
        await provider.place_call(PlaceCallRequest(agent="101", to=TO))
    assert seen[0]["read"] == 55, "the PBX gives up first, so its answer is read"
    assert seen[1]["read"] == 5


# --- the events coming back ------------------------------------------------------------


async def test_the_events_of_a_placed_call_name_it(rig: Rig) -> None:
    placed = await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    await rig.sim.wait_idle()
    assert rig.sim.event_replies == [200, 200], "each event answered 200"
    answered, ended = (o.signals[0] for o in rig.callboard.outcomes)
    uniqueid = rig.sim.events_sent[0]["uniqueid"]
    assert answered.refs == (placed.provider_call_id, uniqueid)
    assert (answered.kind, answered.status) == (CallEventKind.ANSWERED, CallStatus.IN_PROGRESS)
    assert answered.to_number == TO
    assert answered.agent == "101"
    assert (ended.kind, ended.status) == (CallEventKind.COMPLETED, CallStatus.COMPLETED)
    for outcome in rig.callboard.outcomes:
        assert outcome.body == b""
        assert TOKEN not in str(outcome.payload)


async def test_a_customer_who_is_busy(rig: Rig) -> None:
    rig.sim.set_customer(TO, "busy")
    await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
    await rig.sim.wait_idle()
    (outcome,) = rig.callboard.outcomes
    assert (outcome.signals[0].kind, outcome.signals[0].status) == (
        CallEventKind.FAILED,
        CallStatus.BUSY,
    )


async def test_events_with_a_forged_token_are_refused() -> None:
    rig = Rig(token="forged")
    try:
        await rig.provider.place_call(PlaceCallRequest(agent="101", to=TO))
        await rig.sim.wait_idle()
        assert rig.sim.event_replies == [403, 403]
        assert rig.callboard.outcomes == []
    finally:
        await rig.aclose()
