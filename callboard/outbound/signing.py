"""Standard Webhooks signatures (the `standardwebhooks` package): secrets and headers."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import Webhook

__all__ = ["new_secret", "signed_headers"]


def new_secret() -> str:
    """A fresh endpoint secret as the specification writes it: `whsec_` and base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signed_headers(
    message_id: str, body: bytes, keys: Sequence[str], at: datetime
) -> dict[str, str]:
    """The three headers: one signature per key (both during a rotation's overlap,
    space-separated as the specification allows; a receiver checks any)."""
    signatures = [Webhook(key).sign(message_id, at, body) for key in keys]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
