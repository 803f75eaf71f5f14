"""The Twin24 simulator: its login (JWTs that expire), the incomingRules batch checked
against the page's field table, and the webhooks it posts for calls to the numbers."""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callboard.providers.twin24.simulator import AUTH_PATH, BATCH_PATH, Twin24Simulator

EMAIL = "ops@example.ru"
PASSWORD = "pa55-w0rd-twin"
STATIC = "static-api-token-1"
TRUNK = "bce7d22e-dde6-4427-b391-ebbdfda44de6"
BOT = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
HOOK = "http://hooks.test/a"
OTHER_HOOK = "http://hooks.test/b"
STEP = 0.01
RESEND = 0.02
DROP = object()  # in a mutation: remove the key

# The page's example as its field table reads it (the example itself is garbled).
PAGE_BODY: dict[str, Any] = {
    "additionalOptions": {"callRecord": "all", "comment": "Комментарий"},
    "incomingCallsOptions": {
        "action": "robot",
        "botId": BOT,
        "cidAsName": "default",
        "cidAsNumber": "default",
        "reserveAction": "default",
        "reserveActionData": None,
        "reserveCidAsName": "original",
        "reserveCidAsNumber": "original",
    },
    "notificationOptions": {
        "type": "off",
        "condition": "unanswer",
        "emailReceivers": [],
        "smsReceivers": [],
    },
    "webhookUrls": [HOOK, OTHER_HOOK],
    "names": ["Название номера 1", "Название номера 2"],
    "numbers": ["71234567001", "71234567002"],
    "connectionOptionsList": [
        {
            "authUser": "",
            "forceOutOverChannel": True,
            "fromDomain": "",
            "login": "",
            "password": "",
            "providerId": TRUNK,
            "did": "123",
            "numberAsDid": False,
        },
        {
            "authUser": "",
            "forceOutOverChannel": True,
            "fromDomain": "",
            "login": "",
            "password": "",
            "providerId": TRUNK,
            "did": "456",
            "numberAsDid": True,
        },
    ],
}


class Receiver:
    """Webhook receiver: keeps (path, body), answers ``answer(path, body)`` (200 default)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, Any]]] = []
        self.times: list[float] = []  # when each came (monotonic)
        self.answer: Callable[[str, dict[str, Any]], int] = lambda path, body: 200
        self.app = Starlette(routes=[Route("/{name}", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        body = await request.json()
        self.got.append((request.url.path, body))
        self.times.append(time.monotonic())
        return Response(status_code=self.answer(request.url.path, body))

    def bodies(self, path: str = "/a") -> list[dict[str, Any]]:
        return [body for got_path, body in self.got if got_path == path]


class Hooks(httpx.AsyncBaseTransport):
    """Where the simulator posts: the receiver, but host unreachable.test refuses."""

    def __init__(self, receiver: Receiver) -> None:
        self._asgi = httpx.ASGITransport(app=receiver.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "unreachable.test":
            raise httpx.ConnectError("connection refused", request=request)
        return await self._asgi.handle_async_request(request)


class Rig:
    def __init__(self, **options: Any) -> None:
        self.receiver = Receiver()
        self.hooks = httpx.AsyncClient(transport=Hooks(self.receiver))
        settings: dict[str, Any] = {
            "email": EMAIL,
            "password": PASSWORD,
            "token": STATIC,
            "step_delay": STEP,
            "resend_delay": RESEND,
            "http": self.hooks,
        }
        settings.update(options)
        self.sim = Twin24Simulator(**settings)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.sim.app), base_url="http://twin24.test"
        )

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.sim.aclose()
        await self.hooks.aclose()

    async def login(self, **fields: Any) -> httpx.Response:
        body = {"email": EMAIL, "password": PASSWORD, "ttl": 3600, **fields}
        return await self.client.post(
            AUTH_PATH, json={k: v for k, v in body.items() if v is not DROP}
        )

    async def batch(self, body: Any, *, token: str | None = STATIC) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.client.post(BATCH_PATH, json=body, headers=headers)

    async def add(self, **changes: Any) -> None:
        response = await self.batch(changed(PAGE_BODY, **changes))
        assert response.status_code == 200, response.text


def changed(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `body` with dotted paths set (or dropped with DROP)."""
    result = copy.deepcopy(body)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = result
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DROP:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return result


