"""The While1 simulator answers originate-call as the page shows, checks api_hash as PHP
computes it, and sends the PBX's event notifications as GET requests."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callboard.providers.while1.signing import signed_query
from callboard.providers.while1.simulator import While1Simulator, parse_php_pairs, php_query
from tests.providers.while1.test_signing import (
    CALLBOARD_QUERY,
    PAGE_HASH,
    PAGE_QUERY,
)

# The page's own credentials: its example request, hashed by PHP, is a valid request.
USER, PASSWORD, KEY = "your_api_usr", "your_api_pass", "your_api_key"
EVENTS = "http://cb.test/webhooks/w1?token=tok-1"
STEP = 0.01
INVALID = {"has_error": True, "messages": ["Invalid API credentials"], "results": []}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WAIT: dict[str, Any] = {"async": 0}
BAD_ASYNC: dict[str, Any] = {"async": 2}


class Receiver:
    """Callboard's side: keeps each event's method and query, answers `status`."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, str]]] = []
        self.status = 200
        self.app = Starlette(
            routes=[Route("/webhooks/{id}", self.receive, methods=["GET", "POST"])]
        )

    async def receive(self, request: Request) -> Response:
        self.got.append((request.method, dict(parse_qsl(request.url.query, True))))
        return Response(status_code=self.status)

    def events(self) -> list[str]:
        return [query["event"] for _, query in self.got]


class Rig:
    def __init__(self, **options: Any) -> None:
        self.receiver = Receiver()
        self.hooks = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.receiver.app))
        options = {"event_url": EVENTS, "step_delay": STEP, **options}
        self.sim = While1Simulator(USER, PASSWORD, KEY, http=self.hooks, **options)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.sim.app), base_url="http://pbx.test"
        )

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.sim.aclose()
        await self.hooks.aclose()

    async def originate(self, *, key: str = KEY, **data: Any) -> dict[str, Any]:
        """POST a request signed as PHP signs it; the reply's JSON. A field given as None
        is left out."""
        fields = {
            "project_id": 1,
            "caller_id": "+40721234567",
            "caller_id_name": "Ioana",
            "type": "user",
            "destination": "101",
            "external_id": "ext-1",
            **data,
        }
        params = {
            "api_username": USER,
            "api_password": PASSWORD,
            "data": {k: v for k, v in fields.items() if v is not None},
        }
        return await self.send(signed_query(params, key))

    async def send(self, body: str) -> dict[str, Any]:
        response = await self.client.post("/api/originate-call", content=body, headers=FORM)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        reply: dict[str, Any] = response.json()
        return reply


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    rig = Rig()
    yield rig
    await rig.aclose()


def without(name: str) -> dict[str, Any]:
    return {name: None}


def refused(message: str) -> dict[str, Any]:
    return {"has_error": True, "messages": [message], "results": []}


# --- the page's request ------------------------------------------------------------------


async def test_the_pages_example_hashed_by_php_is_accepted(rig: Rig) -> None:
    reply = await rig.send(f"{PAGE_QUERY}&api_hash={PAGE_HASH}")
    assert reply == {
        "has_error": False,
        "messages": [],
        "results": ["Call successfully originated for queue: test-queue"],
    }
    (params,) = rig.sim.originations
    assert params["data"]["vars"] == {
        "SKIP_WELCOME": "1",
        "SKIP_WE_ARE_RECORDING": "1",
        "SKIP_ENTER_QUEUE": "0",
        "BACKEND_LINK": "https://[YOUR-EXTERNAL-CRM-URL]/?change_this_url=1234",
    }
    assert params["data"]["outbound_number"] == "+40212345678"
    assert rig.sim.requests["/api/originate-call"] == 1


async def test_the_same_request_as_a_get_is_accepted(rig: Rig) -> None:
    response = await rig.client.get(f"/api/originate-call?{PAGE_QUERY}&api_hash={PAGE_HASH}")
    assert response.json()["has_error"] is False


async def test_the_pages_printed_hash_is_not_the_one_for_its_key(rig: Rig) -> None:
    reply = await rig.send(f"{PAGE_QUERY}&api_hash=0f25e797e72d0dbba96d2c571a7bd6ba")
    assert reply == INVALID


# --- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(PAGE_QUERY.replace("your_api_pass", "wrong"), id="password"),
        pytest.param(PAGE_QUERY.replace("your_api_usr", "wrong"), id="username"),
        pytest.param(PAGE_QUERY.replace("John+Doe", "John+Do"), id="a-changed-field"),
        pytest.param(PAGE_QUERY.replace("test-queue", "test-queue&x=1"), id="an-added-field"),
    ],
)
async def test_anything_but_the_signed_request_is_refused(rig: Rig, body: str) -> None:
    assert await rig.send(f"{body}&api_hash={PAGE_HASH}") == INVALID
    await rig.sim.wait_idle()
    assert rig.receiver.got == []


