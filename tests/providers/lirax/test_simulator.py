"""The LiraX simulator answers on the vendor's wire format and posts the page's webhooks."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from callboard.providers.lirax.simulator import (
    LiraxSimulator,
    Outcome,
    SimAgent,
    SimContact,
    SimDeal,
    SimMessage,
    SimModem,
    SimNote,
    SimReceivedSms,
    SimSms,
    SimTask,
)

TOKEN = "202cb962ac59075b964b07152d234b70"
HOOK_TOKEN = "303cb962ac59075b964b07152d234b70"
HOOK_URL = "http://app.test/webhooks/lirax"
EXTERNAL = "74950000000"
CALLID = re.compile(r"[0-9A-F]{20}-[0-9]+")
ANI = "19101234567"
GOOD_DEAL = {"ext": "101", "ani": ANI, "name": "Подготовить Задание", "sum": "3030", "stage": "1"}
MODEM = "380123456789"
OTHER_MODEM = "380501112233"
GOOD_SMS = {"ext": "101", "provider": MODEM, "phone": ANI, "text": "Подготовить Задание"}

ANSWERED = [
    ("makecall_finished", None),
    ("event", "INCOMING"),
    ("event", "ACCEPTED"),
    ("event", "COMPLETED"),
    ("event", "CALL_COMPLETED"),
    ("record", None),
]


class Rig:
    """A simulator, a client for its endpoints, and a fake receiver for its webhooks."""

    def __init__(self) -> None:
        self.hooks: list[dict[str, str]] = []
        self.status = 200
        self.on_hook: Callable[[dict[str, str]], None] | None = None
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self.receive))
        self.sim = LiraxSimulator(
            token=TOKEN,
            webhook_token=HOOK_TOKEN,
            webhook_url=HOOK_URL,
            http=self.http,
            step_delay=0.001,
        )
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.sim.app), base_url="http://sim"
        )

    def receive(self, request: httpx.Request) -> httpx.Response:
        fields = parse_qs(request.content.decode(), keep_blank_values=True)
        form = {k: v[0] for k, v in fields.items()}
        self.hooks.append(form)
        if self.on_hook is not None:
            self.on_hook(form)
        if form["cmd"] == "contact":
            return httpx.Response(200, json={"contact_name": "Иванов Иван", "responsible": 103})
        return httpx.Response(self.status)

    async def command(self, **params: str) -> httpx.Response:
        return await self.client.post("/general", data={"token": TOKEN, **params})

    async def make_call(self, to: str = "79123456789") -> str:
        response = await self.command(cmd="makeCall", to=to, **{"from": "101"})
        assert response.status_code == 200
        id_makecall: str = response.json()["id_makecall"]
        return id_makecall

    async def check_contact(self, ani: str = ANI, **params: str) -> None:
        response = await self.command(cmd="checkContact", ext="101", ani=ani, name="Dima", **params)
        assert (response.status_code, response.content) == (200, b"")

    async def create_deal(self, **params: str) -> int:
        response = await self.command(cmd="createDeal", **{**GOOD_DEAL, **params})
        assert response.status_code == 200
        id_deal: int = response.json()["id_deal"]
        return id_deal

    async def send_sms(self, **params: str) -> httpx.Response:
        return await self.command(cmd="sendSMS", **{**GOOD_SMS, **params})

    async def sent_sms(self, **params: str) -> int:
        response = await self.send_sms(**params)
        assert response.status_code == 200, response.status_code
        id_sms: int = response.json()["id_sms"]
        return id_sms

    async def check_sms(self, id_sms: int | str, **params: str) -> httpx.Response:
        base = {"ext": "101", "provider": MODEM, "id_sms": str(id_sms)}
        return await self.command(cmd="checkSMS", **{**base, **params})

    async def sms_status(self, id_sms: int, **params: str) -> int:
        response = await self.check_sms(id_sms, **params)
        assert response.status_code == 200, response.status_code
        status: int = response.json()["sms_status"]
        return status

    def sequence(self) -> list[tuple[str, str | None]]:
        return [(h["cmd"], h.get("event")) for h in self.hooks]

    def event(self, name: str) -> dict[str, str]:
        return next(h for h in self.hooks if h.get("event") == name)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    rig = Rig()
    yield rig
    await rig.client.aclose()
    await rig.sim.aclose()
    await rig.http.aclose()


@pytest.mark.parametrize(
    "params",
    [
        {"cmd": "makeCall", "from": "101", "to": "79123456789"},
        {"cmd": "makeCall", "from": "101", "to": "79123456789", "token": "wrong"},
        {"cmd": "killCall", "Call_id": "x", "token": ""},
        {"cmd": "nonsense", "token": TOKEN.upper()},
    ],
)
async def test_missing_or_wrong_token_is_401_with_empty_body(
    rig: Rig, params: dict[str, str]
) -> None:
    response = await rig.client.post("/general", data=params)
    assert (response.status_code, response.content) == (401, b"")
    await rig.sim.wait_idle()
    assert rig.hooks == []


async def test_wrong_token_over_get_is_401(rig: Rig) -> None:
    params = {"cmd": "makeCall", "from": "101", "to": "79123456789", "token": "nope"}
    response = await rig.client.get("/general", params=params)
    assert (response.status_code, response.content) == (401, b"")


@pytest.mark.parametrize(
    "params",
    [
        {"to": "79123456789"},
        {"from": "", "to": "79123456789"},
        {"from": "10a", "to": "79123456789"},
        {"from": "101"},
        {"from": "101", "to": "+79123456789"},
        {"from": "101", "to": "1234"},
        {"from": "101", "to": "1" * 16},
        {"from": "101", "to": "7912-345-67-89"},
        {"from": "101", "to": "٧٩١٢٣٤٥٦٧٨٩"},
        {"from": "101", "to": "79123456789", "idshop": "shop1"},
    ],
)
async def test_make_call_with_bad_parameters_is_400(rig: Rig, params: dict[str, str]) -> None:
    response = await rig.command(cmd="makeCall", **params)
    assert (response.status_code, response.content) == (400, b"")
    await rig.sim.wait_idle()
    assert rig.hooks == []


async def test_unknown_command_is_400(rig: Rig) -> None:
    response = await rig.command(cmd="makeCalls")
    assert (response.status_code, response.content) == (400, b"")


async def test_make2calls_is_post_only(rig: Rig) -> None:
    params = {"cmd": "make2Calls", "from": "101", "to1": "79123456789", "to2": "79123456780"}
    response = await rig.client.get("/general", params={"token": TOKEN, **params})
    assert response.status_code == 400


async def test_answered_make_call_plays_the_whole_call(rig: Rig) -> None:
    id_makecall = await rig.make_call(to="19101234567")
    await rig.sim.wait_idle()

    assert re.fullmatch(r"[0-9a-f]{12}", id_makecall)
    assert rig.sequence() == ANSWERED
    assert all(h["from_LiraX_token"] == HOOK_TOKEN for h in rig.hooks)
    finished = rig.hooks[0]
    assert finished["id_makecall"] == id_makecall
    assert finished["success"] == "1"
    callid = finished["Call_id"]
    assert CALLID.fullmatch(callid)
    assert {h["callid"] for h in rig.hooks[1:]} == {callid}
    for hook in rig.hooks[1:5]:
        assert (hook["type"], hook["phone"], hook["ext"]) == ("out", "19101234567", "101")
        assert hook["diversion"] == EXTERNAL
    completed, call_completed = rig.event("COMPLETED"), rig.event("CALL_COMPLETED")
    assert (completed["status"], completed["is_recorded"]) == ("Success", "1")
    assert int(completed["duration"]) > 0
    assert "record_link" not in completed
    assert {**call_completed, "event": "COMPLETED"} == completed
    assert rig.hooks[-1]["record_link"] == f"https://lirax-sim.invalid/records/{callid}.wav"
    assert rig.sim.calls[callid].state == "finished"


async def test_make_call_also_works_over_get(rig: Rig) -> None:
    params = {"cmd": "makeCall", "from": "101", "to": "79123456789", "token": TOKEN}
    response = await rig.client.get("/general", params=params)
    assert response.status_code == 200
    await rig.sim.wait_idle()
    assert rig.hooks[0]["id_makecall"] == response.json()["id_makecall"]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("busy", "Busy"),
        ("unavailable", "NotAvailable"),
        ("not_allowed", "NotAllowed"),
        ("no_answer", "NotAvailable"),
    ],
)
async def test_unanswered_make_call_reports_the_status(
    rig: Rig, outcome: Outcome, status: str
) -> None:
    rig.sim.set_next_outcome(outcome)
    await rig.make_call()
    await rig.make_call()  # the outcome applies to one call only
    await rig.sim.wait_idle()

    first = rig.hooks[0]["Call_id"]
    hooks = [h for h in rig.hooks if first in (h.get("callid"), h.get("Call_id"))]
    assert [(h["cmd"], h.get("event")) for h in hooks] == [
        ("makecall_finished", None),
        ("event", "INCOMING"),
        ("event", "COMPLETED"),
        ("event", "CALL_COMPLETED"),
    ]
    for hook in hooks[2:]:
        assert (hook["status"], hook["duration"], hook["is_recorded"]) == (status, "0", "0")
    assert sum(h["cmd"] == "record" for h in rig.hooks) == 1


async def test_agent_not_answering_ends_with_an_unsuccessful_makecall_finished(rig: Rig) -> None:
    rig.sim.set_next_outcome("agent_no_answer")
    id_makecall = await rig.make_call()
    await rig.sim.wait_idle()
    assert rig.hooks == [
        {
            "cmd": "makecall_finished",
            "id_makecall": id_makecall,
            "Call_id": "",
            "success": "0",
            "from_LiraX_token": HOOK_TOKEN,
        }
    ]


@pytest.mark.parametrize(
    ("hold_at", "status"), [("INCOMING", "NotAvailable"), ("ACCEPTED", "Success")]
)
async def test_kill_call_hangs_up_a_running_call(rig: Rig, hold_at: str, status: str) -> None:
    held = asyncio.Event()

    def hold(form: dict[str, str]) -> None:
        # Slow the script down from inside it, so the kill lands at a known step.
        if form.get("event") == hold_at:
            rig.sim.step_delay = 60
            held.set()

    rig.on_hook = hold
    await rig.make_call()
    await asyncio.wait_for(held.wait(), timeout=5)
    callid = rig.hooks[0]["Call_id"]

    response = await rig.command(cmd="killCall", Call_id=callid)
    assert (response.status_code, response.content) == (200, b"")
    await rig.sim.wait_idle(timeout=5)

    tail = rig.hooks[-2:]
    assert [h["event"] for h in tail] == ["COMPLETED", "CALL_COMPLETED"]
    assert all(h["status"] == status and h["callid"] == callid for h in tail)
    assert all(h["duration"] == "0" and h["is_recorded"] == "0" for h in tail)
    assert not any(h["cmd"] == "record" for h in rig.hooks)
    assert rig.sim.calls[callid].state == "killed"
    again = await rig.command(cmd="killCall", Call_id=callid)
    assert (again.status_code, again.content) == (400, b"")


@pytest.mark.parametrize("call_id", [None, "", "D10D0EB124F4E64AF4EA-1511"])
async def test_kill_call_of_an_unknown_call_is_400(rig: Rig, call_id: str | None) -> None:
    params = {} if call_id is None else {"Call_id": call_id}
    response = await rig.command(cmd="killCall", **params)
    assert (response.status_code, response.content) == (400, b"")


async def test_kill_call_of_a_finished_call_is_400(rig: Rig) -> None:
    await rig.make_call()
    await rig.sim.wait_idle()
    response = await rig.command(cmd="killCall", Call_id=rig.hooks[0]["Call_id"])
    assert (response.status_code, response.content) == (400, b"")


GOOD_2CALLS = {
    "from": "101",
    "to1": "19101234561",
    "to2": "19101234567",
    "timeout": "60",
    "successtime": "30",
    "notbefore": "08",
    "notafter": "21",
    "vtime": "09:30",
    "vdate": "31.12.2025",
    "vmoney": "12.50",
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("from", ""),
        ("from", "ext"),
        ("to1", "+19101234561"),
        ("to1", "123"),
        ("to2", "https://example.com/hello.ogg"),
        ("to2", "ftp://example.com/hello.mp3"),
        ("to2", "hello.mp3"),
        ("timeout", "-1"),
        ("timeout", "ten"),
        ("successtime", "1.5"),
        ("notbefore", "24"),
        ("notafter", "8pm"),
        ("vtime", "9:30"),
        ("vtime", "24:00"),
        ("vdate", "2025-12-31"),
        ("vdate", "31.02.2025"),
        ("vdate", "yesterday"),
        ("vmoney", "12.5"),
        ("vmoney", "12,50"),
        ("vmoney", "12"),
    ],
)
async def test_make2calls_rejects_bad_values(rig: Rig, name: str, value: str) -> None:
    response = await rig.command(cmd="make2Calls", **{**GOOD_2CALLS, name: value})
    assert (response.status_code, response.content) == (400, b"")


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"notbefore": "8", "notafter": "0", "vdate": "today", "vmoney": "0.00"},
        {"to2": "https://www.test.mp3/tttt.mp3", "vdate": "tomorrow", "vtime": "23:59"},
        {"to2": "http://example.com/a/b.WAV", "timeout": "", "successtime": "0"},
    ],
)
async def test_make2calls_accepts_good_values(rig: Rig, changes: dict[str, str]) -> None:
    response = await rig.command(cmd="make2Calls", **{**GOOD_2CALLS, **changes})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]+", response.json()["id_make2calls"])


async def test_make2calls_with_a_sound_file_reports_the_keys_pressed(rig: Rig) -> None:
    params = {**GOOD_2CALLS, "to2": "https://www.test.mp3/tttt.mp3"}
    response = await rig.command(cmd="make2Calls", **params)
    await rig.sim.wait_idle()

    [hook] = rig.hooks
    assert hook["cmd"] == "make2calls_finished"
    assert hook["id_make2calls"] == response.json()["id_make2calls"]
    assert (hook["success"], hook["duration_success"]) == ("1", "1")
    assert hook["from_LiraX_token"] == HOOK_TOKEN
    keys = json.loads(hook["keys"])
    assert keys[0].keys() == {"ivr_name", "ivr_entry", "key"}


async def test_make2calls_between_two_phones_reports_no_keys(rig: Rig) -> None:
    await rig.command(cmd="make2Calls", **GOOD_2CALLS)
    await rig.sim.wait_idle()
    assert "keys" not in rig.hooks[0]


async def test_unanswered_make2calls_is_unsuccessful(rig: Rig) -> None:
    rig.sim.set_next_outcome("no_answer")
    await rig.command(cmd="make2Calls", **GOOD_2CALLS)
    await rig.sim.wait_idle()
    assert (rig.hooks[0]["success"], rig.hooks[0]["duration_success"]) == ("0", "0")


async def test_inbound_answered_call(rig: Rig) -> None:
    response = await rig.client.post(
        "/_sim/inbound", json={"phone": "79123456789", "ext": "101", "outcome": "answered"}
    )
    callid = response.json()["callid"]
    await rig.sim.wait_idle()

    assert rig.sequence() == [("contact", None), *ANSWERED[1:]]
    assert all(h["callid"] == callid and h["from_LiraX_token"] == HOOK_TOKEN for h in rig.hooks)
    assert rig.hooks[0]["phone"] == "79123456789"
    assert rig.hooks[0]["diversion"] == EXTERNAL
    assert json.loads(rig.sim.deliveries[0].body)["responsible"] == 103
    events = rig.hooks[1:5]
    assert all(h["type"] == "in" and h["diversion"] == EXTERNAL for h in events)
    assert [h["ext"] for h in events] == ["101", "101", "101", EXTERNAL]
    assert (rig.event("COMPLETED")["status"], rig.event("COMPLETED")["is_recorded"]) == (
        "Success",
        "1",
    )
    assert rig.hooks[-1]["record_link"].endswith(f"/records/{callid}.wav")


async def test_inbound_missed_call(rig: Rig) -> None:
    callid = await rig.sim.start_inbound(phone="79123456789", ext="101", outcome="missed")
    await rig.sim.wait_idle()

    assert rig.sequence() == [
        ("contact", None),
        ("event", "INCOMING"),
        ("event", "COMPLETED"),
        ("event", "CALL_COMPLETED"),
    ]
    for hook in rig.hooks[2:]:
        assert (hook["status"], hook["duration"], hook["is_recorded"]) == ("Missed", "0", "0")
    assert rig.sim.calls[callid].state == "finished"


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "+79123456789", "ext": "101"},
        {"phone": "79123456789"},
        {"phone": "79123456789", "ext": "101", "outcome": "busy"},
        {"phone": "79123456789", "ext": "101", "outcome": ["answered"]},
        ["79123456789"],
    ],
)
async def test_inbound_control_rejects_bad_input(rig: Rig, body: object) -> None:
    response = await rig.client.post("/_sim/inbound", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_next_outcome_control(rig: Rig) -> None:
    bad = await rig.client.post("/_sim/next-outcome", json={"outcome": "exploded"})
    assert bad.status_code == 400
    good = await rig.client.post("/_sim/next-outcome", json={"outcome": "busy"})
    assert good.status_code == 200
    await rig.make_call()
    await rig.sim.wait_idle()
    assert rig.event("COMPLETED")["status"] == "Busy"


async def test_state_shows_calls_and_deliveries_without_the_webhook_token(rig: Rig) -> None:
    await rig.make_call()
    await rig.sim.wait_idle()
    state = (await rig.client.get("/_sim/state")).json()
    [call] = state["calls"]
    assert (call["direction"], call["state"], call["phone"]) == ("out", "finished", "79123456789")
    assert [d["cmd"] for d in state["deliveries"]] == [cmd for cmd, _ in ANSWERED]
    assert HOOK_TOKEN not in json.dumps(state)


async def test_a_failing_receiver_is_recorded_and_the_call_goes_on(rig: Rig) -> None:
    rig.status = 500
    await rig.make_call()
    await rig.sim.wait_idle()
    assert [(d.cmd, d.status_code) for d in rig.sim.deliveries] == [
        (cmd, 500) for cmd, _ in ANSWERED
    ]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_refused_connection_is_recorded_and_the_call_goes_on() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    sim = LiraxSimulator(token=TOKEN, webhook_token=HOOK_TOKEN, webhook_url=url, step_delay=0.001)
    try:
        await sim.start_inbound(phone="79123456789", ext="101")
        await sim.wait_idle()
    finally:
        await sim.aclose()
    assert [d.cmd for d in sim.deliveries] == [
        "contact",
        "event",
        "event",
        "event",
        "event",
        "record",
    ]
    assert all(d.status_code is None and d.error for d in sim.deliveries)


async def test_without_a_webhook_url_the_script_still_runs(rig: Rig) -> None:
    rig.sim.webhook_url = None
    await rig.make_call()
    await rig.sim.wait_idle()
    assert rig.hooks == []
    assert len(rig.sim.deliveries) == len(ANSWERED)
    assert {d.error for d in rig.sim.deliveries} == {"no webhook_url"}


async def test_aclose_stops_running_scripts(rig: Rig) -> None:
    rig.sim.step_delay = 60
    await rig.make_call()
    with pytest.raises(TimeoutError):
        await rig.sim.wait_idle(timeout=0.05)
    await rig.sim.aclose()
    await rig.sim.wait_idle(timeout=0.05)
    assert rig.hooks == []


# -- the CRM commands ----------------------------------------------------------------------


def _task_date(delta: timedelta) -> str:
    return (datetime.now(UTC).replace(tzinfo=None) + delta).strftime("%Y-%m-%d %H:%M:%S")


def _good_task() -> dict[str, str]:
    return {
        "ext": "101",
        "ani": ANI,
        "text": "Подготовить Задание",
        "date": _task_date(timedelta(days=1)),
        "type": "1",
    }


def _crm_state(sim: LiraxSimulator) -> tuple[object, ...]:
    return (sim.contacts, sim.tasks, sim.notes, sim.deals)


CRM_COMMANDS = [
    {"cmd": "checkContact", "ext": "101", "ani": ANI, "name": "Dima"},
    {"cmd": "createTask", "ext": "101", "ani": ANI, "text": "Call back", "type": "1"},
    {"cmd": "createNote", "ext": "101", "ani": ANI, "text": "Новости"},
    {"cmd": "createDeal", **GOOD_DEAL},
    {"cmd": "updateDeal", **GOOD_DEAL, "id_deal": "1", "status": "1"},
    {"cmd": "getStages"},
]


@pytest.mark.parametrize("params", CRM_COMMANDS, ids=lambda p: p["cmd"])
@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN.upper()])
async def test_crm_commands_with_a_wrong_token_are_401(
    rig: Rig, params: dict[str, str], token: str | None
) -> None:
    await rig.check_contact()
    await rig.create_deal()
    snapshot = repr(_crm_state(rig.sim))
    if params["cmd"] == "createTask":
        params = {**params, "date": _task_date(timedelta(days=1))}
    data = params if token is None else {**params, "token": token}
    response = await rig.client.post("/general", data=data)
    assert (response.status_code, response.content) == (401, b"")
    assert repr(_crm_state(rig.sim)) == snapshot


@pytest.mark.parametrize("params", CRM_COMMANDS, ids=lambda p: p["cmd"])
async def test_crm_commands_are_post_only(rig: Rig, params: dict[str, str]) -> None:
    await rig.check_contact()
    response = await rig.client.get("/general", params={"token": TOKEN, **params})
    assert (response.status_code, response.content) == (400, b"")


async def test_check_contact_creates_a_contact(rig: Rig) -> None:
    response = await rig.command(
        cmd="checkContact",
        ext="102",
        ani=ANI,
        name="Dima",
        add_phone="380123456789,380234567890,380112345678",
        emails="a@a.com,b@b.com",
    )
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.contacts == {
        ANI: SimContact(
            ani=ANI,
            name="Dima",
            ext="102",
            add_phones=["380123456789", "380234567890", "380112345678"],
            emails=["a@a.com", "b@b.com"],
        )
    }


async def test_check_contact_takes_the_name_as_the_pages_example_spells_it(rig: Rig) -> None:
    response = await rig.command(cmd="checkContact", ext="101", ani=ANI, Name="Dima")
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.contacts[ANI] == SimContact(ANI, "Dima", "101", [], [])


async def test_check_contact_without_the_optional_lists_has_empty_ones(rig: Rig) -> None:
    await rig.check_contact(add_phone="", emails="")
    assert (rig.sim.contacts[ANI].add_phones, rig.sim.contacts[ANI].emails) == ([], [])


async def test_check_contact_updates_an_existing_contact(rig: Rig) -> None:
    await rig.check_contact(add_phone="380123456789", emails="a@a.com")
    response = await rig.command(cmd="checkContact", ext="103", ani=ANI, name="Dmitry")
    assert response.status_code == 200
    # The name and the responsible agent change; lists not sent are kept.
    assert rig.sim.contacts == {
        ANI: SimContact(ANI, "Dmitry", "103", ["380123456789"], ["a@a.com"])
    }

    await rig.check_contact(add_phone="380999999999", emails="c@c.com,d@d.com")
    contact = rig.sim.contacts[ANI]
    assert (contact.name, contact.ext) == ("Dima", "101")
    assert (contact.add_phones, contact.emails) == (["380999999999"], ["c@c.com", "d@d.com"])


async def test_check_contact_keeps_contacts_apart_by_ani(rig: Rig) -> None:
    await rig.check_contact()
    await rig.check_contact(ani="79123456789")
    assert list(rig.sim.contacts) == [ANI, "79123456789"]


async def test_known_agents_can_be_changed_by_tests(rig: Rig) -> None:
    assert {"101", "102", "103"} <= rig.sim.agents.keys()
    rig.sim.agents["555"] = "Sim Agent"
    response = await rig.command(cmd="checkContact", ext="555", ani=ANI, name="Dima")
    assert response.status_code == 200
    del rig.sim.agents["101"]
    response = await rig.command(cmd="checkContact", ext="101", ani=ANI, name="Dima")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"ani": ANI, "name": "Dima"},
        {"ext": "", "ani": ANI, "name": "Dima"},
        {"ext": "104", "ani": ANI, "name": "Dima"},
        {"ext": "10a", "ani": ANI, "name": "Dima"},
        {"ext": "١٠١", "ani": ANI, "name": "Dima"},
        {"ext": "101", "name": "Dima"},
        {"ext": "101", "ani": "+19101234567", "name": "Dima"},
        {"ext": "101", "ani": "1234", "name": "Dima"},
        {"ext": "101", "ani": "1" * 16, "name": "Dima"},
        {"ext": "101", "ani": "1910-123-45-67", "name": "Dima"},
        {"ext": "101", "ani": ANI},
        {"ext": "101", "ani": ANI, "name": ""},
        {"ext": "101", "ani": ANI, "name": "   "},
        {"ext": "101", "ani": ANI, "Name": " "},
        {"ext": "101", "ani": ANI, "name": "Dima", "add_phone": "+380123456789"},
        {"ext": "101", "ani": ANI, "name": "Dima", "add_phone": "380123456789,,380234567890"},
        {"ext": "101", "ani": ANI, "name": "Dima", "add_phone": "380123456789, 380234567890"},
        {"ext": "101", "ani": ANI, "name": "Dima", "add_phone": "380123456789,"},
        {"ext": "101", "ani": ANI, "name": "Dima", "add_phone": "380;380"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "a.com"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "a@b@c.com"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "a@"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "@a.com"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "a@a.com,"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "a@a.com,b.com"},
        {"ext": "101", "ani": ANI, "name": "Dima", "emails": "a b@a.com"},
    ],
)
async def test_check_contact_with_bad_parameters_is_400(rig: Rig, params: dict[str, str]) -> None:
    response = await rig.command(cmd="checkContact", **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.contacts == {}


async def test_a_refused_check_contact_leaves_the_contact_alone(rig: Rig) -> None:
    await rig.check_contact(emails="a@a.com")
    response = await rig.command(
        cmd="checkContact", ext="102", ani=ANI, name="Other", emails="broken"
    )
    assert response.status_code == 400
    assert rig.sim.contacts[ANI] == SimContact(ANI, "Dima", "101", [], ["a@a.com"])


@pytest.mark.parametrize("task_type", ["1", "2", "3"])
async def test_create_task_stores_the_task(rig: Rig, task_type: str) -> None:
    await rig.check_contact()
    params = {**_good_task(), "ext": "102", "type": task_type}
    response = await rig.command(cmd="createTask", **params)
    assert (response.status_code, response.content) == (200, b"")
    due = datetime.strptime(params["date"], "%Y-%m-%d %H:%M:%S")
    assert rig.sim.tasks == [SimTask("102", ANI, "Подготовить Задание", due, int(task_type))]


async def test_create_task_appends(rig: Rig) -> None:
    await rig.check_contact()
    for text in ("first", "second"):
        response = await rig.command(cmd="createTask", **{**_good_task(), "text": text})
        assert response.status_code == 200
    assert [t.text for t in rig.sim.tasks] == ["first", "second"]


@pytest.mark.parametrize("delta", [timedelta(minutes=1), timedelta(days=365), timedelta(days=729)])
async def test_create_task_accepts_dates_within_two_years(rig: Rig, delta: timedelta) -> None:
    await rig.check_contact()
    date = _task_date(delta)
    response = await rig.command(cmd="createTask", **{**_good_task(), "date": date})
    assert response.status_code == 200
    (task,) = rig.sim.tasks
    assert task.date.strftime("%Y-%m-%d %H:%M:%S") == date, "kept, for that date"


def _two_years_ahead(delta: timedelta) -> str:
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        later = now.replace(year=now.year + 2)
    except ValueError:
        later = now.replace(year=now.year + 2, day=28)
    return (later + delta).strftime("%Y-%m-%d %H:%M:%S")


async def test_create_task_accepts_a_date_just_under_two_years_ahead(rig: Rig) -> None:
    await rig.check_contact()
    date = _two_years_ahead(-timedelta(minutes=1))
    response = await rig.command(cmd="createTask", **{**_good_task(), "date": date})
    assert response.status_code == 200
    (task,) = rig.sim.tasks
    assert task.date.strftime("%Y-%m-%d %H:%M:%S") == date, "kept, for that date"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ext", ""),
        ("ext", "104"),
        ("ext", "ext"),
        ("ani", ""),
        ("ani", "79123456789"),  # no such contact
        ("ani", "+19101234567"),
        ("text", ""),
        ("text", "  \n"),
        ("date", ""),
        ("date", "2030-01-01T17:00:00"),
        ("date", "2030-01-01 17:00"),
        ("date", "01.01.2030 17:00:00"),
        ("date", "2030-02-30 17:00:00"),
        ("date", "2030-01-01 24:00:00"),
        ("date", "2030-1-01 17:00:00"),
        ("date", "2017-01-01 17:00:01"),  # the page's own example, long past
        ("type", ""),
        ("type", "0"),
        ("type", "4"),
        ("type", "01"),
        ("type", "call"),
    ],
)
async def test_create_task_with_bad_parameters_is_400(rig: Rig, name: str, value: str) -> None:
    await rig.check_contact()
    response = await rig.command(cmd="createTask", **{**_good_task(), name: value})
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.tasks == []


@pytest.mark.parametrize("name", ["ext", "ani", "text", "date", "type"])
async def test_create_task_without_a_parameter_is_400(rig: Rig, name: str) -> None:
    await rig.check_contact()
    params = {k: v for k, v in _good_task().items() if k != name}
    response = await rig.command(cmd="createTask", **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.tasks == []


@pytest.mark.parametrize(
    "date",
    [
        pytest.param(lambda: _task_date(-timedelta(minutes=1)), id="a minute ago"),
        # Whole seconds, so this is now or just before it by the time it arrives.
        pytest.param(lambda: _task_date(timedelta(0)), id="now"),
        pytest.param(lambda: _two_years_ahead(timedelta(minutes=1)), id="over two years"),
        pytest.param(lambda: _task_date(timedelta(days=1000)), id="three years"),
    ],
)
async def test_create_task_refuses_dates_not_in_the_next_two_years(
    rig: Rig, date: Callable[[], str]
) -> None:
    await rig.check_contact()
    response = await rig.command(cmd="createTask", **{**_good_task(), "date": date()})
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.tasks == []


async def test_create_note_stores_the_note(rig: Rig) -> None:
    await rig.check_contact()
    for ext, text in (("101", "Новости"), ("103", "More news")):
        response = await rig.command(cmd="createNote", ext=ext, ani=ANI, text=text)
        assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.notes == [SimNote("101", ANI, "Новости"), SimNote("103", ANI, "More news")]


@pytest.mark.parametrize(
    "params",
    [
        {"ani": ANI, "text": "note"},
        {"ext": "104", "ani": ANI, "text": "note"},
        {"ext": "1o1", "ani": ANI, "text": "note"},
        {"ext": "101", "text": "note"},
        {"ext": "101", "ani": "79123456789", "text": "note"},
        {"ext": "101", "ani": ANI},
        {"ext": "101", "ani": ANI, "text": ""},
        {"ext": "101", "ani": ANI, "text": "   "},
    ],
)
async def test_create_note_with_bad_parameters_is_400(rig: Rig, params: dict[str, str]) -> None:
    await rig.check_contact()
    response = await rig.command(cmd="createNote", **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.notes == []


async def test_create_deal_answers_increasing_ids(rig: Rig) -> None:
    await rig.check_contact()
    response = await rig.command(cmd="createDeal", **GOOD_DEAL)
    assert response.status_code == 200
    assert response.json() == {"id_deal": 1}
    assert await rig.create_deal(name="Second", sum="0", stage="3", ext="102") == 2
    assert await rig.create_deal() == 3
    assert rig.sim.deals[1] == SimDeal(
        id=1, ext="101", ani=ANI, name="Подготовить Задание", sum=3030, stage=1, status=0
    )
    assert rig.sim.deals[2] == SimDeal(2, "102", ANI, "Second", 0, 3)
    assert list(rig.sim.deals) == [1, 2, 3]


async def test_deal_ids_are_not_reused(rig: Rig) -> None:
    await rig.check_contact()
    await rig.create_deal()
    rig.sim.deals.clear()
    assert await rig.create_deal() == 2


async def test_deal_stages_can_be_changed_by_tests(rig: Rig) -> None:
    await rig.check_contact()
    rig.sim.stages[7] = "Won"
    assert rig.sim.deals[await rig.create_deal(stage="7")].stage == 7


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ext", ""),
        ("ext", "104"),
        ("ani", ""),
        ("ani", "79123456789"),
        ("name", ""),
        ("name", " "),
        ("sum", ""),
        ("sum", "-1"),
        ("sum", "10.50"),
        ("sum", "1e3"),
        ("sum", "3 030"),
        ("sum", "٣٠٣٠"),
        ("stage", ""),
        ("stage", "0"),
        ("stage", "4"),
        ("stage", "-1"),
        ("stage", "New"),
    ],
)
async def test_create_deal_with_bad_parameters_is_400(rig: Rig, name: str, value: str) -> None:
    await rig.check_contact()
    response = await rig.command(cmd="createDeal", **{**GOOD_DEAL, name: value})
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.deals == {}
    assert await rig.create_deal() == 1  # a refused deal takes no id


@pytest.mark.parametrize("name", ["ext", "ani", "name", "sum", "stage"])
async def test_create_deal_without_a_parameter_is_400(rig: Rig, name: str) -> None:
    await rig.check_contact()
    params = {k: v for k, v in GOOD_DEAL.items() if k != name}
    response = await rig.command(cmd="createDeal", **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.deals == {}


def _update(id_deal: int, /, **changes: str) -> dict[str, str]:
    return {"cmd": "updateDeal", **GOOD_DEAL, "id_deal": str(id_deal), "status": "0", **changes}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "Renamed"}, {"name": "Renamed"}),
        ({"sum": "4040"}, {"sum": 4040}),
        ({"stage": "2"}, {"stage": 2}),
        ({"status": "1"}, {"status": 1}),
        ({"status": "2", "stage": "3"}, {"status": 2, "stage": 3}),
        ({"ext": "103"}, {"ext": "103"}),
        ({"ani": "79123456789"}, {"ani": "79123456789"}),
    ],
)
async def test_update_deal_changes_the_deal(
    rig: Rig, changes: dict[str, str], expected: dict[str, Any]
) -> None:
    await rig.check_contact()
    await rig.check_contact(ani="79123456789")
    id_deal = await rig.create_deal()
    before = rig.sim.deals[id_deal]
    response = await rig.command(**_update(id_deal, **changes))
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.deals[id_deal] == dataclasses.replace(before, **expected)


async def test_update_deal_changes_only_that_deal(rig: Rig) -> None:
    await rig.check_contact()
    first, second = await rig.create_deal(), await rig.create_deal()
    response = await rig.command(**_update(second, stage="3", status="1"))
    assert response.status_code == 200
    assert (rig.sim.deals[first].stage, rig.sim.deals[first].status) == (1, 0)
    assert (rig.sim.deals[second].stage, rig.sim.deals[second].status) == (3, 1)


@pytest.mark.parametrize("changes", [{}, {"sum": "03030"}, {"stage": "01"}])
async def test_update_deal_that_changes_nothing_is_400(rig: Rig, changes: dict[str, str]) -> None:
    await rig.check_contact()
    id_deal = await rig.create_deal()
    before = rig.sim.deals[id_deal]
    response = await rig.command(**_update(id_deal, **changes))
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.deals[id_deal] == before


async def test_repeating_an_update_is_400(rig: Rig) -> None:
    await rig.check_contact()
    id_deal = await rig.create_deal()
    params = _update(id_deal, stage="2")
    assert (await rig.command(**params)).status_code == 200
    assert (await rig.command(**params)).status_code == 400
    assert rig.sim.deals[id_deal].stage == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("id_deal", ""),
        ("id_deal", "2"),
        ("id_deal", "0"),
        ("id_deal", "one"),
        ("id_deal", "-1"),
        ("ext", ""),
        ("ext", "104"),
        ("ani", ""),
        ("ani", "79123456789"),
        ("name", ""),
        ("name", "  "),
        ("sum", ""),
        ("sum", "40.40"),
        ("sum", "-4040"),
        ("stage", ""),
        ("stage", "4"),
        ("stage", "two"),
        ("status", ""),
        ("status", "3"),
        ("status", "-1"),
        ("status", "won"),
    ],
)
async def test_update_deal_with_bad_parameters_is_400(rig: Rig, name: str, value: str) -> None:
    await rig.check_contact()
    id_deal = await rig.create_deal()
    before = rig.sim.deals[id_deal]
    # Each case also carries a real change, so only the bad value can be the refusal.
    response = await rig.command(**_update(id_deal, **{"sum": "9999", name: value}))
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.deals == {id_deal: before}


@pytest.mark.parametrize("name", ["id_deal", "ext", "ani", "name", "sum", "stage", "status"])
async def test_update_deal_without_a_parameter_is_400(rig: Rig, name: str) -> None:
    await rig.check_contact()
    id_deal = await rig.create_deal()
    before = rig.sim.deals[id_deal]
    params = {k: v for k, v in _update(id_deal, sum="9999").items() if k != name}
    response = await rig.command(**params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.deals == {id_deal: before}


async def test_get_stages_lists_the_funnel_in_order(rig: Rig) -> None:
    response = await rig.command(cmd="getStages")
    assert response.status_code == 200
    assert response.json() == {
        "stages": [
            {"stage": 1, "title": "New"},
            {"stage": 2, "title": "Negotiation"},
            {"stage": 3, "title": "Contract"},
        ]
    }
    rig.sim.stages = {5: "Lead", 2: "Won"}
    response = await rig.command(cmd="getStages")
    assert response.json()["stages"] == [
        {"stage": 5, "title": "Lead"},
        {"stage": 2, "title": "Won"},
    ]


async def test_state_shows_the_crm(rig: Rig) -> None:
    await rig.check_contact(emails="a@a.com")
    await rig.command(cmd="createTask", **_good_task())
    await rig.command(cmd="createNote", ext="101", ani=ANI, text="note")
    await rig.create_deal()
    state = (await rig.client.get("/_sim/state")).json()
    assert state["contacts"] == [
        {"ani": ANI, "name": "Dima", "ext": "101", "add_phones": [], "emails": ["a@a.com"]}
    ]
    [task] = state["tasks"]
    assert task["date"] == str(rig.sim.tasks[0].date)
    assert state["notes"] == [{"ext": "101", "ani": ANI, "text": "note"}]
    assert state["deals"][0]["id"] == 1


# -- black lists, directory and messenger commands -----------------------------------------


def _other_state(sim: LiraxSimulator) -> tuple[object, ...]:
    return (
        sim.black_phones,
        sim.black_ips,
        sim.shops,
        sim.user_statuses,
        sim.agent_details,
        sim.agent_statuses,
        sim.messages,
    )


OTHER_COMMANDS = [
    {"cmd": "addBlackPhone", "phone": "100111000101"},
    {"cmd": "listBlackPhone"},
    {"cmd": "delBlackPhone", "phone": "100111000101"},
    {"cmd": "addBlackIP", "IP": "10.0.0.1"},
    {"cmd": "listBlackIP"},
    {"cmd": "delBlackIP", "IP": "10.0.0.1"},
    {"cmd": "getShops"},
    {"cmd": "getUserStatuses"},
    {"cmd": "getUsers"},
    {"cmd": "initStatuses"},
    {"cmd": "sendMsg", "ext": "101", "ani": ANI, "text": "Подготовить Задание"},
]
POST_ONLY = [p for p in OTHER_COMMANDS if p["cmd"] not in ("addBlackPhone", "addBlackIP")]


@pytest.mark.parametrize("params", OTHER_COMMANDS, ids=lambda p: p["cmd"])
@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN.upper()])
async def test_other_commands_with_a_wrong_token_are_401(
    rig: Rig, params: dict[str, str], token: str | None
) -> None:
    rig.sim.black_phones.append("100111000101")
    rig.sim.black_ips.append("10.0.0.1")
    snapshot = repr(_other_state(rig.sim))
    data = params if token is None else {**params, "token": token}
    response = await rig.client.post("/general", data=data)
    assert (response.status_code, response.content) == (401, b"")
    await rig.sim.wait_idle()
    assert repr(_other_state(rig.sim)) == snapshot
    assert rig.hooks == []


@pytest.mark.parametrize("params", OTHER_COMMANDS, ids=lambda p: p["cmd"])
async def test_other_commands_with_a_wrong_token_over_get_are_401(
    rig: Rig, params: dict[str, str]
) -> None:
    response = await rig.client.get("/general", params={**params, "token": "nope"})
    assert (response.status_code, response.content) == (401, b"")


@pytest.mark.parametrize("params", POST_ONLY, ids=lambda p: p["cmd"])
async def test_commands_the_page_lists_as_post_are_post_only(
    rig: Rig, params: dict[str, str]
) -> None:
    rig.sim.black_phones.append("100111000101")
    rig.sim.black_ips.append("10.0.0.1")
    snapshot = repr(_other_state(rig.sim))
    response = await rig.client.get("/general", params={"token": TOKEN, **params})
    assert (response.status_code, response.content) == (400, b"")
    await rig.sim.wait_idle()
    assert repr(_other_state(rig.sim)) == snapshot
    assert rig.hooks == []


async def test_black_list_adds_also_work_over_get(rig: Rig) -> None:
    phone = {"cmd": "addBlackPhone", "phone": "100111000101", "token": TOKEN}
    ip = {"cmd": "addBlackIP", "IP": "10.0.0.1", "token": TOKEN}
    for params in (phone, ip):
        response = await rig.client.get("/general", params=params)
        assert (response.status_code, response.content) == (200, b"")
    assert (rig.sim.black_phones, rig.sim.black_ips) == (["100111000101"], ["10.0.0.1"])


async def test_black_phones_start_empty(rig: Rig) -> None:
    response = await rig.command(cmd="listBlackPhone")
    assert response.status_code == 200
    assert response.json() == {"blacklist": []}


async def test_add_black_phone_lists_phones_in_order_of_addition(rig: Rig) -> None:
    for phone in ("100111000101", "79123456789", "5"):
        response = await rig.command(cmd="addBlackPhone", phone=phone)
        assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.black_phones == ["100111000101", "79123456789", "5"]
    response = await rig.command(cmd="listBlackPhone")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"blacklist": ["100111000101", "79123456789", "5"]}


async def test_adding_a_listed_phone_again_keeps_one_entry_in_place(rig: Rig) -> None:
    rig.sim.black_phones[:] = ["111", "222"]
    response = await rig.command(cmd="addBlackPhone", phone="111")
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.black_phones == ["111", "222"]


async def test_black_phones_can_be_changed_by_tests(rig: Rig) -> None:
    rig.sim.black_phones = ["380501234567"]
    response = await rig.command(cmd="listBlackPhone")
    assert response.json() == {"blacklist": ["380501234567"]}


BAD_BLACK_PHONES = [None, "", "+79123456789", "7912 345 67 89", "7912-345", "12a", "٧٩١٢٣"]


@pytest.mark.parametrize("phone", BAD_BLACK_PHONES)
@pytest.mark.parametrize("cmd", ["addBlackPhone", "delBlackPhone"])
async def test_black_phone_commands_take_digits_only(rig: Rig, cmd: str, phone: str | None) -> None:
    rig.sim.black_phones.append("79123456789")
    params = {} if phone is None else {"phone": phone}
    response = await rig.command(cmd=cmd, **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.black_phones == ["79123456789"]


async def test_del_black_phone_removes_only_that_phone(rig: Rig) -> None:
    rig.sim.black_phones[:] = ["111", "222", "333"]
    response = await rig.command(cmd="delBlackPhone", phone="222")
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.black_phones == ["111", "333"]
    response = await rig.command(cmd="listBlackPhone")
    assert response.json() == {"blacklist": ["111", "333"]}


async def test_deleting_a_phone_not_listed_is_400(rig: Rig) -> None:
    rig.sim.black_phones.append("111")
    response = await rig.command(cmd="delBlackPhone", phone="222")
    assert (response.status_code, response.content) == (400, b"")
    await rig.command(cmd="delBlackPhone", phone="111")
    response = await rig.command(cmd="delBlackPhone", phone="111")
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.black_phones == []


@pytest.mark.parametrize("cmd", ["listBlackPhone", "listBlackIP"])
async def test_list_commands_take_the_tables_phone_but_filter_nothing(rig: Rig, cmd: str) -> None:
    rig.sim.black_phones[:] = ["111", "222"]
    rig.sim.black_ips[:] = ["10.0.0.1", "::1"]
    expected = rig.sim.black_phones if cmd == "listBlackPhone" else rig.sim.black_ips
    for phone in ("", "111", "999"):
        response = await rig.command(cmd=cmd, phone=phone)
        assert response.status_code == 200
        assert response.json() == {"blacklist": expected}


@pytest.mark.parametrize("phone", ["+111", "11 1", "abc", "١١١"])
@pytest.mark.parametrize("cmd", ["listBlackPhone", "listBlackIP"])
async def test_list_commands_with_a_phone_not_digits_are_400(
    rig: Rig, cmd: str, phone: str
) -> None:
    response = await rig.command(cmd=cmd, phone=phone)
    assert (response.status_code, response.content) == (400, b"")


async def test_black_ips_start_empty(rig: Rig) -> None:
    response = await rig.command(cmd="listBlackIP")
    assert response.status_code == 200
    assert response.json() == {"blacklist": []}


@pytest.mark.parametrize(
    ("sent", "listed"),
    [
        ("10.0.0.1", "10.0.0.1"),
        ("100.111.000.101", "100.111.0.101"),  # the page's own example
        ("255.255.255.255", "255.255.255.255"),
        ("001.002.003.004", "1.2.3.4"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::1", "::1"),
    ],
)
async def test_add_black_ip_lists_the_address(rig: Rig, sent: str, listed: str) -> None:
    response = await rig.command(cmd="addBlackIP", IP=sent)
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.black_ips == [listed]
    response = await rig.command(cmd="listBlackIP")
    assert response.status_code == 200
    assert response.json() == {"blacklist": [listed]}


async def test_add_black_ip_keeps_the_order_and_no_duplicates(rig: Rig) -> None:
    for ip in ("10.0.0.2", "2001:db8::1", "10.0.0.1", "010.000.000.002", "2001:DB8:0::1"):
        response = await rig.command(cmd="addBlackIP", IP=ip)
        assert response.status_code == 200
    assert rig.sim.black_ips == ["10.0.0.2", "2001:db8::1", "10.0.0.1"]
    response = await rig.command(cmd="listBlackIP")
    assert response.json() == {"blacklist": ["10.0.0.2", "2001:db8::1", "10.0.0.1"]}


async def test_black_ips_can_be_changed_by_tests(rig: Rig) -> None:
    rig.sim.black_ips = ["192.0.2.7"]
    response = await rig.command(cmd="listBlackIP")
    assert response.json() == {"blacklist": ["192.0.2.7"]}
    response = await rig.command(cmd="delBlackIP", IP="192.0.2.7")
    assert response.status_code == 200
    assert rig.sim.black_ips == []


BAD_IPS = [
    "",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.0004",
    "10.0.0.0/8",
    "10.0.0.1:80",
    " 10.0.0.1",
    "10.0.0.1 ",
    "example.com",
    "١٠.٠.٠.١",
    "2001:db8::1::2",
    "2001:db8::g",
    "fe80::1%eth0",
    "2001:db8::/32",
    "[2001:db8::1]",
]


@pytest.mark.parametrize("ip", BAD_IPS)
@pytest.mark.parametrize("cmd", ["addBlackIP", "delBlackIP"])
async def test_black_ip_commands_take_valid_addresses_only(rig: Rig, cmd: str, ip: str) -> None:
    rig.sim.black_ips.append("10.0.0.1")
    response = await rig.command(cmd=cmd, IP=ip)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.black_ips == ["10.0.0.1"]


@pytest.mark.parametrize("cmd", ["addBlackIP", "delBlackIP"])
async def test_black_ip_commands_want_the_parameter_spelt_ip_in_capitals(
    rig: Rig, cmd: str
) -> None:
    rig.sim.black_ips.append("10.0.0.1")
    for params in ({}, {"ip": "10.0.0.1"}, {"Ip": "10.0.0.1"}):
        response = await rig.command(cmd=cmd, **params)
        assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.black_ips == ["10.0.0.1"]


async def test_del_black_ip_finds_the_address_however_it_is_written(rig: Rig) -> None:
    rig.sim.black_ips[:] = ["100.111.0.101", "2001:db8::1", "10.0.0.1"]
    response = await rig.command(cmd="delBlackIP", IP="100.111.000.101")
    assert (response.status_code, response.content) == (200, b"")
    response = await rig.command(cmd="delBlackIP", IP="2001:0db8:0:0:0:0:0:1")
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.black_ips == ["10.0.0.1"]


async def test_deleting_an_ip_not_listed_is_400(rig: Rig) -> None:
    rig.sim.black_ips.append("10.0.0.1")
    for ip in ("10.0.0.2", "::ffff:10.0.0.1"):
        response = await rig.command(cmd="delBlackIP", IP=ip)
        assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.black_ips == ["10.0.0.1"]


async def test_phone_and_ip_black_lists_are_apart(rig: Rig) -> None:
    await rig.command(cmd="addBlackPhone", phone="100111000101")
    await rig.command(cmd="addBlackIP", IP="100.111.000.101")
    assert (rig.sim.black_phones, rig.sim.black_ips) == (["100111000101"], ["100.111.0.101"])
    response = await rig.command(cmd="delBlackPhone", phone="100111000101")
    assert response.status_code == 200
    assert (rig.sim.black_phones, rig.sim.black_ips) == ([], ["100.111.0.101"])


async def test_get_shops_lists_the_shops_with_quoted_ids(rig: Rig) -> None:
    response = await rig.command(cmd="getShops")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "shops": [{"id": "1", "name": "Main shop"}, {"id": "2", "name": "Online shop"}]
    }
    rig.sim.shops = {7: "Kyiv", 3: "Lviv"}
    response = await rig.command(cmd="getShops")
    assert response.json() == {"shops": [{"id": "7", "name": "Kyiv"}, {"id": "3", "name": "Lviv"}]}
    rig.sim.shops.clear()
    response = await rig.command(cmd="getShops")
    assert response.json() == {"shops": []}


async def test_get_user_statuses_lists_the_catalogue_with_quoted_ids(rig: Rig) -> None:
    response = await rig.command(cmd="getUserStatuses")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "statuses": [
            {"status": "0", "title": "Offline"},
            {"status": "1", "title": "Available"},
            {"status": "2", "title": "Busy"},
            {"status": "3", "title": "On a break"},
        ]
    }
    rig.sim.user_statuses = {1: "Free", 5: "Lunch"}
    response = await rig.command(cmd="getUserStatuses")
    assert response.json() == {
        "statuses": [{"status": "1", "title": "Free"}, {"status": "5", "title": "Lunch"}]
    }


async def test_get_users_lists_the_agents_as_the_page_spells_them(rig: Rig) -> None:
    response = await rig.command(cmd="getUsers")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "users": [
            {"id": 1, "Name": "Anna Petrova", "ext": "101", "active": "1"},
            {"id": 2, "Name": "Boris Ivanov", "ext": "102", "active": "1"},
            {"id": 3, "Name": "Vera Sidorova", "ext": "103", "active": "1"},
        ]
    }


async def test_get_users_follows_agents_and_their_details(rig: Rig) -> None:
    rig.sim.agent_details["102"] = SimAgent(id=42, active=False)
    rig.sim.agents["102"] = "Boris I."
    del rig.sim.agents["103"]
    response = await rig.command(cmd="getUsers")
    assert response.json()["users"] == [
        {"id": 1, "Name": "Anna Petrova", "ext": "101", "active": "1"},
        {"id": 42, "Name": "Boris I.", "ext": "102", "active": "0"},
    ]


async def test_an_agent_added_without_details_gets_the_next_id(rig: Rig) -> None:
    rig.sim.agents["555"] = "Sim Agent"
    response = await rig.command(cmd="getUsers")
    assert response.json()["users"][-1] == {
        "id": 4,
        "Name": "Sim Agent",
        "ext": "555",
        "active": "1",
    }
    assert rig.sim.agent_details["555"] == SimAgent(4)
    again = await rig.command(cmd="getUsers")
    assert again.json() == response.json()


async def test_init_statuses_posts_a_staton_per_agent(rig: Rig) -> None:
    response = await rig.command(cmd="initStatuses")
    assert (response.status_code, response.content) == (200, b"")
    await rig.sim.wait_idle()
    assert rig.hooks == [
        {"cmd": "staton", "ext": "101", "status": "1", "from_LiraX_token": HOOK_TOKEN},
        {"cmd": "staton", "ext": "102", "status": "2", "from_LiraX_token": HOOK_TOKEN},
        {"cmd": "staton", "ext": "103", "status": "0", "from_LiraX_token": HOOK_TOKEN},
    ]
    assert [d.cmd for d in rig.sim.deliveries] == ["staton"] * 3


async def test_init_statuses_reports_the_current_statuses(rig: Rig) -> None:
    rig.sim.agents["555"] = "Sim Agent"  # no status on record: offline
    rig.sim.agent_statuses["101"] = 3
    del rig.sim.agents["102"]
    await rig.command(cmd="initStatuses")
    await rig.sim.wait_idle()
    assert [(h["ext"], h["status"]) for h in rig.hooks] == [
        ("101", "3"),
        ("103", "0"),
        ("555", "0"),
    ]


async def test_set_agent_status_posts_a_staton(rig: Rig) -> None:
    await rig.sim.set_agent_status("103", 1)
    await rig.sim.wait_idle()
    assert rig.sim.agent_statuses["103"] == 1
    assert rig.hooks == [
        {"cmd": "staton", "ext": "103", "status": "1", "from_LiraX_token": HOOK_TOKEN}
    ]


@pytest.mark.parametrize(
    ("ext", "status", "error"),
    [("104", 1, "no agent"), ("101", 9, "status must be"), ("101", -1, "status must be")],
)
async def test_set_agent_status_refuses_unknown_agents_and_statuses(
    rig: Rig, ext: str, status: int, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        await rig.sim.set_agent_status(ext, status)
    await rig.sim.wait_idle()
    assert rig.hooks == []
    assert rig.sim.agent_statuses == {"101": 1, "102": 2, "103": 0}


async def test_send_msg_stores_the_message(rig: Rig) -> None:
    response = await rig.command(cmd="sendMsg", ext="101", ani=ANI, text="Подготовить Задание")
    assert (response.status_code, response.content) == (200, b"")
    response = await rig.command(cmd="sendMsg", ext="102", ani="Dima", text="second")
    assert (response.status_code, response.content) == (200, b"")
    assert rig.sim.messages == [
        SimMessage(ext="101", ani=ANI, text="Подготовить Задание"),
        SimMessage(ext="102", ani="Dima", text="second"),
    ]
    assert rig.sim.contacts == {}  # the sender need not be a known contact


@pytest.mark.parametrize(
    "params",
    [
        {"ani": ANI, "text": "hi"},
        {"ext": "", "ani": ANI, "text": "hi"},
        {"ext": "104", "ani": ANI, "text": "hi"},
        {"ext": "10a", "ani": ANI, "text": "hi"},
        {"ext": "١٠١", "ani": ANI, "text": "hi"},
        {"ext": "101", "text": "hi"},
        {"ext": "101", "ani": "", "text": "hi"},
        {"ext": "101", "ani": "  ", "text": "hi"},
        {"ext": "101", "ani": ANI},
        {"ext": "101", "ani": ANI, "text": ""},
        {"ext": "101", "ani": ANI, "text": " \n"},
    ],
)
async def test_send_msg_with_bad_parameters_is_400(rig: Rig, params: dict[str, str]) -> None:
    response = await rig.command(cmd="sendMsg", **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.messages == []


async def test_send_msg_follows_the_agents_tests_set(rig: Rig) -> None:
    rig.sim.agents["555"] = "Sim Agent"
    del rig.sim.agents["101"]
    response = await rig.command(cmd="sendMsg", ext="555", ani=ANI, text="hi")
    assert response.status_code == 200
    response = await rig.command(cmd="sendMsg", ext="101", ani=ANI, text="hi")
    assert response.status_code == 400
    assert rig.sim.messages == [SimMessage("555", ANI, "hi")]


async def test_state_shows_black_lists_statuses_and_messages(rig: Rig) -> None:
    await rig.command(cmd="addBlackPhone", phone="111")
    await rig.command(cmd="addBlackIP", IP="10.0.0.1")
    await rig.command(cmd="sendMsg", ext="101", ani=ANI, text="hi")
    state = (await rig.client.get("/_sim/state")).json()
    assert state["black_phones"] == ["111"]
    assert state["black_ips"] == ["10.0.0.1"]
    assert state["agent_statuses"] == {"101": 1, "102": 2, "103": 0}
    assert state["messages"] == [{"ext": "101", "ani": ANI, "text": "hi"}]


# -- GSM modem commands and webhooks -----------------------------------------------------------


class Clock:
    """Stands in for the simulator's monotonic clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Steps:
    """Stands in for the simulator's step timer: a script's step ends when the test says so."""

    def __init__(self, sim: LiraxSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = 0
        self._arrived = asyncio.Condition()
        self._go = asyncio.Semaphore(0)
        monkeypatch.setattr(sim, "_step", self._step)

    async def _step(self) -> None:
        async with self._arrived:
            self.entered += 1
            self._arrived.notify_all()
        await self._go.acquire()

    async def parked(self, count: int) -> None:
        """Wait until the scripts have reached their ``count``-th step in all."""
        async with asyncio.timeout(5), self._arrived:
            await self._arrived.wait_for(lambda: self.entered >= count)

    def release(self) -> None:
        self._go.release()


SMS_COMMANDS = [
    {"cmd": "sendSMS", **GOOD_SMS},
    {"cmd": "checkSMS", "ext": "101", "provider": MODEM, "id_sms": "1"},
]


@pytest.mark.parametrize("params", SMS_COMMANDS, ids=lambda p: p["cmd"])
@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN.upper()])
async def test_sms_commands_with_a_wrong_token_are_401(
    rig: Rig, params: dict[str, str], token: str | None
) -> None:
    rig.sim.clock = clock = Clock(1000.0)
    id_sms = await rig.sent_sms()
    await rig.sim.wait_idle()
    snapshot = repr(rig.sim.sms)
    clock.now = 1005.0
    data = params if token is None else {**params, "token": token}
    response = await rig.client.post("/general", data=data)
    assert (response.status_code, response.content) == (401, b"")
    await rig.sim.wait_idle()
    assert repr(rig.sim.sms) == snapshot
    assert [h["cmd"] for h in rig.hooks] == ["smsDelivered"]
    # The refused request did not take the modem's turn.
    assert await rig.sms_status(id_sms) == 3


