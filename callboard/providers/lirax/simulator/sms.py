"""The fake LiraX's GSM modems: sendSMS and checkSMS, one request per modem every few
seconds, delivery reported by smsDelivered, and text messages received (smsReceived)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast, get_args

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callboard.providers.lirax.simulator.base import Command, LiraxPbx
from callboard.providers.lirax.simulator.params import (
    DIGITS,
    PHONE,
    UINT,
    Invalid,
    check,
    nonblank,
)
from callboard.providers.simulator_base import control_fields, text_field

__all__ = ["SimModem", "SimReceivedSms", "SimSms", "SmsCommands", "SmsOutcome"]

SmsOutcome = Literal["delivered", "expired"]
SMS_OUTCOMES: frozenset[str] = frozenset(get_args(SmsOutcome))
DEFAULT_MODEM = "380123456789"  # the page's example provider
# checkSMS's sms_status: 1 handed to the provider, state unknown; 2 handed over, being
# delivered; 3 delivered; 4 delivery time ran out.
SMS_QUEUED, SMS_DELIVERING, SMS_DELIVERED, SMS_EXPIRED = 1, 2, 3, 4


@dataclass
class SimModem:
    """A GSM modem, known by its phone number (sendSMS's and checkSMS's ``provider``).

    A modem that is not ``connected`` answers 402, as an unknown one does."""

    number: str
    connected: bool = True


@dataclass
class SimSms:
    """A text message sendSMS accepted; ``status`` is what checkSMS answers (1 to 4) and
    ``outcome`` where its script takes it: ``delivered`` ends at 3 with an smsDelivered
    webhook, ``expired`` at 4 with none."""

    id: int
    ext: str
    modem: str
    phone: str
    text: str
    status: int = SMS_QUEUED
    outcome: SmsOutcome = "delivered"


@dataclass(frozen=True)
class SimReceivedSms:
    """A text message that reached modem ``modem`` from ``ani`` (see ``receive_sms``)."""

    id: int
    ani: str
    modem: str
    text: str


class SmsCommands(LiraxPbx):
    """The modem commands; ``modems`` (number -> modem), the ``sms`` sendSMS accepted (by
    id) and the ``received_sms`` ``receive_sms`` delivered.

    The page allows "one request in 5 seconds per modem" for sendSMS and checkSMS together:
    one that comes less than ``modem_interval`` seconds (by ``clock``) after the last one the
    modem accepted is refused with 403, and being refused it does not restart the wait.
    """

    def _open_sms(self, modem_interval: float) -> None:
        self.modems: dict[str, SimModem] = {DEFAULT_MODEM: SimModem(DEFAULT_MODEM)}
        self.sms: dict[int, SimSms] = {}
        self.received_sms: list[SimReceivedSms] = []
        self.modem_interval = modem_interval
        self._modem_last: dict[str, float] = {}
        # One sequence for both directions, so that an id names one message.
        self._sms_ids = itertools.count(1)
        self._next_sms_outcome: SmsOutcome | None = None

    def _sms_commands(self) -> dict[str, Command]:
        return {"sendSMS": self._send_sms, "checkSMS": self._check_sms}

    def set_next_sms_outcome(self, outcome: SmsOutcome) -> None:
        """Make the next SMS sendSMS accepts end this way; later ones are delivered again."""
        if outcome not in SMS_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(SMS_OUTCOMES)}")
        self._next_sms_outcome = outcome

    async def receive_sms(self, ani: str, modem: str, text: str) -> int:
        """Let modem ``modem`` receive ``text`` from ``ani``: posts the smsReceived webhook
        after one step; returns the message's id."""
        if not PHONE.fullmatch(ani):
            raise ValueError("ani must be 5 to 15 digits")
        known = self.modems.get(modem)
        if known is None or not known.connected:
            raise ValueError(f"no connected modem {modem!r}")
        received = SimReceivedSms(next(self._sms_ids), ani, modem, text)
        self.received_sms.append(received)
        self._background.spawn(self._sms_received_script(received))
        return received.id

    # -- GSM modem commands ------------------------------------------------------------------
    # A request is checked for its parameters (400) first, then for its modem (402), then
    # for the modem's spacing (403); only one that passes all three counts as the modem's
    # last request.

    async def _send_sms(self, p: dict[str, str]) -> Response:
        ext, modem = self._agent(p), self._provider(p)
        phone = p.get("phone", "")
        check(PHONE.fullmatch(phone))
        text = nonblank(p, "text")
        if refused := self._modem_refusal(modem):
            return refused
        outcome, self._next_sms_outcome = self._next_sms_outcome or "delivered", None
        sms = SimSms(next(self._sms_ids), ext, modem, phone, text, outcome=outcome)
        self.sms[sms.id] = sms
        self._background.spawn(self._sms_script(sms))
        return JSONResponse({"id_sms": sms.id})

    async def _check_sms(self, p: dict[str, str]) -> Response:
        self._agent(p)  # any known agent may ask, not only the sender
        modem = self._provider(p)
        id_sms = p.get("id_sms", "")
        sms = self.sms.get(int(id_sms)) if UINT.fullmatch(id_sms) else None
        if sms is None or sms.modem != modem:  # an id of another modem is no id here
            raise Invalid
        if refused := self._modem_refusal(modem):
            return refused
        return JSONResponse({"sms_status": sms.status})

    @staticmethod
    def _provider(p: Mapping[str, str]) -> str:
        modem = p.get("provider", "")
        check(DIGITS.fullmatch(modem))
        return modem

    def _modem_refusal(self, number: str) -> Response | None:
        """402 for a modem unknown or not connected, 403 for one asked too soon; None, and
        the modem's wait restarted, when the request may go through."""
        modem = self.modems.get(number)
        if modem is None or not modem.connected:
            return Response(status_code=402)
        now = self.clock()
        last = self._modem_last.get(number)
        if last is not None and now - last < self.modem_interval:
            return Response(status_code=403)
        self._modem_last[number] = now
        return None

    async def _sms_script(self, sms: SimSms) -> None:
        await self._step()
        sms.status = SMS_DELIVERING
        await self._step()
        if sms.outcome == "expired":
            sms.status = SMS_EXPIRED
            return
        sms.status = SMS_DELIVERED
        await self._post("smsDelivered", id_sms=str(sms.id))

    async def _sms_received_script(self, sms: SimReceivedSms) -> None:
        await self._step()
        # The page's table calls the id ``id``, its example ``id_sms``: both go, alike.
        await self._post(
            "smsReceived",
            ani=sms.ani,
            id=str(sms.id),
            id_sms=str(sms.id),
            provider=sms.modem,
            text=sms.text,
        )

    # -- control endpoints (ours, not LiraX's) -------------------------------------------

    async def _sim_sms_received(self, request: Request) -> object:
        body = await control_fields(request)
        id_sms = await self.receive_sms(
            text_field(body, "ani"), text_field(body, "modem"), text_field(body, "text")
        )
        return {"id": id_sms}

    async def _sim_next_sms_outcome(self, request: Request) -> object:
        body = await control_fields(request)
        self.set_next_sms_outcome(_sms_outcome(body.get("outcome")))
        return {"outcome": body["outcome"]}


def _sms_outcome(value: object) -> SmsOutcome:
    if not isinstance(value, str) or value not in SMS_OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(SMS_OUTCOMES)}")
    return cast(SmsOutcome, value)
