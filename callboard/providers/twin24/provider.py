"""The Twin24 provider: adding incoming numbers with their rule (robot or not, recording),
and the incoming calls to them as call events.

Configuration keys are those of `Twin24Options`; `base_url` is the site's root (the batch
goes to `{base_url}/cis/api/v1/telephony/incomingRules/create/batch`). Every rule Callboard
creates carries its webhook URL, `{public_url}/webhooks/{id}?key=<secret>`, beside the
client's own.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from callboard.domain.calls import CallSignal
from callboard.domain.directory import PhoneNumber
from callboard.domain.incoming import IncomingNumbersRequest
from callboard.providers.areas import AddsIncomingNumbers, KeepsRecordings, ReportsCallEvents
from callboard.providers.base import (
    Configured,
    ProviderContext,
    WebhookDelivery,
    WebhookOutcome,
    delivery_fingerprint,
)
from callboard.providers.options import OptionError, ProviderOptions, option
from callboard.providers.twin24 import mapping, requests, webhooks
from callboard.providers.twin24.auth import TokenKeeper
from callboard.providers.twin24.client import Twin24Client
from callboard.providers.webhook_guard import KeyInUrl, check_networks

__all__ = ["TWIN24_NETWORK", "Twin24Options", "Twin24Provider"]

log = logging.getLogger(__name__)

TWIN24_NETWORK = "87.251.83.160/27"  # NOTES.md, unverified: not enforced by default
AUTH_URL = "https://iam.twin24.ai/api/v1/auth/login"
MIN_TOKEN_TTL = 60  # a shorter token would be renewed before every request


@dataclass(frozen=True)
class Twin24Options(ProviderOptions):
    token: str = option(
        "a Twin24 API token (JWT), sent as is; or leave it out and give email and password",
        secret=True,
        default="",
    )
    email: str = option("the Twin24 account's email, to log in (with password)", default="")
    password: str = option("the Twin24 account's password, to log in", secret=True, default="")
    auth_url: str = option("Twin24's login address", url=True, default=AUTH_URL)
    token_ttl: int = option("seconds a token from logging in should last", default=86400)
    default_provider_id: str = option(
        "the Twin24 trunk (providerId) for numbers that name none", default=""
    )
    allowed_ips: tuple[str, ...] = option(
        "addresses or networks webhooks may come from; [] accepts any (the URL secret still "
        f"applies). Twin24's is said to be {TWIN24_NETWORK}",
        default=(),
    )
    webhook_secret: str = option(
        "the secret in the webhook URL given to Twin24 (default: derived from token, or from "
        "email and password; set it to rotate those without breaking the rules made)",
        secret=True,
        default="",
    )

    def __post_init__(self) -> None:
        if not self.token:
            if not self.email and not self.password:
                raise OptionError(
                    "token", "missing; set `token`, or `email` and `password` to log in"
                )
            if not self.email:
                raise OptionError("email", "missing; logging in needs `email` with `password`")
            if not self.password:
                raise OptionError("password", "missing; logging in needs `password` with `email`")
        if self.token_ttl < MIN_TOKEN_TTL:
            raise OptionError("token_ttl", f"is seconds, at least {MIN_TOKEN_TTL}")
        bad = check_networks(self.allowed_ips)
        if bad is not None:
            raise OptionError("allowed_ips", f"'{bad}' is not an IP address or network")


class Twin24Provider(
    Configured[Twin24Options],
    KeyInUrl,
    ReportsCallEvents,
    KeepsRecordings,
    AddsIncomingNumbers,
):
    kind = "twin24"
    vendor = "Twin24"

    def __init__(self, context: ProviderContext, options: Twin24Options) -> None:
        super().__init__(context, options)
        self._guard_webhooks(
            options, credential=options.token or f"{options.email}\n{options.password}"
        )
        self._auth = TokenKeeper(
            context.http,
            token=options.token,
            email=options.email,
            password=options.password,
            auth_url=options.auth_url,
            ttl=options.token_ttl,
            who=self.who,
        )
        self._client = Twin24Client(
            context.http, root=options.base_url, auth=self._auth, who=self.who
        )

    async def add_incoming_numbers(self, request: IncomingNumbersRequest) -> list[PhoneNumber]:
        body = requests.batch_body(
            request,
            default_trunk=self.options.default_provider_id,
            own_webhook_url=self.webhook_url,
        )
        await self._client.post(
            requests.BATCH_PATH,
            body,
            field_of=functools.partial(
                requests.input_field, client_webhook_urls=len(request.webhook_urls)
            ),
            hide=(*requests.connection_secrets(request), self._secret),
        )
        log.info("Twin24 (%s): added %d incoming numbers", self.id, len(request.numbers))
        return mapping.added_numbers(self.id, request, body)

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        self._check_source_and_key(delivery)
        body = webhooks.read_body(delivery)
        signals: list[CallSignal] = []
        try:
            signals = mapping.call_signals(
                body, received_at=delivery.received_at, region=self.context.default_region
            )
        except (TypeError, ValueError, AttributeError, KeyError):
            # A shape nobody documented: kept as it came (the inbox has it), answered 200
            # so Twin24 does not resend it for a day.
            log.warning("Twin24 webhook for %s of an unknown shape; kept, no events", self.id)
        return WebhookOutcome(
            dedup_key=delivery_fingerprint(mapping.fingerprint_fields(body), ignore=frozenset()),
            payload=dict(body),
            signals=tuple(signals),
        )