@pytest.mark.parametrize("params", SMS_COMMANDS, ids=lambda p: p["cmd"])
async def test_sms_commands_are_post_only(rig: Rig, params: dict[str, str]) -> None:
    response = await rig.client.get("/general", params={"token": TOKEN, **params})
    assert (response.status_code, response.content) == (400, b"")
    await rig.sim.wait_idle()
    assert rig.sim.sms == {}
    assert rig.hooks == []


async def test_there_is_one_connected_modem_by_default(rig: Rig) -> None:
    assert rig.sim.modems == {MODEM: SimModem(MODEM, connected=True)}
    assert rig.sim.modem_interval == 5.0


async def test_send_sms_answers_increasing_ids_and_stores_the_sms(rig: Rig) -> None:
    rig.sim.step_delay = 60
    rig.sim.modem_interval = 0
    first = await rig.send_sms()
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.json() == {"id_sms": 1}
    second = await rig.send_sms(ext="102", phone="79123456789", text="second")
    assert second.json() == {"id_sms": 2}
    assert rig.sim.sms == {
        1: SimSms(1, "101", MODEM, ANI, "Подготовить Задание", status=1),
        2: SimSms(2, "102", MODEM, "79123456789", "second", status=1),
    }
    assert await rig.sms_status(1) == 1  # handed to the provider, nothing known yet


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ext", None),
        ("ext", ""),
        ("ext", "104"),
        ("ext", "10a"),
        ("ext", "١٠١"),
        ("provider", None),
        ("provider", ""),
        ("provider", "+380123456789"),
        ("provider", "380 123456789"),
        ("provider", "٣٨٠١٢٣٤٥٦٧٨٩"),
        ("phone", None),
        ("phone", ""),
        ("phone", "1234"),
        ("phone", "1234567890123456"),
        ("phone", "+19101234567"),
        ("phone", "1910 123 45 67"),
        ("text", None),
        ("text", ""),
        ("text", " \n"),
    ],
)
async def test_send_sms_with_bad_parameters_is_400(rig: Rig, name: str, value: str | None) -> None:
    params = {k: v for k, v in GOOD_SMS.items() if k != name}
    if value is not None:
        params[name] = value
    response = await rig.command(cmd="sendSMS", **params)
    assert (response.status_code, response.content) == (400, b"")
    assert rig.sim.sms == {}
    # A refused request does not take the modem's turn, even with the page's 5 seconds.
    assert (await rig.send_sms()).status_code == 200


