"""Traces: a GraphQL operation with the vendor requests it made, a webhook with the events
it became and their delivery, exported over OTLP/HTTP when configured; nothing otherwise."""

from __future__ import annotations

import asyncio
import base64
import gzip
import re
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.extensions.tracing import OpenTelemetryExtension

from callboard.demo import bind
from callboard.observability.tracing import Telemetry
from callboard.settings import ConfigError, TelemetrySettings, parse_settings
from tests.harness import FROM_START, next_event, running_callboard, serving
from tests.lirax_hooks import call_completed
from tests.observability.conftest import HOOK_TOKEN, config, lirax_transport
from tests.queries import CALL_EVENTS, PLACE_CALL

PLACE = PLACE_CALL.replace("mutation(", "mutation Place(", 1)
PLACE_INPUT = {"input": {"provider": "crm", "agent": "101", "to": "+79123456789"}}


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    """The names of the spans above `span`, nearest first."""
    by_id = {s.context.span_id: s for s in spans}
    names, parent = [], span.parent
    while parent is not None and parent.span_id in by_id:
        above = by_id[parent.span_id]
        names.append(above.name)
        parent = above.parent
    return names


async def test_one_operation_is_one_trace_with_its_vendor_request_inside() -> None:
    exporter = InMemorySpanExporter()
    async with running_callboard(
        config(), transports={"crm": lirax_transport()}, span_exporter=exporter
    ) as api:
        placed = await api.query(PLACE, PLACE_INPUT)
        assert placed["placeCall"]["call"]["status"] == "QUEUED"
    spans = list(exporter.get_finished_spans())
    (operation,) = [s for s in spans if s.name == "GraphQL Query: Place"]
    (vendor,) = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert (vendor.attributes or {}).get("http.method", "POST") == "POST"
    assert vendor.context.trace_id == operation.context.trace_id
    assert "GraphQL Query: Place" in ancestors(vendor, spans)
    assert vendor.resource.attributes["service.name"] == "callboard"
    # the resolvers' arguments (phone numbers) are not recorded
    assert not any(key.startswith("graphql.param") for s in spans for key in s.attributes or {})


async def test_a_webhook_names_its_events_and_their_delivery_carries_them() -> None:
    exporter = InMemorySpanExporter()
    async with (
        running_callboard(config(), span_exporter=exporter) as api,
        api.subscription(CALL_EVENTS, {"after": FROM_START}) as events,
    ):
        receiving = asyncio.ensure_future(next_event(events))
        for _ in range(200):  # subscribed: the event is delivered live, not replayed
            if api.runtime.bus.subscriber_count:
                break
            await asyncio.sleep(0.02)
        hook = await api.http.post(
            f"{api.webhook_base}/crm", data=call_completed("TR-1", HOOK_TOKEN)
        )
        assert hook.status_code == 200
        event = (await receiving)["callEvents"]
    spans = list(exporter.get_finished_spans())
    (webhook,) = [s for s in spans if s.name == "webhook crm"]
    event_id = str(_stored_id(event["id"]))
    assert event_id in (webhook.attributes or {})["callboard.event_ids"]
    deliveries = [
        s
        for s in spans
        if s.name == "deliver events"
        and event_id in (s.attributes or {}).get("callboard.event_ids", ())
    ]
    assert deliveries, "the delivery to subscribers carries the event's id"
    assert all(d.context.trace_id == webhook.context.trace_id for d in deliveries)
    assert (deliveries[0].attributes or {})["callboard.subscribers"] >= 1


def _stored_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().rpartition(":")[2])


async def test_without_telemetry_nothing_is_traced() -> None:
    async with running_callboard(config(), transports={"crm": lirax_transport()}) as api:
        await api.query(PLACE, PLACE_INPUT)
        runtime = api.runtime
        assert runtime.bus.tracer is None
        (provider,) = runtime.providers.values()
        assert not getattr(provider.context.http, "_is_instrumented_by_opentelemetry", False)
        assert api.app is not None
        route = next(r for r in api.app.routes if getattr(r, "path", None) == "/graphql")
        extensions = route.endpoint.schema.get_extensions()  # type: ignore[attr-defined]
        assert not any(isinstance(e, OpenTelemetryExtension) for e in extensions)


@pytest.fixture
async def collector() -> AsyncIterator[tuple[str, list[ExportTraceServiceRequest]]]:
    """An OTLP/HTTP receiver on loopback: what it was sent, decoded."""
    received: list[ExportTraceServiceRequest] = []

    async def traces(request: Request) -> Response:
        body = await request.body()
        encoding = request.headers.get("content-encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        assert request.headers["content-type"] == "application/x-protobuf"
        message = ExportTraceServiceRequest()
        message.ParseFromString(body)
        received.append(message)
        return Response(b"", media_type="application/x-protobuf")

    app = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
    async with serving(app, bind("127.0.0.1", 0)) as url:
        yield url, received


async def test_the_configured_endpoint_receives_the_traces_over_otlp_http(
    collector: tuple[str, list[ExportTraceServiceRequest]],
) -> None:
    url, received = collector
    telemetry = {"otlp_endpoint": url, "service_name": "callboard-test"}
    async with running_callboard(
        config(telemetry=telemetry), transports={"crm": lirax_transport()}
    ) as api:
        await api.query(PLACE, PLACE_INPUT)
    # the app's shutdown exported what was batched
    services, names = set(), set()
    for message in received:
        for resource_spans in message.resource_spans:
            for attribute in resource_spans.resource.attributes:
                if attribute.key == "service.name":
                    services.add(attribute.value.string_value)
            for scope_spans in resource_spans.scope_spans:
                names.update(span.name for span in scope_spans.spans)
    assert services == {"callboard-test"}
    assert "GraphQL Query: Place" in names
    assert "POST" in names  # the vendor request


async def test_a_vendor_url_s_query_never_reaches_a_span() -> None:
    """Zvonobot's `apiKey` travels in the query of its GET requests."""
    exporter = InMemorySpanExporter()
    telemetry = Telemetry.configure(TelemetrySettings(), exporter)
    assert telemetry is not None
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as client:
        telemetry.instrument([client])
        await client.get("https://zvonobot.invalid/apiCalls/getRecords?apiKey=the-secret")
    telemetry.shutdown()
    (span,) = exporter.get_finished_spans()
    written = " ".join(str(v) for v in (span.attributes or {}).values())
    assert "zvonobot.invalid/apiCalls/getRecords" in written
    assert "the-secret" not in written


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"telemetry": {"otlp_endpoint": "collector:4318"}}, "[telemetry] otlp_endpoint"),
        ({"telemetry": {"service_name": ""}}, "[telemetry] service_name"),
        ({"telemetry": {"sampler": "all"}}, "[telemetry] sampler"),
        ({"metrics": {"key": "short"}}, "[metrics] key"),
        ({"metrics": {"enabled": "yes"}}, "[metrics] enabled"),
    ],
)
def test_configuration_mistakes_are_named(section: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        parse_settings(section, environ={})


def test_the_metrics_key_may_come_from_the_environment() -> None:
    settings = parse_settings(
        {"metrics": {"key": "${METRICS_KEY}"}}, environ={"METRICS_KEY": "k" * 20}
    )
    assert settings.metrics.key == "k" * 20
    assert "k" * 20 not in repr(settings)
    assert settings.telemetry.service_name == "callboard"
    assert settings.metrics.enabled
