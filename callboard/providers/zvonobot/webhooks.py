"""Zvonobot -> Callboard: who may post, and what a delivery is.

Zvonobot cannot sign its webhooks. Callboard hands it a webhook URL carrying a secret
(`?key=...`), and may also insist on Zvonobot's documented source address. Zvonobot
resends anything not answered 200 (every minute, three times), so a refused delivery
costs only a few retries, and an accepted one must be answered 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callboard.providers.base import WebhookDelivery
from callboard.providers.webhook_guard import (
    FORBIDDEN_KEY,
    FORBIDDEN_SOURCE,
    MALFORMED,
    SourceFilter,
    derive_secret,
    json_body,
    verify_key,
)

__all__ = [
    "FORBIDDEN_KEY",
    "FORBIDDEN_SOURCE",
    "MALFORMED",
    "SourceFilter",
    "derive_secret",
    "read_body",
    "verify_key",
]


def read_body(delivery: WebhookDelivery) -> Mapping[str, Any]:
    body = json_body(delivery)
    if isinstance(body, Mapping) and isinstance(body.get("data"), (Mapping, list)):
        # The page says the webhook is "the same JSON as apiCalls/get": that may be the
        # envelope, with one apiCall in `data`.
        inner = body["data"]
        if isinstance(inner, list) and len(inner) == 1:
            inner = inner[0]
        if isinstance(inner, Mapping):
            body = {**{k: v for k, v in body.items() if k not in ("data", "status")}, **inner}
    if not isinstance(body, Mapping):
        raise MALFORMED
    return body
