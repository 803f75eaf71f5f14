"""The fake LiraX's calls: makeCall, killCall and make2Calls, calls rung from outside, and
the webhooks each call posts as it plays out."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import secrets
import time
from dataclasses import dataclass
from typing import Literal, cast, get_args

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callboard.providers.lirax.simulator.base import Command, LiraxPbx
from callboard.providers.lirax.simulator.params import (
    DIGITS,
    MAKE2CALLS_OPTIONAL,
    PHONE,
    SOUND_URL,
    Invalid,
    check,
)
from callboard.providers.simulator_base import control_fields, text_field

__all__ = ["RECORDS_BASE", "CallCommands", "Outcome", "SimCall"]

Outcome = Literal[
    "answered", "busy", "no_answer", "unavailable", "not_allowed", "agent_no_answer", "missed"
]
CallState = Literal["ringing", "accepted", "finished", "killed"]

OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))
INBOUND_OUTCOMES: frozenset[str] = frozenset({"answered", "missed"})
OUTBOUND_OUTCOMES: frozenset[str] = OUTCOMES - {"missed"}

# The page's vocabulary for outgoing calls has no "no answer"; an unanswered
# client looks to the PBX like an unreachable one.
_OUT_STATUS = {
    "busy": "Busy",
    "unavailable": "NotAvailable",
    "not_allowed": "NotAllowed",
    "no_answer": "NotAvailable",
}
RECORDS_BASE = "https://lirax-sim.invalid/records"
SIM_KEYS = '[{"ivr_name":"Sim","ivr_entry":"0","key":"1"}]'


@dataclass
class SimCall:
    """A call as the simulated PBX sees it."""

    callid: str
    direction: Literal["in", "out"]
    ext: str
    phone: str
    outcome: Outcome
    state: CallState = "ringing"
    started_at: float = dataclasses.field(default_factory=time.time)
    accepted_at: float | None = None
    id_makecall: str | None = None
    id_make2calls: str | None = None
    duration: int | None = None  # set when the call has ended
    recorded: bool = False


def _new_callid() -> str:
    return f"{secrets.token_hex(10).upper()}-{random.randint(1000, 9999)}"


class CallCommands(LiraxPbx):
    """The call commands; ``calls`` holds every call by its callid."""

    def _open_calls(self) -> None:
        self.calls: dict[str, SimCall] = {}
        self._next_outcome: Outcome | None = None
        self._scripts: dict[str, asyncio.Task[None]] = {}  # callid -> its running script

    def _call_commands(self) -> dict[str, Command]:
        return {
            "makeCall": self._make_call,
            "killCall": self._kill_call,
            "make2Calls": self._make_2_calls,
        }

    def set_next_outcome(self, outcome: Outcome) -> None:
        """Make the next makeCall or make2Calls end this way; later ones are answered again."""
        if outcome not in OUTBOUND_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTBOUND_OUTCOMES)}")
        self._next_outcome = outcome

    async def start_inbound(self, *, phone: str, ext: str, outcome: Outcome = "answered") -> str:
        """Ring extension ``ext`` from ``phone``; returns the callid the webhooks will carry."""
        if not PHONE.fullmatch(phone):
            raise ValueError("phone must be 5 to 15 digits")
        if not DIGITS.fullmatch(ext):
            raise ValueError("ext must be digits")
        if outcome not in INBOUND_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(INBOUND_OUTCOMES)}")
        call = self._new_call(direction="in", ext=ext, phone=phone, outcome=outcome)
        self._scripts[call.callid] = self._background.spawn(self._inbound_script(call))
        return call.callid

    async def _make_call(self, p: dict[str, str]) -> Response:
        check(DIGITS.fullmatch(p.get("from", "")))
        check(PHONE.fullmatch(p.get("to", "")))
        check("idshop" not in p or DIGITS.fullmatch(p["idshop"]))
        call = self._new_call(direction="out", ext=p["from"], phone=p["to"])
        call.id_makecall = secrets.token_hex(6)
        self._scripts[call.callid] = self._background.spawn(self._outbound_script(call))
        return JSONResponse({"id_makecall": call.id_makecall})

    async def _kill_call(self, p: dict[str, str]) -> Response:
        call = self.calls.get(p.get("Call_id", ""))
        if call is None or call.state not in ("ringing", "accepted"):
            raise Invalid
        self._scripts[call.callid].cancel()
        call.state = "killed"
        self._background.spawn(self._after_kill(call, self._scripts[call.callid]))
        return Response(status_code=200)

    async def _make_2_calls(self, p: dict[str, str]) -> Response:
        check(DIGITS.fullmatch(p.get("from", "")))
        check(PHONE.fullmatch(p.get("to1", "")))
        to2 = p.get("to2", "")
        check(PHONE.fullmatch(to2) or SOUND_URL.fullmatch(to2))
        for name, valid in MAKE2CALLS_OPTIONAL.items():
            # An empty value is how form builders say "not set".
            check(not p.get(name) or valid(p[name]))
        call = self._new_call(direction="out", ext=p["from"], phone=p["to1"])
        call.id_make2calls = secrets.token_hex(6)
        plays_sound = SOUND_URL.fullmatch(to2) is not None
        self._scripts[call.callid] = self._background.spawn(
            self._make2calls_script(call, plays_sound)
        )
        return JSONResponse({"id_make2calls": call.id_make2calls})

    # -- call scripts --------------------------------------------------------------------

    async def _outbound_script(self, call: SimCall) -> None:
        await self._step()
        agent_answered = call.outcome != "agent_no_answer"
        if not agent_answered:
            call.state = "finished"
        await self._post(
            "makecall_finished",
            id_makecall=call.id_makecall or "",
            Call_id=call.callid if agent_answered else "",  # the page: empty when success=0
            success="1" if agent_answered else "0",
        )
        if not agent_answered:
            return
        await self._step()
        await self._play(call)

    async def _inbound_script(self, call: SimCall) -> None:
        await self._step()
        await self._post(
            "contact", phone=call.phone, callid=call.callid, diversion=self.external_number
        )
        await self._step()
        await self._play(call)

    async def _play(self, call: SimCall) -> None:
        """From the ringing phone to the recording; shared by both directions."""
        await self._event(call, "INCOMING")
        await self._step()
        if call.outcome != "answered":
            status = "Missed" if call.direction == "in" else _OUT_STATUS[call.outcome]
            call.state = "finished"
            await self._hang_up(call, status=status, duration=0, recorded=False)
            return
        call.state = "accepted"
        call.accepted_at = time.time()
        await self._event(call, "ACCEPTED")
        await self._step()
        call.state = "finished"
        # Real durations, not the few milliseconds a test's script lasts.
        await self._hang_up(call, status="Success", duration=random.randint(5, 120), recorded=True)
        await self._step()
        await self._post(
            "record", callid=call.callid, record_link=f"{RECORDS_BASE}/{call.callid}.wav"
        )

    async def _make2calls_script(self, call: SimCall, plays_sound: bool) -> None:
        await self._step()
        call.state = "finished"
        answered = call.outcome == "answered"
        extra = {"keys": SIM_KEYS} if answered and plays_sound else {}
        await self._post_make2calls_finished(call, success=answered, **extra)

    async def _after_kill(self, call: SimCall, script: asyncio.Task[None]) -> None:
        # Let the cancelled script unwind first so no webhook of it lands after ours.
        await asyncio.wait({script})
        if call.id_make2calls is not None:
            await self._post_make2calls_finished(call, success=False)
            return
        if call.accepted_at is None:
            await self._hang_up(call, status="NotAvailable", duration=0, recorded=False)
        else:
            duration = round(time.time() - call.accepted_at)
            await self._hang_up(call, status="Success", duration=duration, recorded=False)

    async def _hang_up(self, call: SimCall, *, status: str, duration: int, recorded: bool) -> None:
        call.duration, call.recorded = duration, recorded
        fields = {"duration": str(duration), "is_recorded": "1" if recorded else "0"}
        await self._event(call, "COMPLETED", status=status, **fields)
        await self._event(call, "CALL_COMPLETED", status=status, **fields)

    async def _event(self, call: SimCall, event: str, **extra: str) -> None:
        # The page: "ext ... in case of CALL_COMPLETED and type=in, holds the number the
        # call came to" -- the external number, not the agent's extension.
        inbound_end = call.direction == "in" and event == "CALL_COMPLETED"
        await self._post(
            "event",
            type=call.direction,
            event=event,
            phone=call.phone,
            ext=self.external_number if inbound_end else call.ext,
            diversion=self.external_number,
            callid=call.callid,
            **extra,
        )

    async def _post_make2calls_finished(
        self, call: SimCall, *, success: bool, **extra: str
    ) -> None:
        flag = "1" if success else "0"
        await self._post(
            "make2calls_finished",
            id_make2calls=call.id_make2calls or "",
            success=flag,
            duration_success=flag,
            **extra,
        )

    def _new_call(
        self,
        *,
        direction: Literal["in", "out"],
        ext: str,
        phone: str,
        outcome: Outcome | None = None,
    ) -> SimCall:
        if outcome is None:
            outcome, self._next_outcome = self._next_outcome or "answered", None
        call = SimCall(_new_callid(), direction, ext, phone, outcome)
        self.calls[call.callid] = call
        return call

    # -- control endpoints (ours, not LiraX's) -------------------------------------------

    async def _sim_inbound(self, request: Request) -> object:
        body = await control_fields(request)
        callid = await self.start_inbound(
            phone=text_field(body, "phone"),
            ext=text_field(body, "ext"),
            outcome=_outcome(body.get("outcome", "answered")),
        )
        return {"callid": callid}

    async def _sim_next_outcome(self, request: Request) -> object:
        body = await control_fields(request)
        self.set_next_outcome(_outcome(body.get("outcome")))
        return {"outcome": body["outcome"]}


def _outcome(value: object) -> Outcome:
    if not isinstance(value, str) or value not in OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
    return cast(Outcome, value)
