"""Sending a vendor request and turning transport failures into domain errors, once.

Messages name the provider and the vendor, never the URL or the body: those may
carry credentials.
"""

from __future__ import annotations

import httpx

from callboard.domain.errors import ProviderTimeout, ProviderUnavailable


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