@pytest.mark.parametrize("cause", ["unknown", "disconnected"])
async def test_send_sms_through_a_modem_not_connected_is_402(rig: Rig, cause: str) -> None:
    provider = "380999999999" if cause == "unknown" else MODEM
    rig.sim.modems[MODEM].connected = cause == "unknown"
    response = await rig.send_sms(provider=provider)
    assert (response.status_code, response.content) == (402, b"")
    await rig.sim.wait_idle()
    assert rig.sim.sms == {}
    assert rig.hooks == []


@pytest.mark.parametrize("cause", ["removed", "disconnected"])
async def test_check_sms_through_a_modem_not_connected_is_402(rig: Rig, cause: str) -> None:
    rig.sim.modem_interval = 0
    id_sms = await rig.sent_sms()
    if cause == "removed":
        del rig.sim.modems[MODEM]
    else:
        rig.sim.modems[MODEM].connected = False
    response = await rig.check_sms(id_sms)
    assert (response.status_code, response.content) == (402, b"")
    rig.sim.modems[MODEM] = SimModem(MODEM)
    assert (await rig.check_sms(id_sms)).status_code == 200


async def test_modems_can_be_changed_by_tests(rig: Rig) -> None:
    rig.sim.modems[OTHER_MODEM] = SimModem(OTHER_MODEM)
    id_sms = await rig.sent_sms(provider=OTHER_MODEM)
    assert rig.sim.sms[id_sms].modem == OTHER_MODEM
    rig.sim.modems = {}
    response = await rig.send_sms(provider=OTHER_MODEM)
    assert response.status_code == 402


