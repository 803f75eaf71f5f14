"""Sending a vendor request and reading its reply, turning transport failures and
unreadable replies into domain errors, once.

Messages name the provider and the vendor, never the URL or the body: those may
carry credentials.
"""

from __future__ import annotations

from typing import Any

import httpx

from callboard.domain import json_bounds
from callboard.domain.errors import ProviderTimeout, ProviderUnavailable

__all__ = ["reply_json", "send"]


async def send(http: httpx.AsyncClient, request: httpx.Request, *, who: str) -> httpx.Response:
    """Send `request`; a timeout, a refused connection or a 5xx becomes a domain error."""
    try:
        response = await http.send(request)
    except httpx.TimeoutException:
        raise ProviderTimeout(
            f"{who} did not answer in time; the request may or may not have been carried out."
        ) from None
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{who} could not be reached ({type(exc).__name__}).") from None
    if response.status_code >= 500:
        raise ProviderUnavailable(
            f"{who} answered with a server error (HTTP {response.status_code})."
        )
    return response


def reply_json(response: httpx.Response, *, who: str) -> Any:
    """The reply's JSON value; None for an empty reply or one that is not JSON (a proxy's
    page: each vendor reads that by its status). JSON nested past the bound cannot be
    kept or served: the vendor failing, `ProviderUnavailable`."""
    text = response.text
    if not text.strip():
        return None
    try:
        return json_bounds.loads(text)
    except json_bounds.JsonTooDeep:
        raise ProviderUnavailable(f"{who} answered with JSON nested too deep to read.") from None
    except json_bounds.JsonOutOfBounds:
        return None
