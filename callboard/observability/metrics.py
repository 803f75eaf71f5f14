"""Callboard's Prometheus metrics: what is counted, and where each count comes from.

The metrics live in one registry of this module, as prometheus-client expects (its
multiprocess mode keeps a file per process for each of them): with
PROMETHEUS_MULTIPROC_DIR set before Callboard starts, several processes serving the same
deployment on one host each write their own files and any one of them answers /metrics
with the sum (`page`).

Label values are bounded: operation names are the client's only for operations that ran,
and at most `_MAX_OPERATIONS` of them; everything else is `OTHER_OPERATION`. Hot paths
keep the children of the label sets they use, so a request costs a dict
look-up and two increments, not a label set built and checked each time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "CONTENT_TYPE",
    "EVENTS_PUBLISHED",
    "OTHER_OPERATION",
    "REGISTRY",
    "SUBSCRIPTIONS_OPEN",
    "count_errors",
    "count_webhook",
    "mark_process_dead",
    "observe_graphql",
    "observe_vendor",
    "page",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Unnamed operations, documents that never ran (unparsable, invalid, refused), and names
# past the bound: one label value, which no GraphQL name can be (parentheses).
OTHER_OPERATION = "(other)"
_MAX_OPERATIONS = 200
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")

REGISTRY = CollectorRegistry(auto_describe=True)

# Latencies from a cached query (~1 ms) to a vendor on a slow day (the 15 s timeout).
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)

_GRAPHQL_REQUESTS = Counter(
    "callboard_graphql_requests",
    "GraphQL requests over HTTP, by operation name and outcome (ok, error, refused).",
    ["operation", "outcome"],
    registry=REGISTRY,
)
_GRAPHQL_DURATION = Histogram(
    "callboard_graphql_request_duration_seconds",
    "Time to answer a GraphQL request over HTTP, by operation name and outcome.",
    ["operation", "outcome"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
_GRAPHQL_ERRORS = Counter(
    "callboard_graphql_errors",
    "GraphQL errors returned to clients, on every transport, by extensions.code.",
    ["code"],
    registry=REGISTRY,
)
_WEBHOOKS = Counter(
    "callboard_webhooks_received",
    "Vendor webhook deliveries, by provider id and outcome (accepted, rejected, failed).",
    ["provider", "outcome"],
    registry=REGISTRY,
)
_VENDOR_REQUESTS = Counter(
    "callboard_vendor_requests",
    "Requests to vendors, by provider id, operation and outcome "
    "(ok, refused: a 4xx, error: a 5xx, timeout, unreachable).",
    ["provider", "operation", "outcome"],
    registry=REGISTRY,
)
_VENDOR_DURATION = Histogram(
    "callboard_vendor_request_duration_seconds",
    "Time a vendor took to answer, by provider id and operation.",
    ["provider", "operation"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
EVENTS_PUBLISHED = Counter(
    "callboard_events_published",
    "Events published to subscribers (call events, agent statuses, messages).",
    registry=REGISTRY,
)
SUBSCRIPTIONS_OPEN = Gauge(
    "callboard_subscriptions_open",
    "Subscriptions open (over WebSocket, or streamed over HTTP).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)

_operations: set[str] = set()
_graphql_children: dict[tuple[str, str], tuple[Any, Any]] = {}
_vendor_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def operation_label(name: str | None, *, ran: bool) -> str:
    """The label of an operation: its name if it ran and the bound leaves room."""
    if not ran or not name:
        return OTHER_OPERATION
    if name in _operations:
        return name
    if len(_operations) >= _MAX_OPERATIONS or not _NAME.match(name):
        return OTHER_OPERATION
    _operations.add(name)
    return name


def observe_graphql(name: str | None, outcome: str, seconds: float) -> None:
    """One GraphQL request answered over HTTP."""
    label = operation_label(name, ran=outcome != "refused")
    found = _graphql_children.get((label, outcome))
    if found is None:
        found = _graphql_children.setdefault(
            (label, outcome),
            (
                _GRAPHQL_REQUESTS.labels(label, outcome),
                _GRAPHQL_DURATION.labels(label, outcome),
            ),
        )
    count, duration = found
    count.inc()
    duration.observe(seconds)


def observe_vendor(provider: str, operation: str, outcome: str, seconds: float) -> None:
    """One request sent to a vendor (providers/http.py's `send`)."""
    key = (provider, operation, outcome)
    found = _vendor_children.get(key)
    if found is None:
        found = _vendor_children.setdefault(
            key,
            (
                _VENDOR_REQUESTS.labels(provider, operation, outcome),
                _VENDOR_DURATION.labels(provider, operation),
            ),
        )
    count, duration = found
    count.inc()
    duration.observe(seconds)


def count_webhook(provider: str, outcome: str) -> None:
    """One webhook delivery answered; `provider` a configured id (or a placeholder)."""
    _WEBHOOKS.labels(provider, outcome).inc()


def count_errors(codes: Iterable[str]) -> None:
    for code in codes:
        _GRAPHQL_ERRORS.labels(code).inc()


def page(gauges: Iterable[tuple[str, str, float]] = ()) -> bytes:
    """The /metrics page: every process's counts (multiprocess mode) or this one's, and
    `gauges` (name, help, value) read for this scrape alone."""
    registry: CollectorRegistry = REGISTRY
    if _multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    text = generate_latest(registry)
    gauges = list(gauges)
    if gauges:
        scrape = CollectorRegistry()
        scrape.register(_ScrapeGauges(gauges))
        text += generate_latest(scrape)
    return text


def mark_process_dead() -> None:
    """This process stops: its live gauges leave the sum (multiprocess mode only)."""
    if _multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class _ScrapeGauges(Collector):
    def __init__(self, gauges: list[tuple[str, str, float]]) -> None:
        self._gauges = gauges

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, help_text, value in self._gauges:
            yield GaugeMetricFamily(name, help_text, value=value)