async def test_a_second_request_to_a_modem_within_the_interval_is_403(rig: Rig) -> None:
    rig.sim.step_delay = 60
    rig.sim.modems[OTHER_MODEM] = SimModem(OTHER_MODEM)
    id_sms = await rig.sent_sms()
    again = await rig.send_sms()
    assert (again.status_code, again.content) == (403, b"")
    check = await rig.check_sms(id_sms)
    assert (check.status_code, check.content) == (403, b"")
    assert list(rig.sim.sms) == [id_sms]
    # The wait is per modem.
    assert (await rig.send_sms(provider=OTHER_MODEM)).status_code == 200


async def test_a_modem_takes_requests_again_after_the_interval(rig: Rig) -> None:
    rig.sim.modem_interval = 0.2
    id_sms = await rig.sent_sms()
    assert (await rig.check_sms(id_sms)).status_code == 403
    await asyncio.sleep(0.25)
    assert (await rig.check_sms(id_sms)).status_code == 200
    assert (await rig.send_sms()).status_code == 403
    await asyncio.sleep(0.25)
    assert (await rig.send_sms()).status_code == 200


async def test_only_accepted_requests_restart_a_modems_wait(rig: Rig) -> None:
    rig.sim.clock = clock = Clock(1000.0)
    id_sms = await rig.sent_sms()  # accepted at 1000
    clock.now = 1004.9
    assert (await rig.check_sms(id_sms)).status_code == 403
    clock.now = 1005.0  # the interval exactly: the refusal at 1004.9 did not count
    assert (await rig.check_sms(id_sms)).status_code == 200
    clock.now = 1007.0
    assert (await rig.check_sms(999)).status_code == 400
    rig.sim.modems[MODEM].connected = False
    assert (await rig.check_sms(id_sms)).status_code == 402
    rig.sim.modems[MODEM].connected = True
    clock.now = 1009.99
    assert (await rig.check_sms(id_sms)).status_code == 403
    clock.now = 1010.0  # five seconds after the last accepted one, at 1005
    assert (await rig.send_sms()).status_code == 200