def claims(token: str) -> dict[str, Any]:
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    assert signature
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return decoded


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    made = Rig()
    yield made
    await made.aclose()


# --- login -------------------------------------------------------------------------------------


async def test_login_issues_a_jwt_for_the_ttl_asked(rig: Rig) -> None:
    response = await rig.login(ttl=7200)
    assert response.status_code == 200
    body = response.json()
    assert body["expiresIn"] == 7200
    issued = claims(body["token"])
    assert issued["sub"] == EMAIL
    assert issued["exp"] - issued["iat"] == 7200
    assert abs(issued["exp"] - (time.time() + 7200)) < 5
    assert rig.sim.logins == 1
    assert (await rig.batch(PAGE_BODY, token=body["token"])).status_code == 200


async def test_token_ttl_overrides_the_ttl_asked() -> None:
    rig = Rig(token_ttl=5)
    try:
        body = (await rig.login(ttl=86400)).json()
        assert body["expiresIn"] == 5
        issued = claims(body["token"])
        assert issued["exp"] - issued["iat"] == 5
    finally:
        await rig.aclose()


async def test_every_login_gets_its_own_token(rig: Rig) -> None:
    first, second = (await rig.login()).json()["token"], (await rig.login()).json()["token"]
    assert first != second
    assert rig.sim.logins == 2


@pytest.mark.parametrize(
    "fields", [{"password": "wrong"}, {"email": "other@example.ru"}, {"password": PASSWORD + " "}]
)
async def test_wrong_credentials_are_401(rig: Rig, fields: dict[str, Any]) -> None:
    response = await rig.login(**fields)
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid credentials"}
    assert rig.sim.logins == 0


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"email": DROP}, "email"),
        ({"password": ""}, "password"),
        ({"ttl": 0}, "ttl"),
        ({"ttl": "1h"}, "ttl"),
    ],
)
async def test_a_login_missing_fields_is_422(rig: Rig, fields: dict[str, Any], key: str) -> None:
    response = await rig.login(**fields)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [key]


async def test_a_login_that_is_not_json_is_400(rig: Rig) -> None:
    response = await rig.client.post(AUTH_PATH, content=b"email=x")
    assert response.status_code == 400


# --- the bearer token ----------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "unknown-token", ""])
async def test_the_batch_needs_a_known_token(rig: Rig, token: str | None) -> None:
    response = await rig.batch(PAGE_BODY, token=token)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert rig.sim.rules == []


async def test_expired_tokens_are_refused_the_static_one_is_not(rig: Rig) -> None:
    token = (await rig.login()).json()["token"]
    rig.sim.expire_tokens()
    assert (await rig.batch(PAGE_BODY, token=token)).status_code == 401
    assert (await rig.batch(PAGE_BODY, token=STATIC)).status_code == 200
    fresh = (await rig.login()).json()["token"]
    other = changed(PAGE_BODY, numbers=["71234567005", "71234567006"])
    assert (await rig.batch(other, token=fresh)).status_code == 200


async def test_a_token_expires_by_its_ttl() -> None:
    rig = Rig(token_ttl=1)
    try:
        token = (await rig.login()).json()["token"]
        expires = claims(token)["exp"]
        await asyncio.sleep(max(0.0, expires - time.time()) + 0.01)
        assert (await rig.batch(PAGE_BODY, token=token)).status_code == 401
    finally:
        await rig.aclose()


async def test_without_a_static_token_only_issued_ones_work() -> None:
    rig = Rig(token=None)
    try:
        assert (await rig.batch(PAGE_BODY, token=STATIC)).status_code == 401
    finally:
        await rig.aclose()


