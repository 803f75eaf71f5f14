"""The While1 Voice PBX provider: originate-call (ring an agent, a queue or a context, then
connect the customer) and the PBX's event notifications.

Configuration keys are those of `While1Options`; `base_url` is the PBX's address
(`{base_url}/api/originate-call`). The operator sets the PBX's event URL to
`{public_url}/webhooks/{id}?token=<webhook_token>`: While1 is not told a URL per call.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from callboard.domain.provider_requests import PlaceCallRequest, PlacedCall
from callboard.providers.areas import PlacesCalls, ReportsCallEvents
from callboard.providers.base import (
    Configured,
    ProviderContext,
    WebhookDelivery,
    WebhookOutcome,
    delivery_fingerprint,
)
from callboard.providers.options import OptionError, ProviderOptions, option
from callboard.providers.webhook_guard import (
    FORBIDDEN_KEY,
    SourceFilter,
    check_networks,
    verify_key,
)
from callboard.providers.while1 import mapping, webhooks
from callboard.providers.while1.call_options import While1CallOptions
from callboard.providers.while1.client import While1Client

__all__ = ["While1Options", "While1Provider"]

log = logging.getLogger(__name__)

# The client gives up this long after the PBX should have: an async=0 request answered
# at the PBX's own timeout must still be read.
HTTP_GRACE = 10


@dataclass(frozen=True)
class While1Options(ProviderOptions):
    api_username: str = option("the PBX's API user (api_username)")
    api_password: str = option("that API user's password (api_password)", secret=True)
    api_key: str = option("the API key the PBX checks api_hash with", secret=True)
    project_id: int = option("the PBX project the calls are made in (data[project_id])")
    webhook_token: str = option(
        "the token in the event URL set in the PBX, {public_url}/webhooks/{id}?token=...; "
        "empty: every event notification is refused",
        secret=True,
        default="",
    )
    allowed_ips: tuple[str, ...] = option(
        "addresses or networks event notifications may come from; [] accepts any (the "
        "token still applies)",
        default=(),
    )
    caller_id_format: str = option(
        "how the customer's number is written in caller_id for the PBX's outbound rules: "
        '"e164" (+40721234567), "digits" (40721234567) or "national" (0721234567)',
        default="e164",
    )
    answer_timeout: int = option(
        "seconds the PBX may keep a waitForAnswer request open (the HTTP timeout is 10 more)",
        default=60,
    )

    def __post_init__(self) -> None:
        bad = check_networks(self.allowed_ips)
        if bad is not None:
            raise OptionError("allowed_ips", f"'{bad}' is not an IP address or network")
        if self.caller_id_format not in mapping.CALLER_ID_FORMATS:
            raise OptionError(
                "caller_id_format",
                f"'{self.caller_id_format}' is not one of {', '.join(mapping.CALLER_ID_FORMATS)}",
            )
        if self.project_id < 1:
            raise OptionError("project_id", "must be the PBX project's id, 1 or more")
        if self.answer_timeout < 1:
            raise OptionError("answer_timeout", "must be 1 second or more")


class While1Provider(
    Configured[While1Options],
    PlacesCalls,
    ReportsCallEvents,
):
    kind = "while1"
    vendor = "While1"

    def __init__(self, context: ProviderContext, options: While1Options) -> None:
        super().__init__(context, options)
        self._sources = SourceFilter(options.allowed_ips)
        self._client = While1Client(
            context.http,
            root=options.base_url,
            api_key=options.api_key,
            hidden=(options.api_password,),
            who=self.who,
        )
        if not options.webhook_token:
            log.warning(
                "While1 provider %s has no webhook_token: the PBX's events are refused", context.id
            )

    async def place_call(self, request: PlaceCallRequest) -> PlacedCall:
        # The PBX gives the call no id of its own: the external_id names it, in the events
        # too. The client's own when it gave one (its CRM matches the PBX's events to its
        # records by it), else Callboard's.
        external_id = request.external_id or "cb-" + uuid.uuid4().hex
        options = While1CallOptions.from_extra(request.extra)
        params = mapping.originate_params(
            request,
            options,
            username=self.options.api_username,
            password=self.options.api_password,
            project_id=self.options.project_id,
            external_id=external_id,
            caller_id_format=self.options.caller_id_format,
            region=self.context.default_region,
        )
        timeout = self.options.answer_timeout + HTTP_GRACE if options.wait_for_answer else None
        status, reply = await self._client.originate(params, http_timeout=timeout)
        return mapping.placed_call(
            reply,
            request,
            options,
            external_id=external_id,
            http_status=status,
            region=self.context.default_region,
            who=self.who,
        )

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        self._sources.check(delivery.client_ip)
        if not self.options.webhook_token:
            raise FORBIDDEN_KEY
        verify_key(delivery, self.options.webhook_token, param=webhooks.TOKEN_PARAM)
        fields = webhooks.read_fields(delivery)
        signal = webhooks.event_signal(
            fields, received_at=delivery.received_at, region=self.context.default_region
        )
        if signal is None:
            log.info("While1 event for %s names no call; kept, no events", self.id)
        return WebhookOutcome(
            dedup_key=delivery_fingerprint(fields, ignore=frozenset({webhooks.TOKEN_PARAM})),
            payload=webhooks.without_token(fields),
            signals=(signal,) if signal is not None else (),
            body=b"",
            media_type=None,
        )
