"""The webhook route: find the provider, let it verify and parse, keep the delivery in
the inbox, turn it into events, answer.

Nothing slow happens before the answer: parsing is pure, and keeping and processing are
one local transaction. A resend of a delivery already kept is answered the same and adds
nothing. A delivery whose processing fails is kept alone, as is every delivery on an
instance with `[inbox] process = false`; `inbox.process_pending` processes those later.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callboard.domain.outcome_codec import Outcome, encode_outcome
from callboard.inbox import keep_and_process
from callboard.providers.base import WebhookDelivery, WebhookOutcome, WebhookRejected
from callboard.request_body import BodyTooLarge, read_body
from callboard.runtime import Runtime

__all__ = ["MAX_BODY", "receive_webhook"]

log = logging.getLogger(__name__)

# Vendor webhooks are a few kilobytes; anything near this is not one.
MAX_BODY = 1024 * 1024


async def receive_webhook(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    provider_id = request.path_params["provider_id"]
    provider = runtime.providers.get(provider_id)
    if provider is None:
        return JSONResponse({"error": "No provider has this id."}, status_code=404)
    try:
        body = await read_body(request, MAX_BODY)
    except BodyTooLarge:
        return JSONResponse({"error": "Body too large."}, status_code=413)
    delivery = WebhookDelivery(
        method=request.method,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
        body=body,
        received_at=datetime.now(UTC),
        client_ip=request.client.host if request.client else None,
    )
    try:
        outcome = provider.handle_webhook(delivery)
    except WebhookRejected as rejected:
        # The reason and the sender, never the body: it may carry the vendor's secret.
        log.warning(
            "webhook for %s rejected with HTTP %s (from %s)",
            provider_id,
            rejected.status_code,
            delivery.client_ip,
        )
        return Response(rejected.body, rejected.status_code, media_type=rejected.media_type)
    if await _keep(runtime, provider_id, outcome, delivery.received_at):
        log.info("webhook for %s was a resend of a stored delivery; ignored", provider_id)
    body = outcome.body
    if outcome.contact_lookup is not None:
        # Answered even for a resend: the vendor is still waiting for the name.
        contact = await runtime.store.contacts.of_provider(provider_id, outcome.contact_lookup)
        body = provider.contact_answer(contact, outcome.contact_lookup)
    return Response(body, outcome.status_code, media_type=outcome.media_type)


async def _keep(
    runtime: Runtime, provider_id: str, outcome: WebhookOutcome, received_at: datetime
) -> bool:
    """On disk before the vendor hears 2xx, whatever happens to this process after;
    whether it was a resend."""
    kept = Outcome(outcome.signals, outcome.agent_statuses, outcome.sms)
    dedup_key, payload = outcome.dedup_key, outcome.payload
    if runtime.settings.inbox.process:
        try:
            # The usual path: kept and applied in one transaction.
            events = await keep_and_process(
                runtime, provider_id, dedup_key, payload, kept, received_at
            )
            return events is None
        except Exception:
            # Kept all the same, below: the inbox loop tries again; the vendor must not
            # resend.
            log.exception("webhook for %s could not be processed; kept for a retry", provider_id)
    delivery_id = await runtime.store.calls.receive(
        provider_id, dedup_key, payload, encode_outcome(kept), received_at
    )
    return delivery_id is None
