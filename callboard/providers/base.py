"""The provider interface every vendor backend implements.

Like a Libcloud driver: one base class with one async method per operation, each
raising `Unsupported` until a vendor overrides it, and `capabilities` declaring which
ones it does so clients (and the README matrix) can tell without trying.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx

from callboard.domain.calls import (
    AgentAnswer,
    AgentType,
    Call,
    CallDirection,
    CallSignal,
    CallStatus,
)
from callboard.domain.capabilities import Capability
from callboard.domain.crm import Deal, Note, Task
from callboard.domain.directory import AudioRecord, Contact, Order, PhoneNumber
from callboard.domain.errors import CallboardError, Unsupported
from callboard.domain.history import HistoryQuery
from callboard.domain.incoming import IncomingNumbersRequest
from callboard.domain.orders import OrderRequest
from callboard.domain.pbx import (
    Agent,
    AgentStatus,
    AgentStatusType,
    Blacklist,
    DealStage,
    Shop,
)
from callboard.domain.robocalls import (
    Balance,
    Language,
    Notice,
    RobocallDetails,
    RobocallRequest,
    RobocallTemplate,
)
from callboard.domain.sms import SmsSignal, SmsStatus
from callboard.providers.options import ProviderOptions

__all__ = [
    "AudioFile",
    "ConnectPartiesRequest",
    "PlaceCallRequest",
    "PlacedCall",
    "Provider",
    "ProviderContext",
    "StartedCalls",
    "WebhookDelivery",
    "WebhookOutcome",
    "WebhookRejected",
    "delivery_fingerprint",
]


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What Callboard hands a provider: its id, its HTTP client, where its webhooks go."""

    id: str
    http: httpx.AsyncClient
    webhook_url: str
    default_region: str = "RU"


@dataclass(frozen=True, slots=True)
class PlaceCallRequest:
    """Ring `agent` first, then connect them to `to` (E.164).

    The options after `to` are vendors' own; a provider ignores those it has no use for.
    """

    agent: str
    to: str
    shop_id: int | None = None  # LiraX: the shop whose line is used
    agent_type: AgentType | None = None  # While1: what `agent` names (vendor default: user)
    caller_id_name: str | None = None  # While1: the customer's name shown to the agent
    outbound_number: str | None = None  # While1: the number the customer sees
    outbound_trunk: str | None = None  # While1: the trunk the call leaves through
    variables: Mapping[str, str] = field(default_factory=dict)  # While1: PBX context vars
    wait_for_answer: bool = False  # While1 async=0: answer once the agent answers


