"""The observability routes: GET /metrics, and the webhook route counted and traced."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from opentelemetry.trace import SpanKind
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callboard.domain.webhook_endpoints import DeliveryStatus
from callboard.observability.metrics import CONTENT_TYPE, count_webhook, page
from callboard.store.tables import outbound_deliveries, webhook_deliveries

if TYPE_CHECKING:
    from callboard.observability.tracing import Telemetry
    from callboard.runtime import Runtime
    from callboard.settings import MetricsSettings

__all__ = ["SCRAPE_GAUGES", "metrics_endpoint", "observed_webhooks"]

Endpoint = Callable[[Request], Awaitable[Response]]


async def _inbox_unprocessed(runtime: Runtime) -> float:
    query = (
        select(func.count())
        .select_from(webhook_deliveries)
        .where(webhook_deliveries.c.processed_at.is_(None))
    )
    async with runtime.store.engine.connect() as conn:
        return float((await conn.execute(query)).scalar_one())


async def _outbound_pending(runtime: Runtime) -> float:
    query = (
        select(func.count())
        .select_from(outbound_deliveries)
        .where(outbound_deliveries.c.status == DeliveryStatus.PENDING.value)
    )
    async with runtime.store.engine.connect() as conn:
        return float((await conn.execute(query)).scalar_one())


# Gauges read from the store at each scrape, not kept in memory: any instance (or any
# process) answering /metrics tells the deployment's figure. (name, help, reader)
SCRAPE_GAUGES: list[tuple[str, str, Callable[[Runtime], Awaitable[float]]]] = [
    (
        "callboard_inbox_unprocessed",
        "Webhook deliveries kept in the inbox and not yet turned into events.",
        _inbox_unprocessed,
    ),
    (
        "callboard_outbound_pending",
        "Outgoing webhook deliveries not yet delivered (waiting, in flight or retrying).",
        _outbound_pending,
    ),
]


def metrics_endpoint(settings: MetricsSettings) -> Endpoint:
    """GET /metrics; with `[metrics] key`, only for `Authorization: Bearer <key>`."""
    expected = f"Bearer {settings.key}".encode() if settings.key else None

    async def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return JSONResponse(
                    {"error": "The metrics need Authorization: Bearer <[metrics] key>."},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="callboard-metrics"'},
                )
        runtime: Runtime = request.app.state.runtime
        gauges = [(name, text, await read(runtime)) for name, text, read in SCRAPE_GAUGES]
        return Response(page(gauges), media_type=CONTENT_TYPE)

    return metrics


# Unknown provider ids are the sender's choice: one label for all of them.
_UNKNOWN_PROVIDER = "(unknown)"


def observed_webhooks(endpoint: Endpoint, telemetry: Telemetry | None) -> Endpoint:
    """`endpoint` (the webhook route) with each delivery counted by provider and outcome
    and, with telemetry, in a span of its own: the bus adds the ids of the events it
    became (events/bus.py), which the subscribers' delivery spans carry too."""

    async def webhook(request: Request) -> Response:
        provider_id = request.path_params["provider_id"]
        runtime: Runtime = request.app.state.runtime
        label = provider_id if provider_id in runtime.providers else _UNKNOWN_PROVIDER
        outcome = "failed"
        try:
            if telemetry is None:
                response = await endpoint(request)
            else:
                with telemetry.tracer.start_as_current_span(
                    f"webhook {label}",
                    kind=SpanKind.SERVER,
                    attributes={"callboard.provider": label, "http.method": request.method},
                ) as span:
                    response = await endpoint(request)
                    span.set_attribute("http.status_code", response.status_code)
            status = response.status_code
            outcome = "accepted" if status < 400 else "rejected" if status < 500 else "failed"
            return response
        finally:
            count_webhook(label, outcome)

    return webhook
