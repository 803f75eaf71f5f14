"""Zvonobot -> Callboard: who may post, and what a delivery is.

Zvonobot cannot sign its webhooks. Callboard hands it a webhook URL carrying a secret
(`?key=...`), and may also insist on Zvonobot's documented source address. Zvonobot
resends anything not answered 200 (every minute, three times), so a refused delivery
costs only a few retries, and an accepted one must be answered 200.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from callboard.providers.base import WebhookDelivery, WebhookRejected

__all__ = [
    "FORBIDDEN_KEY",
    "FORBIDDEN_SOURCE",
    "MALFORMED",
    "SourceFilter",
    "derive_secret",
    "read_body",
    "verify_key",
]

FORBIDDEN_KEY = WebhookRejected(403, b'{"error": "Invalid key"}', "application/json")
FORBIDDEN_SOURCE = WebhookRejected(403, b'{"error": "Source not allowed"}', "application/json")
MALFORMED = WebhookRejected(400, b'{"error": "Body must be a JSON object"}', "application/json")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def derive_secret(api_key: str, provider_id: str) -> str:
    """A webhook secret for operators who set none: stable across restarts and instances
    (all derive the same from the same key), and useless for guessing the key."""
    return hmac.new(
        api_key.encode(), f"callboard-webhook:{provider_id}".encode(), hashlib.sha256
    ).hexdigest()[:32]


def verify_key(delivery: WebhookDelivery, secret: str) -> None:
    given = delivery.query.get("key", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise FORBIDDEN_KEY


class SourceFilter:
    """The addresses (or networks) deliveries may come from; empty: any address."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(a.strip(), strict=False) for a in allowed
        )

    def check(self, client_ip: str | None) -> None:
        if not self.networks:
            return
        try:
            address = ipaddress.ip_address((client_ip or "").strip())
        except ValueError:
            raise FORBIDDEN_SOURCE from None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not any(address in network for network in self.networks):
            raise FORBIDDEN_SOURCE


def read_body(delivery: WebhookDelivery) -> Mapping[str, Any]:
    try:
        body = json.loads(delivery.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MALFORMED from None
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
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
