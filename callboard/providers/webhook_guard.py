"""Guarding webhooks of vendors that cannot sign them: a secret in the URL Callboard
hands out, and optionally the vendor's source addresses."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from typing import Any, Protocol

from callboard.providers import webhook_body
from callboard.providers.base import Provider, WebhookDelivery, WebhookRejected

__all__ = [
    "FORBIDDEN_KEY",
    "FORBIDDEN_SOURCE",
    "MALFORMED",
    "KeyInUrl",
    "KeyInUrlOptions",
    "SourceFilter",
    "check_networks",
    "derive_secret",
    "json_body",
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


def verify_key(delivery: WebhookDelivery, secret: str, *, param: str = "key") -> None:
    given = delivery.query.get(param, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise FORBIDDEN_KEY


def check_networks(addresses: Iterable[str]) -> str | None:
    """The first entry that is not an IP address or network, if any (for option checks)."""
    for address in addresses:
        try:
            ipaddress.ip_network(str(address).strip(), strict=False)
        except ValueError:
            return str(address)
    return None


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


class KeyInUrlOptions(Protocol):
    """The keys of a KeyInUrl provider's options that guard its webhooks."""

    @property
    def webhook_secret(self) -> str: ...

    @property
    def allowed_ips(self) -> tuple[str, ...]: ...


class KeyInUrl(Provider):
    """A provider whose vendor posts to the webhook URL Callboard hands it, a secret in its
    `key`, from addresses it may be held to (Zvonobot, Twin24): the URL, the check, and
    the secret among the provider's `secrets`."""

    _secret: str
    _sources: SourceFilter

    def _guard_webhooks(self, options: KeyInUrlOptions, *, credential: str) -> None:
        """The configured secret, else one derived from the vendor `credential`."""
        self._secret = options.webhook_secret or derive_secret(credential, self.id)
        self._sources = SourceFilter(options.allowed_ips)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (*super().secrets, self._secret)

    @property
    def webhook_url(self) -> str:
        """Where the vendor posts (the secret is in it: never log it)."""
        return f"{self.context.webhook_url}?key={self._secret}"

    def _check_source_and_key(self, delivery: WebhookDelivery) -> None:
        """Before anything of the delivery is read: where it came from, then its key."""
        self._sources.check(delivery.client_ip)
        verify_key(delivery, self._secret)


def json_body(delivery: WebhookDelivery) -> Any:
    """The delivery's JSON (one object sent as a one-item list is that object); 400 if
    it is not JSON at all, or is over a bound (`webhook_body`)."""
    try:
        body = webhook_body.json_value(delivery.body)
    except webhook_body.NotFields:
        raise MALFORMED from None
    except webhook_body.OutOfBounds:
        raise webhook_body.UNREADABLE from None
    if isinstance(body, list) and len(body) == 1:
        return body[0]
    return body
