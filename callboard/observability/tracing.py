"""Traces with OpenTelemetry, made only when `[telemetry] otlp_endpoint` is set (or a
test hands in an exporter): a span per GraphQL operation and its resolvers (strawberry's
extension), per vendor request (httpx's instrumentation), per webhook, and per event
delivered to this instance's subscribers.

Each app has its own TracerProvider, passed to what makes spans, instead of the
process-wide one: nothing else in the process (another app, a library) exports through
it. Without telemetry there is no provider, no extension and no instrumented client:
the only cost left is a None check where a webhook or an event would have its span.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor, RequestInfo
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, Tracer
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

from callboard.settings import TelemetrySettings

__all__ = ["Telemetry"]

# The attributes httpx's instrumentation writes the request's URL to (the old and the
# current semantic conventions); a vendor URL's query may carry its API key.
_URL_ATTRIBUTES = ("http.url", "url.full")


@dataclasses.dataclass(eq=False)
class Telemetry:
    """The spans of one app and where they go."""

    provider: TracerProvider
    tracer: Tracer

    @classmethod
    def configure(
        cls, settings: TelemetrySettings, exporter: SpanExporter | None = None
    ) -> Telemetry | None:
        """Telemetry exporting to `[telemetry] otlp_endpoint` over OTLP/HTTP, or to
        `exporter` (tests: each span as it ends); None when neither is given."""
        if exporter is None and not settings.otlp_endpoint:
            return None
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.service_name}))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            endpoint = f"{settings.otlp_endpoint.rstrip('/')}/v1/traces"
            # Batched on the SDK's thread: a request never waits for the collector.
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        return cls(provider, provider.get_tracer("callboard"))

    def schema_extensions(self) -> list[Callable[[], SchemaExtension]]:
        """Strawberry's extension, a fresh one per operation, recording no arguments:
        they hold phone numbers and messages, which a trace collector need not keep."""
        return [lambda: OpenTelemetryExtension(tracer_provider=self.provider, arg_filter=_none)]

    def instrument(self, clients: Iterable[httpx.AsyncClient]) -> None:
        """A client span for every request `clients` send (the providers' clients),
        a child of whatever span is current: the resolver that made it."""
        for client in clients:
            HTTPXClientInstrumentor.instrument_client(
                client, tracer_provider=self.provider, request_hook=_without_query
            )

    def shutdown(self) -> None:
        """Export what is still batched, then stop (blocks up to the exporter's timeout)."""
        self.provider.shutdown()


def _none(args: dict[str, Any], info: Any) -> dict[str, Any]:
    return {}


async def _without_query(span: Span, request: RequestInfo) -> None:
    """The vendor URL as the span keeps it: its query string dropped (Zvonobot's
    `apiKey`, a webhook secret)."""
    url = request.url if isinstance(request.url, httpx.URL) else httpx.URL(str(request.url))
    if url.query and span.is_recording():
        bare = str(url.copy_with(query=None))
        written = getattr(span, "attributes", None) or {}
        for key in _URL_ATTRIBUTES:
            if key in written:
                span.set_attribute(key, bare)
