"""A fake LiraX PBX: its /general command URL, put together from one part per area of the
page (calls, CRM, directory, GSM modems), its call history site and its control endpoints."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callboard.providers.lirax.simulator.base import Delivery
from callboard.providers.lirax.simulator.calls import RECORDS_BASE, CallCommands
from callboard.providers.lirax.simulator.crm import CrmCommands
from callboard.providers.lirax.simulator.directory import DirectoryCommands
from callboard.providers.lirax.simulator.history import HistoryCall, HistoryDesk
from callboard.providers.lirax.simulator.params import Invalid
from callboard.providers.lirax.simulator.sms import SmsCommands
from callboard.providers.simulator_base import control, same_secret

__all__ = ["LiraxSimulator"]


class LiraxSimulator(CallCommands, CrmCommands, DirectoryCommands, SmsCommands):
    """A LiraX PBX in memory: answers makeCall, killCall and make2Calls, and plays each call
    as a script of webhooks posted to ``webhook_url``, one step every ``step_delay`` seconds.

    It also keeps the CRM the page's other commands write to: ``contacts`` (by ``ani``),
    ``tasks``, ``notes`` and ``deals`` (by id), checked against ``agents`` (extension ->
    name) and ``stages`` (id -> title, in funnel order); the black lists ``black_phones``
    and ``black_ips`` (in order of addition); ``shops`` (id -> name); ``user_statuses``
    (status id -> title); ``agent_details`` (extension -> id and active flag, for getUsers);
    ``agent_statuses`` (extension -> current status id, for initStatuses) and the
    ``messages`` sendMsg left; the GSM ``modems`` (number -> modem), the ``sms`` sendSMS
    accepted (by id) and the ``received_sms`` ``receive_sms`` delivered. Tests may read and
    change all of them.

    The page allows "one request in 5 seconds per modem" for sendSMS and checkSMS together:
    one that comes less than ``modem_interval`` seconds (by ``clock``) after the last one the
    modem accepted is refused with 403, and being refused it does not restart the wait.
    """

    # The page's command list marks only these "(POST,GET)"; every other command is POST.
    _GET_COMMANDS = frozenset({"makeCall", "killCall", "addBlackPhone", "addBlackIP"})

    def __init__(
        self,
        *,
        token: str,
        webhook_token: str,
        webhook_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        step_delay: float = 1.0,
        external_number: str = "74950000000",
        modem_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        history_login: str = "api-user",
        history_password: str = "api-password",  # noqa: S107 - a simulator's default
    ) -> None:
        super().__init__(
            token=token,
            webhook_token=webhook_token,
            webhook_url=webhook_url,
            http=http,
            step_delay=step_delay,
            external_number=external_number,
            clock=clock,
        )
        self._open_calls()
        self._open_crm()
        self._open_directory()
        self._open_sms(modem_interval)
        self._commands = {
            **self._call_commands(),
            **self._crm_commands(),
            **self._directory_commands(),
            **self._sms_commands(),
        }
        # Past calls for call history besides the ones played here; tests add to it.
        self.history_calls: list[HistoryCall] = []
        self.history = HistoryDesk(
            login=history_login,
            password=history_password,
            calls=self._history,
            clock=clock,
        )
        self.app = self._starlette(
            [
                *self.history.routes(),
                Route("/general", self._general, methods=["GET", "POST"]),
                Route("/_sim/inbound", control(self._sim_inbound), methods=["POST"]),
                Route("/_sim/next-outcome", control(self._sim_next_outcome), methods=["POST"]),
                Route("/_sim/sms-received", control(self._sim_sms_received), methods=["POST"]),
                Route(
                    "/_sim/next-sms-outcome", control(self._sim_next_sms_outcome), methods=["POST"]
                ),
                Route("/_sim/state", self._sim_state, methods=["GET"]),
            ]
        )

    def _history(self) -> list[HistoryCall]:
        """The history: the calls given, and every call played here that has ended."""
        played = [
            HistoryCall(
                call_id=c.callid,
                # the simulated PBX keeps UTC, like a provider's default `timezone`
                started_at=datetime.fromtimestamp(c.started_at, UTC).replace(tzinfo=None),
                ani=self.external_number if c.direction == "out" else c.phone,
                dnis=c.phone if c.direction == "out" else self.external_number,
                outgoing=c.direction == "out",
                connected=bool(c.duration),
                duration=c.duration or 0,
                record=f"{RECORDS_BASE}/{c.callid}.wav" if c.recorded else "",
            )
            for c in self.calls.values()
            if c.duration is not None
        ]
        return [*self.history_calls, *played]

    # -- the vendor's command URL ------------------------------------------------------

    async def _general(self, request: Request) -> Response:
        if request.method == "GET":
            params = dict(request.query_params)
        else:
            async with request.form() as form:
                params = {k: v for k, v in form.items() if isinstance(v, str)}
        if not same_secret(params.get("token", ""), self._token):
            return Response(status_code=401)
        cmd = params.get("cmd", "")
        command = self._commands.get(cmd)
        if command is None or (request.method == "GET" and cmd not in self._GET_COMMANDS):
            return Response(status_code=400)
        try:
            return await command(params)
        except Invalid:
            return Response(status_code=400)

    async def _sim_state(self, request: Request) -> Response:
        def shown(d: Delivery) -> dict[str, object]:
            # The state page needs no token, so it must not hand out the receiver's secret.
            form = {k: "***" if k == "from_LiraX_token" else v for k, v in d.form.items()}
            return {**dataclasses.asdict(d), "form": form}

        return JSONResponse(
            {
                "calls": [dataclasses.asdict(c) for c in self.calls.values()],
                "deliveries": [shown(d) for d in self.deliveries],
                "contacts": [dataclasses.asdict(c) for c in self.contacts.values()],
                "tasks": [{**dataclasses.asdict(t), "date": str(t.date)} for t in self.tasks],
                "notes": [dataclasses.asdict(n) for n in self.notes],
                "deals": [dataclasses.asdict(d) for d in self.deals.values()],
                "black_phones": list(self.black_phones),
                "black_ips": list(self.black_ips),
                "agent_statuses": dict(self.agent_statuses),
                "messages": [dataclasses.asdict(m) for m in self.messages],
                "modems": [dataclasses.asdict(m) for m in self.modems.values()],
                "sms": [dataclasses.asdict(s) for s in self.sms.values()],
                "received_sms": [dataclasses.asdict(s) for s in self.received_sms],
            }
        )
