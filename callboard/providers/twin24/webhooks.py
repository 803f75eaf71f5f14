"""Twin24 -> Callboard: who may post, and reading a delivery's body.

Twin24 does not sign its webhooks. The URL Callboard adds to every rule carries a secret
(`?key=...`), and the operator may also insist on Twin24's source network (NOTES.md:
87.251.83.160/27, unverified, so not the default). Twin24 resends anything not answered
200, with backoff, for 24 hours: a refused delivery costs retries, an accepted one must
be answered 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callboard.providers.base import WebhookDelivery
from callboard.providers.webhook_guard import MALFORMED, json_body

__all__ = ["MALFORMED", "read_body"]


def read_body(delivery: WebhookDelivery) -> Mapping[str, Any]:
    """The delivery's JSON object (one object sent as a one-item list is that object)."""
    body = json_body(delivery)
    if not isinstance(body, Mapping):
        raise MALFORMED
    return body
