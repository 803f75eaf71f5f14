"""While1's originate-call on the wire: a form POST whose body is PHP's query string of the
parameters with `api_hash` appended, and a JSON reply `{"has_error", "messages", "results"}`.

The body carries `api_password` and the hash: it is never logged, and a reply that
quotes a secret has it blanked before anyone reads the reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from callboard.domain.errors import ProviderMisconfigured, ProviderUnavailable
from callboard.providers.http import reply_json, send
from callboard.providers.while1.mapping import misconfigured
from callboard.providers.while1.signing import signed_query

__all__ = ["ENDPOINT", "While1Client", "blank"]

ENDPOINT = "api/originate-call"
_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
}


class While1Client:
    def __init__(
        self, http: httpx.AsyncClient, *, root: str, api_key: str, hidden: tuple[str, ...], who: str
    ) -> None:
        self._http = http
        self._url = f"{_root(root)}/{ENDPOINT}"
        self._api_key = api_key
        self._hidden = tuple(s for s in (api_key, *hidden) if s)
        self._who = who

    def __repr__(self) -> str:
        return f"<While1Client {self._who}>"

    async def originate(
        self, params: Mapping[str, Any], *, http_timeout: float | None = None
    ) -> tuple[int, Mapping[str, Any]]:
        """POST the signed parameters; the HTTP status and the JSON reply, secrets blanked.

        `http_timeout` (seconds) replaces the client's own for this request: with async=0 the
        PBX keeps it open until the agent answers.
        """
        extra: dict[str, Any] = (
            {} if http_timeout is None else {"timeout": httpx.Timeout(http_timeout)}
        )
        request = self._http.build_request(
            "POST",
            self._url,
            content=signed_query(params, self._api_key).encode("ascii"),
            headers=_HEADERS,
            **extra,
        )
        response = await send(self._http, request, who=self._who)
        if response.status_code in (401, 403):
            raise misconfigured(self._who, response.status_code)
        reply = reply_json(response, who=self._who)
        if not isinstance(reply, Mapping):
            if response.status_code == 404:
                raise ProviderMisconfigured(
                    f"{self._who} has no {ENDPOINT} (HTTP 404): check `base_url` in this "
                    "provider's configuration (the PBX's address, without /api/originate-call).",
                    vendor_code="404",
                )
            raise ProviderUnavailable(
                f"{self._who} answered originate-call with something not JSON "
                f"(HTTP {response.status_code})."
            )
        return response.status_code, blank(reply, self._hidden)


def blank(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every secret in its text replaced by "***"."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
        return value
    if isinstance(value, Mapping):
        return {blank(k, secrets): blank(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [blank(v, secrets) for v in value]
    return value


def _root(base_url: str) -> str:
    # Operators paste the endpoint's full address as often as the PBX's: both work.
    root = base_url.rstrip("/")
    return root.removesuffix(f"/{ENDPOINT}")