# --- the batch ---------------------------------------------------------------------------------


async def test_the_pages_body_adds_one_rule_per_number_with_an_empty_200(rig: Rig) -> None:
    response = await rig.batch(PAGE_BODY)
    assert response.status_code == 200
    assert response.content == b""
    first, second = rig.sim.rules
    assert first["number"] == "71234567001"
    assert first["name"] == "Название номера 1"
    assert first["connectionOptions"]["did"] == "123"
    assert second["connectionOptions"]["numberAsDid"] is True
    assert first["incomingCallsOptions"]["botId"] == BOT
    assert first["additionalOptions"] == {"callRecord": "all", "comment": "Комментарий"}
    assert first["webhookUrls"] == [HOOK, OTHER_HOOK]
    assert rig.sim.rule("+71234567002") is second
    assert rig.sim.requests[BATCH_PATH] == 1


async def test_the_optional_parts_may_be_left_out(rig: Rig) -> None:
    minimal = changed(
        PAGE_BODY,
        additionalOptions=DROP,
        webhookUrls=DROP,
        incomingCallsOptions={"action": "end"},
        connectionOptionsList=[
            {"providerId": TRUNK, "did": "1", "numberAsDid": False},
            {"providerId": TRUNK, "numberAsDid": True},
        ],
    )
    assert (await rig.batch(minimal)).status_code == 200
    assert rig.sim.rules[0]["webhookUrls"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"incomingCallsOptions": DROP}, "incomingCallsOptions"),
        ({"incomingCallsOptions__action": "transfer"}, "incomingCallsOptions.action"),
        ({"incomingCallsOptions__botId": DROP}, "incomingCallsOptions.botId"),
        ({"incomingCallsOptions__cidAsName": "caller"}, "incomingCallsOptions.cidAsName"),
        ({"incomingCallsOptions__cidAsNumber": "num_name"}, "incomingCallsOptions.cidAsNumber"),
        ({"incomingCallsOptions__reserveAction": "end"}, "incomingCallsOptions.reserveAction"),
        (
            {"incomingCallsOptions__reserveActionData": DROP},
            "incomingCallsOptions.reserveActionData",
        ),
        ({"notificationOptions": DROP}, "notificationOptions"),
        ({"notificationOptions__type": "email"}, "notificationOptions.type"),
        (
            {"notificationOptions__smsReceivers": ["79123456789"]},
            "notificationOptions.smsReceivers",
        ),
        ({"additionalOptions__callRecord": "yes"}, "additionalOptions.callRecord"),
        ({"webhookUrls": ["ftp://x"]}, "webhookUrls.0"),
        ({"names": DROP}, "names"),
        ({"names__1": " "}, "names.1"),
        ({"names": ["only one"]}, "names"),
        ({"numbers__1": "+71234567002"}, "numbers.1"),
        ({"numbers__1": "71234567001"}, "numbers.1"),
        ({"connectionOptionsList": []}, "connectionOptionsList"),
        ({"connectionOptionsList__0__providerId": ""}, "connectionOptionsList.0.providerId"),
        ({"connectionOptionsList__0__did": DROP}, "connectionOptionsList.0.did"),
        ({"connectionOptionsList__1__numberAsDid": DROP}, "connectionOptionsList.1.numberAsDid"),
        ({"connectionOptionsList__1__password": 5}, "connectionOptionsList.1.password"),
        (
            {"connectionOptionsList__1__forceOutOverChannel": "yes"},
            "connectionOptionsList.1.forceOutOverChannel",
        ),
    ],
)
async def test_the_field_table_is_enforced(rig: Rig, changes: dict[str, Any], field: str) -> None:
    response = await rig.batch(changed(PAGE_BODY, **changes))
    assert response.status_code == 422, response.text
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["message"] == body["errors"][field][0]
    assert rig.sim.rules == []


