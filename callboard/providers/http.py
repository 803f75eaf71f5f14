"""Sending a vendor request and reading its reply, turning transport failures and
unreadable replies into domain errors, once.

Messages name the provider and the vendor, never the URL or the body: those may
carry credentials.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from callboard.domain import json_bounds
from callboard.domain.errors import ProviderTimeout, ProviderUnavailable
from callboard.observability.metrics import observe_vendor

__all__ = ["reply_json", "send"]


async def send(http: httpx.AsyncClient, request: httpx.Request, *, who: str) -> httpx.Response:
    """Send `request`; a timeout, a refused connection or a 5xx becomes a domain error.
    Every vendor request goes through here: each is counted and timed (metrics)."""
    started = time.perf_counter()
    try:
        response = await http.send(request)
    except httpx.TimeoutException:
        _observe(who, request, "timeout", started)
        raise ProviderTimeout(
            f"{who} did not answer in time; the request may or may not have been carried out."
        ) from None
    except httpx.TransportError as exc:
        _observe(who, request, "unreachable", started)
        raise ProviderUnavailable(f"{who} could not be reached ({type(exc).__name__}).") from None
    status = response.status_code
    _observe(
        who, request, "error" if status >= 500 else "refused" if status >= 400 else "ok", started
    )
    if status >= 500:
        raise ProviderUnavailable(f"{who} answered with a server error (HTTP {status}).")
    return response


def _observe(who: str, request: httpx.Request, outcome: str, started: float) -> None:
    provider, operation = _labels(who, request)
    observe_vendor(provider, operation, outcome, time.perf_counter() - started)


# `Provider.who` is "Vendor (id)" (a login: "Vendor (id) login"): the id is the label.
_PROVIDER_ID = re.compile(r"\(([^()]+)\)")
# LiraX sends every command to one URL, naming it in the form's `cmd`.
_FORM_COMMAND = re.compile(rb"(?:^|&)cmd=([A-Za-z0-9_]{1,64})(?:&|$)")
# Path segments that are ids (digits, hex, UUIDs) would make a label per call.
_ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9A-Fa-f-]{4,}$|^\d+$")
_providers: dict[str, str] = {}


def _labels(who: str, request: httpx.Request) -> tuple[str, str]:
    """The provider id and operation a vendor request is counted under: the URL's path
    without ids, and LiraX's command."""
    provider = _providers.get(who)
    if provider is None:
        found = _PROVIDER_ID.search(who)
        provider = _providers.setdefault(who, found.group(1) if found else who)
    path = "/".join(
        "{id}" if _ID_SEGMENT.match(part) else part
        for part in request.url.path.strip("/").split("/")
    )
    operation = path or "/"
    if who.endswith(" login"):
        operation = f"login {operation}"
    elif request.headers.get("content-type", "").startswith("application/x-www-form"):
        command = _FORM_COMMAND.search(request.content)
        if command is not None:
            operation = command.group(1).decode()
    return provider, operation


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