async def test_a_missing_hash_is_refused(rig: Rig) -> None:
    assert await rig.send(PAGE_QUERY) == INVALID


async def test_a_hash_made_with_another_key_is_refused(rig: Rig) -> None:
    assert await rig.originate(key="other") == INVALID


async def test_a_tilde_left_unencoded_breaks_the_hash(rig: Rig) -> None:
    # Python's quote_plus keeps "~": a client hashing that string is refused, since the
    # PBX re-encodes "~" as PHP does (%7E) before hashing.
    body = PAGE_QUERY.replace("John+Doe", "John~Doe")
    digest = hashlib.md5((body + KEY).encode()).hexdigest()  # noqa: S324
    assert await rig.send(f"{body}&api_hash={digest}") == INVALID


async def test_a_json_body_is_not_read(rig: Rig) -> None:
    response = await rig.client.post("/api/originate-call", json={"api_username": USER})
    assert response.json() == INVALID


# --- the checks after the credentials -------------------------------------------------


@pytest.mark.parametrize(
    "name", ["project_id", "caller_id", "caller_id_name", "type", "destination", "external_id"]
)
async def test_each_mandatory_field(rig: Rig, name: str) -> None:
    assert await rig.originate(**without(name)) == refused(f"{name} is mandatory")


async def test_another_project_is_refused(rig: Rig) -> None:
    reply = await rig.originate(project_id=2)
    assert reply == refused("Invalid project. Check if pbx project exists")


async def test_an_unknown_type_is_refused(rig: Rig) -> None:
    reply = await rig.originate(type="ring-group")
    assert reply["has_error"] is True
    assert reply["messages"][0].startswith("Invalid type.")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("queue", "Invalid Queue. Check if pbx queue exists"),
        ("user", "Invalid user. Check if pbx user exists"),
        ("context", "Invalid context. Check if pbx context exists"),
        ("extension", "Invalid extension. Check if pbx extension exists"),
    ],
)
async def test_an_unknown_destination_is_refused(rig: Rig, kind: str, message: str) -> None:
    assert await rig.originate(type=kind, destination="nobody") == refused(message)


@pytest.mark.parametrize(
    ("kind", "destination"),
    [
        ("user", "102"),
        ("queue", "test-queue"),
        ("context", "from-internal"),
        ("extension", "101"),
        ("user_email", "ana@while1.test"),
    ],
)
async def test_the_known_destinations(rig: Rig, kind: str, destination: str) -> None:
    reply = await rig.originate(type=kind, destination=destination)
    assert reply["results"] == [f"Call successfully originated for {kind}: {destination}"]


async def test_a_destination_added_by_a_test(rig: Rig) -> None:
    rig.sim.destinations["queue"].add("sales")
    assert (await rig.originate(type="queue", destination="sales"))["has_error"] is False


async def test_a_caller_id_that_is_no_number_is_refused(rig: Rig) -> None:
    reply = await rig.originate(caller_id="call me")
    assert reply == refused("Invalid caller_id. Check the destination phone number")


async def test_an_async_other_than_0_or_1_is_refused(rig: Rig) -> None:
    assert (await rig.originate(**BAD_ASYNC))["has_error"] is True


async def test_an_agent_not_logged_in(rig: Rig) -> None:
    rig.sim.set_agent("101", "offline")
    assert await rig.originate() == refused("User is not logged in")
    await rig.sim.wait_idle()
    assert rig.receiver.got == []


