"""The webhook route: find the provider, let it verify and parse, store, publish, answer.

Nothing slow happens before the answer: parsing is pure, and storing is one local
transaction. A resend of a delivery already stored is answered the same, and adds nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callboard.domain.sms import Sms
from callboard.providers.base import WebhookDelivery, WebhookRejected
from callboard.runtime import Runtime
from callboard.store.agents import record_statuses
from callboard.store.sms import apply_sms

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
    body = await request.body()
    if len(body) > MAX_BODY:
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
    changed_sms: list[Sms] = []

    async def also(conn: AsyncConnection) -> None:
        await record_statuses(conn, outcome.agent_statuses)
        changed_sms.extend(await apply_sms(conn, provider_id, outcome.sms))

    events = await runtime.store.calls.ingest_webhook(
        provider_id,
        outcome.dedup_key,
        outcome.payload,
        outcome.signals,
        delivery.received_at,
        runtime.bus.publish,
        also=also,
    )
    if events is None:
        log.info("webhook for %s was a resend of a stored delivery; ignored", provider_id)
    else:
        runtime.agent_statuses.publish(outcome.agent_statuses)
        runtime.sms.publish(changed_sms)
    body = outcome.body
    if outcome.contact_lookup is not None:
        # Answered even for a resend: the vendor is still waiting for the name.
        (contact,) = await runtime.store.contacts.get_many([outcome.contact_lookup])
        body = provider.contact_answer(contact, outcome.contact_lookup)
    return Response(body, outcome.status_code, media_type=outcome.media_type)
