"""The core every provider has: its id, kind, options, webhooks and secrets, and the
webhook types. What a provider serves beyond that is in providers/areas/, one class per
capability, which a vendor's provider inherits (like Libcloud's base class per API)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

import httpx

from callboard.domain.calls import CallSignal
from callboard.domain.capabilities import Capability
from callboard.domain.directory import Contact
from callboard.domain.pbx import AgentStatus
from callboard.domain.sms import SmsSignal
from callboard.providers.options import ProviderOptions

__all__ = [
    "Configured",
    "Provider",
    "ProviderContext",
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
    """The core every vendor backend has: its id, kind, options, webhooks and secrets.
    What it serves beyond that it inherits from the areas (providers/areas/); its
    `capabilities` are theirs, gathered here when the class is made."""

    kind: ClassVar[str]
    vendor: ClassVar[str]  # the vendor's name, for messages
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    options_type: ClassVar[type[ProviderOptions]] = ProviderOptions

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each area class names its own capability (areas/area.py).
        cls.capabilities = frozenset(
            base.__dict__["capability"] for base in cls.__mro__ if "capability" in base.__dict__
        )

    def __init__(self, context: ProviderContext, options: ProviderOptions) -> None:
        # Checked once here, for every vendor: settings.py builds them from `options_type`,
        # and a vendor reads them typed (`Configured`).
        if not isinstance(options, self.options_type):
            raise TypeError(
                f"{type(self).__name__} takes {self.options_type.__name__}, "
                f"not {type(options).__name__}"
            )
        self.context = context
        self.options = options

    @property
    def id(self) -> str:
        return self.context.id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r}>"

    @property
    def who(self) -> str:
        """The provider as its messages name it: `LiraX (lirax-main)`."""
        return f"{self.vendor} ({self.id})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a client or the store: the secret keys' values, and what
        the provider derives from them (a webhook URL's secret)."""
        return self.options.secret_values()

    def contact_answer(self, contact: Contact | None, phone: str) -> bytes:
        """The body answering a `contact_lookup` outcome; `contact` None when unknown."""
        raise NotImplementedError

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        """Verify and parse one delivery; raise `WebhookRejected` for a bad one.

        Runs before the vendor gets its answer, so it must not do I/O.
        """
        raise WebhookRejected(404, b"")


OptionsT = TypeVar("OptionsT", bound=ProviderOptions)


class Configured(Provider, Generic[OptionsT]):
    """A provider whose options are `OptionsT`: `options` typed as such, `options_type`
    that class, so a vendor names its options class once (`Configured[LiraxOptions]`)."""

    options: OptionsT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            if get_origin(base) is Configured:
                (cls.options_type,) = get_args(base)

    def __init__(self, context: ProviderContext, options: OptionsT) -> None:
        super().__init__(context, options)