async def test_check_sms_follows_the_sms_to_delivery_and_sms_delivered_is_posted(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = Steps(rig.sim, monkeypatch)
    rig.sim.modem_interval = 0
    id_sms = await rig.sent_sms()
    await steps.parked(1)
    assert await rig.sms_status(id_sms) == 1
    steps.release()
    await steps.parked(2)
    assert await rig.sms_status(id_sms) == 2
    assert rig.hooks == []
    steps.release()
    await rig.sim.wait_idle()
    assert await rig.sms_status(id_sms) == 3
    assert rig.sim.sms[id_sms].status == 3
    assert rig.hooks == [
        {"cmd": "smsDelivered", "id_sms": str(id_sms), "from_LiraX_token": HOOK_TOKEN}
    ]
    assert [(d.cmd, d.status_code) for d in rig.sim.deliveries] == [("smsDelivered", 200)]


async def test_an_expired_sms_ends_at_4_without_sms_delivered(rig: Rig) -> None:
    rig.sim.modem_interval = 0
    rig.sim.set_next_sms_outcome("expired")
    refused = await rig.send_sms(phone="1")
    assert refused.status_code == 400  # a refused request leaves the outcome for the next
    expired = await rig.sent_sms()
    delivered = await rig.sent_sms()  # the outcome holds for one SMS only
    await rig.sim.wait_idle()
    assert rig.sim.sms[expired].outcome == "expired"
    assert await rig.sms_status(expired) == 4
    assert await rig.sms_status(delivered) == 3
    assert rig.hooks == [
        {"cmd": "smsDelivered", "id_sms": str(delivered), "from_LiraX_token": HOOK_TOKEN}
    ]


async def test_set_next_sms_outcome_refuses_unknown_outcomes(rig: Rig) -> None:
    with pytest.raises(ValueError, match="outcome must be one of"):
        rig.sim.set_next_sms_outcome("lost")  # type: ignore[arg-type]


async def test_next_sms_outcome_control(rig: Rig) -> None:
    bad = await rig.client.post("/_sim/next-sms-outcome", json={"outcome": "lost"})
    assert bad.status_code == 400
    assert "outcome must be one of" in bad.json()["error"]
    good = await rig.client.post("/_sim/next-sms-outcome", json={"outcome": "expired"})
    assert (good.status_code, good.json()) == (200, {"outcome": "expired"})
    id_sms = await rig.sent_sms()
    await rig.sim.wait_idle()
    assert rig.sim.sms[id_sms].status == 4
    assert rig.hooks == []


@pytest.mark.parametrize(
    "params",
    [
        {"id_sms": None},
        {"id_sms": ""},
        {"id_sms": "x"},
        {"id_sms": "1.0"},
        {"id_sms": " 1"},
        {"id_sms": "-1"},
        {"id_sms": "١"},
        {"id_sms": "3"},  # unknown
        {"id_sms": "2"},  # another modem's
        {"ext": None},
        {"ext": "104"},
        {"ext": "10a"},
        {"provider": None},
        {"provider": ""},
        {"provider": "+380123456789"},
        {"provider": OTHER_MODEM},  # id 1 is not this modem's
    ],
)
async def test_check_sms_with_bad_parameters_is_400(
    rig: Rig, params: dict[str, str | None]
) -> None:
    rig.sim.modem_interval = 0
    rig.sim.modems[OTHER_MODEM] = SimModem(OTHER_MODEM)
    assert await rig.sent_sms() == 1
    assert await rig.sent_sms(provider=OTHER_MODEM) == 2
    base = {"ext": "101", "provider": MODEM, "id_sms": "1", **params}
    sent = {k: v for k, v in base.items() if v is not None}
    response = await rig.command(cmd="checkSMS", **sent)
    assert (response.status_code, response.content) == (400, b"")


async def test_check_sms_need_not_come_from_the_sender(rig: Rig) -> None:
    rig.sim.step_delay = 60
    rig.sim.modem_interval = 0
    id_sms = await rig.sent_sms(ext="101")
    assert await rig.sms_status(id_sms, ext="103") == 1


async def test_receive_sms_posts_sms_received_with_both_id_spellings(rig: Rig) -> None:
    rig.sim.modem_interval = 0
    sent = await rig.sent_sms()
    await rig.sim.wait_idle()
    rig.hooks.clear()
    id_sms = await rig.sim.receive_sms("38012345679", MODEM, "Привіт, ✓")
    assert id_sms == sent + 1  # one sequence for both directions
    await rig.sim.wait_idle()
    assert rig.hooks == [
        {
            "cmd": "smsReceived",
            "ani": "38012345679",
            "id": str(id_sms),
            "id_sms": str(id_sms),
            "provider": MODEM,
            "text": "Привіт, ✓",
            "from_LiraX_token": HOOK_TOKEN,
        }
    ]
    assert rig.sim.received_sms == [SimReceivedSms(id_sms, "38012345679", MODEM, "Привіт, ✓")]
    # A received message is not one checkSMS knows.
    assert (await rig.check_sms(id_sms)).status_code == 400


async def test_receiving_does_not_take_the_modems_turn(rig: Rig) -> None:
    received = await rig.sim.receive_sms("38012345679", MODEM, "hi")
    response = await rig.send_sms()
    assert response.status_code == 200, "sent at once, not told to wait for the modem"
    assert response.json()["id_sms"] == received + 1, "a message of its own"


@pytest.mark.parametrize(
    ("ani", "modem", "error"),
    [
        ("", MODEM, "ani must be"),
        ("+38012345679", MODEM, "ani must be"),
        ("1234", MODEM, "ani must be"),
        ("38012345679", "380999999999", "no connected modem"),
        ("38012345679", "disconnected", "no connected modem"),
    ],
)
async def test_receive_sms_refuses_bad_senders_and_modems(
    rig: Rig, ani: str, modem: str, error: str
) -> None:
    rig.sim.modems["disconnected"] = SimModem("disconnected", connected=False)
    with pytest.raises(ValueError, match=error):
        await rig.sim.receive_sms(ani, modem, "hi")
    await rig.sim.wait_idle()
    assert rig.hooks == []
    assert rig.sim.received_sms == []


async def test_sms_received_control(rig: Rig) -> None:
    body = {"ani": "38012345679", "modem": MODEM, "text": "Hello"}
    response = await rig.client.post("/_sim/sms-received", json=body)
    assert (response.status_code, response.json()) == (200, {"id": 1})
    await rig.sim.wait_idle()
    [hook] = rig.hooks
    assert (hook["cmd"], hook["id"], hook["id_sms"], hook["text"]) == (
        "smsReceived",
        "1",
        "1",
        "Hello",
    )


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"modem": MODEM, "text": "hi"},
        {"ani": 38012345679, "modem": MODEM, "text": "hi"},
        {"ani": "38012345679", "text": "hi"},
        {"ani": "38012345679", "modem": MODEM},
        {"ani": "38012345679", "modem": "380999999999", "text": "hi"},
    ],
)
async def test_sms_received_control_rejects_bad_input(rig: Rig, body: object) -> None:
    response = await rig.client.post("/_sim/sms-received", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    await rig.sim.wait_idle()
    assert rig.hooks == []


async def test_sms_received_control_wants_json(rig: Rig) -> None:
    response = await rig.client.post("/_sim/sms-received", content=b"ani=1")
    assert (response.status_code, response.json()) == (400, {"error": "body must be JSON"})


async def test_state_shows_modems_and_sms(rig: Rig) -> None:
    rig.sim.modem_interval = 0
    rig.sim.modems[OTHER_MODEM] = SimModem(OTHER_MODEM, connected=False)
    await rig.sent_sms()
    await rig.sim.receive_sms("38012345679", MODEM, "hi")
    await rig.sim.wait_idle()
    state = (await rig.client.get("/_sim/state")).json()
    assert state["modems"] == [
        {"number": MODEM, "connected": True},
        {"number": OTHER_MODEM, "connected": False},
    ]
    assert state["sms"] == [
        {
            "id": 1,
            "ext": "101",
            "modem": MODEM,
            "phone": ANI,
            "text": "Подготовить Задание",
            "status": 3,
            "outcome": "delivered",
        }
    ]
    assert state["received_sms"] == [{"id": 2, "ani": "38012345679", "modem": MODEM, "text": "hi"}]
    assert {d["form"]["from_LiraX_token"] for d in state["deliveries"]} == {"***"}