async def test_several_errors_are_all_listed(rig: Rig) -> None:
    body = changed(PAGE_BODY, names__0="", connectionOptionsList__0__providerId=DROP)
    response = await rig.batch(body)
    assert set(response.json()["errors"]) == {"names.0", "connectionOptionsList.0.providerId"}
    assert response.json()["message"].endswith("(and 1 more errors)")


async def test_a_body_that_is_not_a_json_object_is_400(rig: Rig) -> None:
    assert (await rig.batch([PAGE_BODY])).status_code == 400
    bad = await rig.client.post(
        BATCH_PATH, content=b"{", headers={"Authorization": f"Bearer {STATIC}"}
    )
    assert bad.status_code == 400


async def test_a_number_already_added_is_refused_and_nothing_is_added(rig: Rig) -> None:
    await rig.add(numbers=["71234567009", "71234567002"])
    response = await rig.batch(PAGE_BODY)
    assert response.status_code == 400
    assert response.json() == {
        "message": "number already exists",
        "errors": {"numbers.1": ["number already exists"]},
    }
    assert [r["number"] for r in rig.sim.rules] == ["71234567009", "71234567002"]


# --- calls and their webhooks ----------------------------------------------------------------


async def test_an_answered_recorded_call_posts_four_hooks_in_order(rig: Rig) -> None:
    await rig.add()
    call_id = await rig.sim.ring("+71234567001", "+79123456789")
    await rig.sim.wait_idle()
    got = rig.receiver.bodies("/a")
    assert rig.receiver.bodies("/b") == got  # every URL of the rule gets every hook
    incoming, redirected, ended, recorded = got
    party = {"callId": call_id, "number": "71234567001", "caller": "79123456789"}
    assert incoming == {**party, "name": "Название номера 1", "date": incoming["date"]}
    assert incoming["date"].endswith("+03:00")
    assert redirected == {
        **party,
        "type": "CALL_REDIRECTED",
        "botId": BOT,
        "timestamp": redirected["timestamp"],
    }
    assert ended["type"] == "CALL_ENDED"
    assert ended["status"] == "answered"
    assert ended["duration"] >= 1
    assert {k: ended[k] for k in party} == party
    assert recorded == {
        **incoming,
        "recordPath": f"https://twin24-sim.invalid/records/{call_id}.mp3",
        "duration": ended["duration"],
    }
    assert all(d.status_code == 200 and d.try_number == 1 for d in rig.sim.deliveries)


async def test_an_unanswered_call_ends_without_redirect_or_recording(rig: Rig) -> None:
    await rig.add()
    await rig.sim.ring("71234567002", "79123456789", answer=False)
    await rig.sim.wait_idle()
    incoming, ended = rig.receiver.bodies()
    assert "type" not in incoming
    assert (ended["type"], ended["status"], ended["duration"]) == ("CALL_ENDED", "no_answer", 0)


async def test_a_number_whose_action_is_end_is_never_answered(rig: Rig) -> None:
    await rig.add(incomingCallsOptions={"action": "end"})
    await rig.sim.ring("71234567001", "79123456789")
    await rig.sim.wait_idle()
    assert [b.get("type") for b in rig.receiver.bodies()] == [None, "CALL_ENDED"]
    assert rig.receiver.bodies()[1]["status"] == "no_answer"


@pytest.mark.parametrize(
    ("changes", "record"),
    [({}, False), ({"additionalOptions__callRecord": "off"}, True)],
)
async def test_no_recording_when_not_recording(
    rig: Rig, changes: dict[str, Any], record: bool
) -> None:
    await rig.add(**changes)
    await rig.sim.ring("71234567001", "79123456789", record=record)
    await rig.sim.wait_idle()
    assert [b.get("type") for b in rig.receiver.bodies()] == [None, "CALL_REDIRECTED", "CALL_ENDED"]


async def test_ringing_a_number_never_added_is_an_error(rig: Rig) -> None:
    with pytest.raises(ValueError, match="no rule"):
        await rig.sim.ring("71234567001", "79123456789")