@dataclass(frozen=True, slots=True)
class ConnectPartiesRequest:
    """Ring `first`, then connect it to `second` (a phone in E.164, or an audio URL)."""

    agent: str
    first: str
    second: str
    retry_minutes: int | None = None
    success_after_seconds: int | None = None
    not_before_hour: int | None = None
    not_after_hour: int | None = None
    ivr_time: str | None = None
    ivr_date: str | None = None
    ivr_amount: float | None = None


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """What the vendor said when it accepted a call: its id and where the call stands."""

    provider_call_id: str
    status: CallStatus
    direction: CallDirection = CallDirection.OUTBOUND
    from_number: str | None = None
    to_number: str | None = None
    agent: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[str, ...] = ()  # more vendor ids that name the call (webhooks use them)
    # The vendor reports the call's times itself (a robocall may be dialled hours later):
    # being accepted is not the call's start.
    vendor_times: bool = False
    # Set when the vendor kept the request open until the agent answered (While1 async=0).
    # REJECTED / TIMED_OUT come with a final status and `refusal`, the vendor's words.
    agent_answer: AgentAnswer | None = None
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class StartedCalls:
    """What came of a request that starts calls, maybe sent in several parts: the calls
    the vendor accepted, and why the other parts were not (each an error naming them)."""

    calls: list[PlacedCall]
    record_cost: float | None = None
    failures: list[CallboardError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AudioFile:
    """An uploaded sound file, read into memory (records are a few megabytes at most)."""

    filename: str
    content_type: str
    content: bytes

    def __repr__(self) -> str:
        return f"<AudioFile {self.filename!r} {len(self.content)} bytes>"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One HTTP request a vendor made to `/webhooks/{providerId}`, as received."""

    method: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    received_at: datetime
    client_ip: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    """What a delivery means and how to answer the vendor.

    `dedup_key` names the delivery: the same delivery sent twice has the same key and
    becomes events once.
    """

    dedup_key: str
    payload: Mapping[str, Any] = field(default_factory=dict)  # the fields, secrets removed
    signals: tuple[CallSignal, ...] = ()
    status_code: int = 200
    body: bytes = b""
    media_type: str | None = None
    # The vendor asks who this phone belongs to and waits (its agent's phone is ringing):
    # the route looks the phone up in the directory and `Provider.contact_answer` answers.
    contact_lookup: str | None = None
    agent_statuses: tuple[AgentStatus, ...] = ()
    sms: tuple[SmsSignal, ...] = ()


class WebhookRejected(Exception):
    """The delivery is forged or malformed; answer the vendor this, store nothing."""

    def __init__(self, status_code: int, body: bytes, media_type: str | None = None) -> None:
        super().__init__(f"webhook rejected with HTTP {status_code}")
        self.status_code = status_code
        self.body = body
        self.media_type = media_type


def delivery_fingerprint(fields: Mapping[str, Any], *, ignore: frozenset[str]) -> str:
    """A stable key for a delivery whose vendor sends no delivery id of its own."""
    kept = {k: v for k, v in fields.items() if k not in ignore}
    canonical = json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Provider:
    """Base of every vendor backend. Subclasses set the class attributes below."""

    kind: ClassVar[str]
    vendor: ClassVar[str]  # the vendor's name, for messages
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    options_type: ClassVar[type[ProviderOptions]] = ProviderOptions

    def __init__(self, context: ProviderContext, options: ProviderOptions) -> None:
        self.context = context
        self.options = options

    @property
    def id(self) -> str:
        return self.context.id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r}>"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a client or the store: the secret keys' values, and what
        the provider derives from them (a webhook URL's secret)."""
        return self.options.secret_values()

    def _unsupported(self, what: str) -> Unsupported:
        return Unsupported(f"Provider '{self.id}' ({self.vendor}) cannot {what}.")

    async def place_call(self, request: PlaceCallRequest) -> PlacedCall:
        raise self._unsupported("place calls")

    async def connect_parties(self, request: ConnectPartiesRequest) -> PlacedCall:
        raise self._unsupported("connect two parties")

    async def hangup_call(self, call: Call) -> None:
        raise self._unsupported("hang up calls")

    async def upsert_contact(self, contact: Contact) -> None:
        raise self._unsupported("keep contacts")

    async def create_task(self, task: Task) -> None:
        raise self._unsupported("create tasks")

    async def create_note(self, note: Note) -> None:
        raise self._unsupported("create notes")

    async def create_deal(self, deal: Deal) -> str:
        """Create the deal; the vendor's id for it."""
        raise self._unsupported("create deals")

    async def update_deal(self, deal: Deal) -> None:
        raise self._unsupported("update deals")

    async def blacklist(self) -> Blacklist:
        raise self._unsupported("keep black lists")

    async def set_blacklisted(
        self, *, phone: str | None = None, ip: str | None = None, listed: bool
    ) -> None:
        """Add (`listed`) or remove one phone (E.164) or one IP address (normalized)."""
        raise self._unsupported("keep black lists")

    async def agents(self) -> list[Agent]:
        raise self._unsupported("list agents")

    async def agent_status_types(self) -> list[AgentStatusType]:
        raise self._unsupported("list agent statuses")

    async def shops(self) -> list[Shop]:
        raise self._unsupported("list shops")

    async def deal_stages(self) -> list[DealStage]:
        raise self._unsupported("list deal stages")

    async def send_sms(self, *, modem: str, agent: str, to: str, text: str) -> str:
        """Send a text message (to: E.164); the vendor's id for it."""
        raise self._unsupported("send SMS")

    async def check_sms(self, *, modem: str, agent: str, vendor_id: str) -> SmsStatus:
        raise self._unsupported("check SMS")

    async def call_history(self, query: HistoryQuery) -> list[CallSignal]:
        """The vendor's record of past calls, one finished-call signal each (not live)."""
        raise self._unsupported("read call history")

    async def request_agent_statuses(self) -> None:
        """Ask the PBX to report every agent's status again (through its webhooks)."""
        raise self._unsupported("report agent statuses")

    async def send_agent_message(self, agent: str, sender: str, text: str) -> None:
        raise self._unsupported("message agents")

    async def start_robocall(self, request: RobocallRequest) -> StartedCalls:
        raise self._unsupported("start robocalls")

    async def robocall_calls(
        self, vendor_ids: Sequence[str], *, template: bool
    ) -> list[CallSignal]:
        """The vendor's current state of these calls (those it knows), one signal each."""
        raise self._unsupported("read robocalls")

    async def reschedule_robocalls(self, plan: Sequence[tuple[Call, datetime]]) -> list[str]:
        """Move planned calls to new times; the vendor ids of those moved."""
        raise self._unsupported("reschedule robocalls")

    async def cancel_robocalls(self, calls: Sequence[Call]) -> list[str]:
        """Remove planned calls; the vendor ids of those removed."""
        raise self._unsupported("cancel robocalls")

    def robocall_notices(self, request: RobocallRequest) -> list[Notice]:
        """What the client should know before these calls start (e.g. moderation)."""
        return []

    def robocall_details(self, call: Call) -> RobocallDetails | None:
        """What the vendor's last payload says beyond the common fields (pure)."""
        return None

    async def robocall_templates(self, *, only_moderated: bool) -> list[RobocallTemplate]:
        raise self._unsupported("list robocall templates")

    async def languages(self) -> list[Language]:
        raise self._unsupported("list languages")

    async def create_audio_record(
        self, *, name: str, text: str | None, file: AudioFile | None
    ) -> AudioRecord:
        raise self._unsupported("keep audio records")

    async def remove_audio_records(self, record_ids: Sequence[str]) -> list[AudioRecord]:
        raise self._unsupported("keep audio records")

    async def numbers(self, *, include_shared: bool) -> list[PhoneNumber]:
        raise self._unsupported("list numbers")

    async def balance(self) -> Balance:
        raise self._unsupported("report a balance")

    async def verify_phone(self, phone: str, pin: str) -> None:
        """Call `phone` from a number ending in `pin` (FlashOnCall)."""
        raise self._unsupported("verify phones")

    async def create_order(self, request: OrderRequest) -> Order:
        """Create a dialing order; the order as the vendor accepted it."""
        raise self._unsupported("create orders")

    async def add_incoming_numbers(self, request: IncomingNumbersRequest) -> list[PhoneNumber]:
        """Add numbers with their incoming-call rule; the numbers as added."""
        raise self._unsupported("add incoming numbers")

    def contact_answer(self, contact: Contact | None, phone: str) -> bytes:
        """The body answering a `contact_lookup` outcome; `contact` None when unknown."""
        raise NotImplementedError

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        """Verify and parse one delivery; raise `WebhookRejected` for a bad one.

        Runs before the vendor gets its answer, so it must not do I/O.
        """
        raise WebhookRejected(404, b"")