def test_an_unknown_behaviour_is_a_test_error() -> None:
    sim = While1Simulator(USER, PASSWORD, KEY)
    with pytest.raises(ValueError, match="behaviour"):
        sim.set_agent("101", "maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="behaviour"):
        sim.set_customer("+40721234567", "maybe")  # type: ignore[arg-type]


# --- the call and its events ------------------------------------------------------------


async def test_async_1_answers_at_once_then_sends_the_events(rig: Rig) -> None:
    started = time.monotonic()
    reply = await rig.originate(
        type="queue", destination="test-queue", outbound_number="+40212345678"
    )
    assert time.monotonic() - started < STEP * 5
    assert reply["has_error"] is False
    assert rig.receiver.got == [], "the agent has not answered yet"
    await rig.sim.wait_idle()
    assert rig.receiver.events() == ["dial_answer", "outgoing_end"]
    for method, query in rig.receiver.got:
        assert method == "GET"
        assert query["token"] == "tok-1", "the event URL's own query is kept"
        assert query["external_id"] == "ext-1"
        assert query["telephone"] == "+40721234567"
        assert query["dnid"] == "+40212345678"
        assert query["queue"] == "test-queue"
        assert query["agent"] == "101"
    first, last = (query for _, query in rig.receiver.got)
    assert first["uniqueid"] == last["uniqueid"]
    seconds, _, sequence = first["uniqueid"].partition(".")
    assert abs(int(seconds) - time.time()) < 60
    assert sequence.isdigit()
    assert last["fail_reason"] == ""
    assert rig.sim.event_replies == [200, 200]
    assert [e["event"] for e in rig.sim.events_sent] == ["dial_answer", "outgoing_end"]


async def test_every_call_has_its_own_uniqueid(rig: Rig) -> None:
    await rig.originate(external_id="a")
    await rig.originate(external_id="b")
    await rig.sim.wait_idle()
    ids = {q["external_id"]: q["uniqueid"] for _, q in rig.receiver.got}
    assert ids["a"] != ids["b"]


@pytest.mark.parametrize(("behaviour", "reason"), [("reject", "BUSY"), ("no_answer", "NOANSWER")])
async def test_async_1_with_an_agent_who_does_not_take_it(
    rig: Rig, behaviour: Any, reason: str
) -> None:
    rig.sim.set_agent("101", behaviour)
    assert (await rig.originate())["has_error"] is False, "async=1 only says the agent is online"
    await rig.sim.wait_idle()
    assert rig.receiver.events() == ["outgoing_end"]
    assert rig.receiver.got[0][1]["fail_reason"] == reason


async def test_async_0_answers_once_the_agent_did(rig: Rig) -> None:
    started = time.monotonic()
    reply = await rig.originate(**WAIT)
    assert time.monotonic() - started >= STEP
    assert reply == {
        "has_error": False,
        "messages": [],
        "results": ["Call successfully originated for user: 101"],
    }
    await rig.sim.wait_idle()
    assert rig.receiver.events() == ["dial_answer", "outgoing_end"]


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [("reject", "Call rejected by user"), ("no_answer", "Timeout: user did not answer")],
)
async def test_async_0_says_how_the_agent_did_not_answer(
    rig: Rig, behaviour: Any, message: str
) -> None:
    rig.sim.set_agent("101", behaviour)
    assert await rig.originate(**WAIT) == refused(message)
    await rig.sim.wait_idle()
    assert rig.receiver.got == []


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [("busy", "BUSY"), ("no_answer", "NOANSWER"), ("unreachable", "CHANUNAVAIL")],
)
async def test_a_customer_who_does_not_answer(rig: Rig, behaviour: Any, reason: str) -> None:
    rig.sim.set_customer("+40721234567", behaviour)
    await rig.originate()
    await rig.sim.wait_idle()
    assert rig.receiver.events() == ["outgoing_end"]
    assert rig.receiver.got[0][1]["fail_reason"] == reason


async def test_a_receiver_that_fails_does_not_stop_the_call(rig: Rig) -> None:
    rig.receiver.status = 500
    await rig.originate()
    await rig.sim.wait_idle()
    assert rig.sim.event_replies == [500, 500]


async def test_without_an_event_url_no_event_is_sent() -> None:
    rig = Rig(event_url=None)
    try:
        assert (await rig.originate())["has_error"] is False
        await rig.sim.wait_idle()
        assert rig.receiver.got == []
        assert rig.sim.events_sent == []
    finally:
        await rig.aclose()


async def test_aclose_stops_calls_in_progress() -> None:
    rig = Rig(step_delay=10)
    await rig.originate()
    await rig.aclose()
    assert rig.receiver.got == []


async def test_every_request_is_recorded_even_a_refused_one(rig: Rig) -> None:
    await rig.originate(key="other")
    await rig.originate()
    assert rig.sim.requests["/api/originate-call"] == 2
    assert [o["data"]["external_id"] for o in rig.sim.originations] == ["ext-1", "ext-1"]


# --- PHP's parse_str and http_build_query ------------------------------------------------


@pytest.mark.parametrize("query", [PAGE_QUERY, CALLBOARD_QUERY])
def test_parsing_and_encoding_again_gives_phps_string_back(query: str) -> None:
    params = parse_php_pairs(parse_qsl(query, keep_blank_values=True))
    assert php_query(params) == query


def test_parse_str_nests_appends_and_renames_like_php() -> None:
    pairs = [("a[]", "x"), ("a[]", "y"), ("b.c", "1"), ("d[e][f]", ""), ("d[e][g]", "2")]
    assert parse_php_pairs(pairs) == {
        "a": {"0": "x", "1": "y"},
        "b_c": "1",
        "d": {"e": {"f": "", "g": "2"}},
    }
