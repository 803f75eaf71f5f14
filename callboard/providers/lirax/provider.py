"""The LiraX provider: click-to-call, two-party calls, hangup, and call webhooks.

Configuration keys are those of `LiraxOptions`. `base_url` is the one command URL
(e.g. `https://host:8482/general`); LiraX posts its webhooks to
`{public_url}/webhooks/{id}` with `from_LiraX_token` = `webhook_token`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callboard.domain.calls import Call, CallSignal
from callboard.domain.crm import Deal, Note, Task
from callboard.domain.directory import Contact
from callboard.domain.errors import BadInput, Unsupported
from callboard.domain.history import HistoryQuery
from callboard.domain.pbx import (
    Agent,
    AgentStatus,
    AgentStatusType,
    Blacklist,
    DealStage,
    Shop,
)
from callboard.domain.phones import digits_only, parse_vendor_phone
from callboard.domain.provider_requests import ConnectPartiesRequest, PlaceCallRequest, PlacedCall
from callboard.domain.sms import SmsStatus
from callboard.providers.areas import (
    ConnectsParties,
    CreatesNotes,
    CreatesTasks,
    HangsUpCalls,
    KeepsBlacklist,
    KeepsContacts,
    KeepsRecordings,
    ManagesDeals,
    MessagesAgents,
    PbxDirectory,
    PlacesCalls,
    ReadsCallHistory,
    ReportsCallEvents,
    SendsSms,
)
from callboard.providers.base import (
    Configured,
    ProviderContext,
    WebhookDelivery,
    WebhookOutcome,
    delivery_fingerprint,
)
from callboard.providers.lirax import directory, history, mapping, webhooks
from callboard.providers.lirax.client import LiraxClient, ModemBusy
from callboard.providers.lirax.modems import ModemPacer
from callboard.providers.options import OptionError, ProviderOptions, option

__all__ = ["LiraxOptions", "LiraxProvider"]

log = logging.getLogger(__name__)

_CATALOGUE_TTL = 300.0  # seconds


@dataclass(frozen=True)
class LiraxOptions(ProviderOptions):
    token: str = option("the LiraX token from the integration settings", secret=True)
    webhook_token: str = option(
        "the key LiraX sends back as from_LiraX_token; set the same in LiraX", secret=True
    )
    history_url: str = option("call history root, e.g. https://host (optional)", default="")
    history_login: str = option("USER_LOGIN for call history (optional)", default="")
    history_password: str = option("USER_HASH for call history (optional)", secret=True, default="")
    sms_interval: float = option(
        "seconds between two requests to one GSM modem (LiraX's rule: 5)", default=5.0
    )
    timezone: str = option(
        "the PBX's time zone (IANA name), for the dates it sends and takes without one, "
        "e.g. Europe/Kyiv (unset: UTC, with a warning at start)",
        default="",
    )

    def __post_init__(self) -> None:
        try:
            self.zone()
        except (ZoneInfoNotFoundError, ValueError):
            raise OptionError(
                "timezone", f"'{self.timezone}' is not a time zone; use e.g. Europe/Kyiv"
            ) from None

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")


class LiraxProvider(
    Configured[LiraxOptions],
    PlacesCalls,
    ConnectsParties,
    HangsUpCalls,
    ReportsCallEvents,
    KeepsRecordings,
    KeepsContacts,
    CreatesTasks,
    CreatesNotes,
    ManagesDeals,
    KeepsBlacklist,
    PbxDirectory,
    MessagesAgents,
    ReadsCallHistory,
    SendsSms,
):
    kind = "lirax"
    vendor = "LiraX"

    def __init__(self, context: ProviderContext, options: LiraxOptions) -> None:
        super().__init__(context, options)
        self._status_types: tuple[float, list[AgentStatusType]] | None = None
        self._pacer = ModemPacer(options.sms_interval)
        self._history = (
            history.HistoryClient(
                context.http,
                root=options.history_url,
                login=options.history_login,
                password=options.history_password,
                who=f"{self.who} call history",
            )
            if options.history_url and options.history_login
            else None
        )
        self._client = LiraxClient(
            context.http, url=options.base_url, token=options.token, who=self.who
        )
        if not options.timezone:
            # Not a default to keep quiet about: LiraX's dates carry no zone, so a PBX
            # elsewhere than UTC would see tasks and call history shifted by hours.
            log.warning(
                "LiraX provider %r has no `timezone`: the PBX's dates are read and written "
                'as UTC; set its IANA name (e.g. timezone = "Europe/Kyiv")',
                context.id,
            )

    async def place_call(self, request: PlaceCallRequest) -> PlacedCall:
        _check_extension(request.agent)
        reply = await self._client.command("makeCall", mapping.make_call_params(request))
        return mapping.placed_call(reply, "id_makecall", agent=request.agent, to=request.to)

    async def connect_parties(self, request: ConnectPartiesRequest) -> PlacedCall:
        _check_extension(request.agent)
        mapping.check_connect_request(request)
        reply = await self._client.command("make2Calls", mapping.make2calls_params(request))
        return mapping.placed_call(reply, "id_make2calls", agent=request.agent, to=request.second)

    async def hangup_call(self, call: Call) -> None:
        if not call.control_id:
            raise BadInput(
                "LiraX names a call for hangup only once the agent has answered "
                "(makecall_finished); try again when the call shows DIALING or later.",
                field="id",
            )
        await self._client.command("killCall", {"Call_id": call.control_id})

    async def upsert_contact(self, contact: Contact) -> None:
        await self._client.command("checkContact", mapping.check_contact_params(contact))

    async def create_task(self, task: Task) -> None:
        params = mapping.create_task_params(task, now=datetime.now(UTC), zone=self.options.zone())
        await self._client.command("createTask", params)

    async def create_note(self, note: Note) -> None:
        await self._client.command("createNote", mapping.create_note_params(note))

    async def create_deal(self, deal: Deal) -> str:
        reply = await self._client.command("createDeal", mapping.deal_params(deal))
        return mapping.deal_id(reply)

    async def update_deal(self, deal: Deal) -> None:
        await self._client.command("updateDeal", mapping.deal_params(deal))

    async def blacklist(self) -> Blacklist:
        region = self.context.default_region
        phones = await self._client.command("listBlackPhone", {})
        ips = await self._client.command("listBlackIP", {})
        return Blacklist(
            phones=directory.blacklist(phones, phones=True, region=region),
            ips=directory.blacklist(ips, phones=False, region=region),
        )

    async def set_blacklisted(
        self, *, phone: str | None = None, ip: str | None = None, listed: bool
    ) -> None:
        verb = "add" if listed else "del"
        if phone is not None:
            await self._client.command(f"{verb}BlackPhone", {"phone": digits_only(phone)})
        if ip is not None:
            await self._client.command(f"{verb}BlackIP", {"IP": directory.normalize_ip(ip)})

    async def agents(self) -> list[Agent]:
        return directory.agents(await self._client.command("getUsers", {}))

    async def agent_status_types(self) -> list[AgentStatusType]:
        # The catalogue changes when an admin edits it, rarely; titles of live status
        # changes are read from here, so it is kept a few minutes.
        now = time.monotonic()
        if self._status_types is None or now - self._status_types[0] > _CATALOGUE_TTL:
            reply = await self._client.command("getUserStatuses", {})
            self._status_types = (now, directory.agent_status_types(reply))
        return self._status_types[1]

    async def shops(self) -> list[Shop]:
        return directory.shops(await self._client.command("getShops", {}))

    async def deal_stages(self) -> list[DealStage]:
        return directory.deal_stages(await self._client.command("getStages", {}))

    async def send_sms(self, *, modem: str, agent: str, to: str, text: str) -> str:
        params = mapping.sms_params(modem=modem, agent=agent, to=to, text=text)
        return mapping.sms_id(await self._modem_command("sendSMS", params))

    async def check_sms(self, *, modem: str, agent: str, vendor_id: str) -> SmsStatus:
        params = mapping.sms_check_params(modem=modem, agent=agent, vendor_id=vendor_id)
        return mapping.sms_status(await self._modem_command("checkSMS", params))

    async def _modem_command(self, cmd: str, params: dict[str, str | None]) -> dict[str, Any]:
        modem = params["provider"] or ""
        try:
            async with self._pacer.turn(modem):
                return await self._client.command(cmd, params)
        except ModemBusy:
            # Someone else (another integration) used the modem: one more turn, the last.
            async with self._pacer.turn(modem):
                return await self._client.command(cmd, params)

    async def call_history(self, query: HistoryQuery) -> list[CallSignal]:
        if self._history is None:
            raise Unsupported(
                f"Provider '{self.id}' has no call history configured: set history_url, "
                "history_login and history_password.",
                field="provider",
            )
        zone = self.options.zone()
        text = await self._history.export(query, zone)
        now = datetime.now(UTC)
        rows = history.parse_export(text, zone=zone, region=self.context.default_region)
        return [history.row_signal(row, fetched_at=now) for row in rows]

    async def request_agent_statuses(self) -> None:
        await self._client.command("initStatuses", {})

    async def send_agent_message(self, agent: str, sender: str, text: str) -> None:
        _check_extension(agent)
        if not text.strip():
            raise BadInput("`text` cannot be empty.", field="text")
        await self._client.command("sendMsg", {"ext": agent, "ani": sender, "text": text})

    def contact_answer(self, contact: Contact | None, phone: str) -> bytes:
        return mapping.contact_answer(contact, phone)

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        form = webhooks.accept(delivery, self.options.webhook_token)
        signals = mapping.webhook_signals(
            form, received_at=delivery.received_at, region=self.context.default_region
        )
        payload = mapping.without_token(form)
        lookup = None
        if form.get("cmd") == "contact":
            lookup = parse_vendor_phone(form["phone"], self.context.default_region)
        statuses: tuple[AgentStatus, ...] = ()
        if form.get("cmd") == "staton":
            status = mapping.agent_status(
                form, provider_id=self.id, received_at=delivery.received_at
            )
            if status is None:
                raise webhooks.INVALID_PARAMETERS
            statuses = (status,)
        return WebhookOutcome(
            contact_lookup=lookup,
            agent_statuses=statuses,
            sms=mapping.sms_signals(
                form, received_at=delivery.received_at, region=self.context.default_region
            ),
            dedup_key=_dedup_key(form.get("cmd"), payload, delivery),
            payload=payload,
            signals=signals,
            body=webhooks.OK,
            media_type="application/json",
        )


def _dedup_key(cmd: str | None, payload: Mapping[str, Any], delivery: WebhookDelivery) -> str:
    """A delivery's key: its fields, which name the event (a call id and its event). A
    `staton` names only the agent and the status, so a status the PBX sends again
    (1, 2, then 1 again) is news, not a resend of the first: each one is keyed by when it
    came too (LiraX documents no resends of `staton`)."""
    if cmd == "staton":
        return delivery_fingerprint(
            {**payload, "received_at": delivery.received_at.isoformat()}, ignore=frozenset()
        )
    return delivery_fingerprint(payload, ignore=frozenset())


def _check_extension(agent: str) -> None:
    if not agent.strip().isdigit():
        raise BadInput(
            f"'{agent}' is not a LiraX extension: use the agent's short number, e.g. 101.",
            field="agent",
        )
