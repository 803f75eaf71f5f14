"""A Callboard with a real call log, made by vendors' webhooks: LiraX and While1 calls,
answered and missed, with and without recordings, and two clients of different scopes.

For tests that read the log (the compiled-query differential test): the log is filled
once and then only read."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from callboard.auth import Caller, authenticate
from tests.harness import Api, running_callboard
from tests.vendors import post_webhook

LIRAX = "lirax-main"
LIRAX_IDLE = "lirax-idle"  # configured, visible to the wide client, never called
WHILE1 = "while1-pbx"
LIRAX_TOKEN = "lirax-webhook-token"
WHILE1_TOKEN = "while1-webhook-token"

WIDE_KEY = "differential-wide-key-0123456789"
NARROW_KEY = "differential-narrow-key-0123456789"

LIRAX_CALLS = 24
WHILE1_CALLS = 10

# A few customers call again and again, so that a phone filter finds several calls.
CUSTOMERS = ("380991234567", "380501234567", "380671234567", "380631234567")
LINE = "380441234567"

CONFIG = {
    "providers": [
        {
            "id": LIRAX,
            "kind": "lirax",
            "base_url": "https://lirax.invalid/general",
            "token": "lirax-command-token",
            "webhook_token": LIRAX_TOKEN,
        },
        {
            "id": LIRAX_IDLE,
            "kind": "lirax",
            "base_url": "https://lirax-idle.invalid/general",
            "token": "lirax-idle-token",
            "webhook_token": "lirax-idle-webhook-token",
        },
        {
            "id": WHILE1,
            "kind": "while1",
            "base_url": "https://while1.invalid",
            "api_username": "while1-user",
            "api_password": "while1-password",
            "api_key": "while1-api-key",
            "project_id": 1,
            "webhook_token": WHILE1_TOKEN,
        },
    ],
    "clients": [
        {"name": "wide", "key": WIDE_KEY, "providers": ["*"]},
        {"name": "narrow", "key": NARROW_KEY, "providers": [LIRAX]},
    ],
}


def _unavailable(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503)


@dataclass
class CallLog:
    """The running Callboard, its clients, and the global ids of what the log holds."""

    api: Api
    clients: dict[str, Caller]
    lirax_calls: list[str]  # global Call ids, oldest first
    while1_calls: list[str]
    event_ids: list[str]  # global CallEvent ids of the first LiraX call
    cursors: list[str]  # of every call, newest first
    changes: list[str]  # every call's updatedAt, oldest change first
    change_cursors: list[str]  # of every call in the order of changes


def _lirax_deliveries(n: int) -> list[dict[str, str]]:
    """One LiraX call as its webhooks: 4 events when answered and recorded, 3 when not
    recorded, 2 when missed (no answeredAt, no recordingUrl). Every fourth is outgoing."""
    ref, customer = f"LX-{n}", CUSTOMERS[n % len(CUSTOMERS)]
    kind = "out" if n % 4 == 3 else "in"
    base = {"cmd": "event", "type": kind, "callid": ref, "phone": customer, "diversion": LINE}
    base["ext"] = f"10{n % 3}"
    forms = [{**base, "event": "INCOMING"}]
    if n % 3 == 0:
        forms.append({**base, "event": "CALL_COMPLETED", "status": "Missed", "duration": "0"})
    else:
        forms.append({**base, "event": "ACCEPTED"})
        forms.append({**base, "event": "COMPLETED", "status": "Success", "duration": str(n + 7)})
        if n % 3 == 1:
            link = f"https://records.example/{ref}.mp3"
            forms.append({"cmd": "record", "callid": ref, "record_link": link})
    return [{**form, "from_LiraX_token": LIRAX_TOKEN} for form in forms]


def _while1_deliveries(n: int) -> list[dict[str, str]]:
    """One While1 call as the PBX's GET notifications: a queue call answered, a missed
    one, or an outgoing one that was busy."""
    base = {"token": WHILE1_TOKEN, "uniqueid": f"1700000000.{n}", "telephone": "0212345678"}
    if n % 3 == 0:
        return [{**base, "event": "missed_calls", "queue": "sales"}]
    if n % 3 == 1:
        answered = {**base, "agent": "201", "dnid": "0212345600"}
        return [{**answered, "event": "queue_answer"}, {**answered, "event": "queue_answer_end"}]
    return [
        {**base, "event": "dial_answer", "agent": "202"},
        {**base, "event": "outgoing_end", "agent": "202", "fail_reason": "BUSY"},
    ]


async def _deliver(api: Api) -> None:
    # Interleaved, so that a page of the log holds both providers' calls.
    for n in range(max(LIRAX_CALLS, WHILE1_CALLS)):
        if n < LIRAX_CALLS:
            for form in _lirax_deliveries(n):
                response = await post_webhook(api, LIRAX, data=form)
                assert response.status_code == 200, response.text
        if n < WHILE1_CALLS:
            for params in _while1_deliveries(n):
                response = await post_webhook(api, WHILE1, method="GET", params=params)
                assert response.status_code == 200, response.text


_IDS = """query($provider: ID) {
  calls(provider: $provider, first: 100) { edges { cursor node { id events { id } } } }
}"""


_CHANGES = """{
  calls(updatedAfter: "1970-01-01T00:00:00Z", first: 100) { edges { cursor node { updatedAt } } }
}"""


async def _edges(api: Api, provider: str | None) -> list[dict[str, Any]]:
    return (await api.query(_IDS, {"provider": provider}))["calls"]["edges"]  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def call_log(storage_url: str = "sqlite://") -> AsyncIterator[CallLog]:
    # The vendors' own APIs are never needed: the log is made by webhooks and only read,
    # so a vendor is down rather than out on the network.
    down = httpx.MockTransport(_unavailable)
    transports = {p["id"]: down for p in CONFIG["providers"]}
    config = {**CONFIG, "storage": {"url": storage_url}}
    async with running_callboard(config, transports=transports, key=WIDE_KEY) as api:
        await _deliver(api)
        lirax = [e["node"] for e in await _edges(api, LIRAX)][::-1]
        while1 = [e["node"] for e in await _edges(api, WHILE1)][::-1]
        assert (len(lirax), len(while1)) == (LIRAX_CALLS, WHILE1_CALLS)
        changed = (await api.query(_CHANGES))["calls"]["edges"]
        clients = {
            name: authenticate(api.settings, f"Bearer {key}")
            for name, key in (("wide", WIDE_KEY), ("narrow", NARROW_KEY))
        }
        yield CallLog(
            api=api,
            clients=clients,
            lirax_calls=[c["id"] for c in lirax],
            while1_calls=[c["id"] for c in while1],
            event_ids=[e["id"] for e in lirax[0]["events"]],
            cursors=[e["cursor"] for e in await _edges(api, None)],
            changes=[e["node"]["updatedAt"] for e in changed],
            change_cursors=[e["cursor"] for e in changed],
        )