async def test_two_calls_have_different_ids(rig: Rig) -> None:
    await rig.add()
    first = await rig.sim.ring("71234567001", "79123456789", record=False)
    second = await rig.sim.ring("71234567001", "79123456780", record=False)
    await rig.sim.wait_idle()
    assert first != second
    assert {b["callId"] for b in rig.receiver.bodies()} == {first, second}


async def test_a_hook_not_answered_200_is_resent_until_it_is(rig: Rig) -> None:
    await rig.add(webhookUrls=[HOOK])
    tries: dict[str, int] = {}

    def answer(path: str, body: dict[str, Any]) -> int:
        key = body.get("type", "incoming")
        tries[key] = tries.get(key, 0) + 1
        return 200 if key != "CALL_ENDED" or tries[key] == 3 else 500

    rig.receiver.answer = answer
    await rig.sim.ring("71234567001", "79123456789", record=False)
    await rig.sim.wait_idle()
    ended = [d for d in rig.sim.deliveries if d.body.get("type") == "CALL_ENDED"]
    assert [(d.try_number, d.status_code) for d in ended] == [(1, 500), (2, 500), (3, 200)]
    assert len({json.dumps(d.body, sort_keys=True) for d in ended}) == 1  # the same body


async def test_resends_stop_after_max_tries_with_growing_delays() -> None:
    rig = Rig(max_tries=4, resend_delay=0.05)
    try:
        await rig.add(webhookUrls=[HOOK])
        rig.receiver.answer = lambda path, body: 503
        await rig.sim.ring("71234567001", "79123456789", answer=False)
        await rig.sim.wait_idle()
        incoming = [d for d in rig.sim.deliveries if "type" not in d.body]
        assert [d.try_number for d in incoming] == [1, 2, 3, 4]
        # The incoming hook's four tries (CALL_ENDED's are left out).
        stamps = [
            t
            for t, (_, b) in zip(rig.receiver.times, rig.receiver.got, strict=True)
            if "type" not in b
        ]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert gaps[1] > gaps[0] * 1.5  # backoff: each wait longer than the last
        assert gaps[2] > gaps[1] * 1.5
    finally:
        await rig.aclose()


async def test_an_unreachable_receiver_does_not_stop_the_call(rig: Rig) -> None:
    await rig.add(webhookUrls=["http://unreachable.test/a", HOOK])
    await rig.sim.ring("71234567001", "79123456789", record=False)
    await rig.sim.wait_idle()
    failed = [d for d in rig.sim.deliveries if d.url.startswith("http://unreachable")]
    assert {(d.status_code, d.error) for d in failed} == {(None, "ConnectError")}
    assert [d.try_number for d in failed if "type" not in d.body] == [1, 2, 3]
    assert [b.get("type") for b in rig.receiver.bodies()] == [None, "CALL_REDIRECTED", "CALL_ENDED"]


async def test_aclose_stops_pending_resends() -> None:
    rig = Rig(resend_delay=30)
    await rig.add(webhookUrls=[HOOK])
    rig.receiver.answer = lambda path, body: 500
    await rig.sim.ring("71234567001", "79123456789", answer=False)
    started = time.monotonic()
    await asyncio.sleep(STEP * 5)
    await rig.aclose()
    assert time.monotonic() - started < 5
    assert all(d.try_number == 1 for d in rig.sim.deliveries)


# --- the control endpoint --------------------------------------------------------------------


async def test_ring_through_the_control_endpoint(rig: Rig) -> None:
    await rig.add()
    response = await rig.client.post(
        "/_sim/ring", json={"number": "71234567001", "caller": "79123456789", "record": False}
    )
    assert response.status_code == 200
    await rig.sim.wait_idle()
    assert {b["callId"] for b in rig.receiver.bodies()} == {response.json()["callId"]}
    unknown = await rig.client.post("/_sim/ring", json={"number": "70000000000", "caller": "7"})
    assert unknown.status_code == 404
    bad = await rig.client.post("/_sim/ring", json={"number": "71234567001", "answer": "yes"})
    assert bad.status_code == 400
