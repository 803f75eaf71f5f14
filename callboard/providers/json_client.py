"""What the clients of the JSON vendors (Liner, Zvonobot, Twin24) share: requests to
`{root}/{path}`, sent through `http.send` (a timeout, a refused connection or a 5xx as
domain errors), and the two refusals that are the operator's to fix whatever the vendor:
a refused key and an address the vendor does not serve. Each vendor's client adds its
credentials and reads its own envelope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from callboard.domain.errors import ProviderMisconfigured
from callboard.providers.http import send

__all__ = ["JsonClient", "blanked", "first_problem"]

_ACCEPT_JSON = {"Accept": "application/json"}


class JsonClient:
    """A vendor's JSON API at `root`; `who` names the provider in every message."""

    # What `base_url` should be, said when the vendor has no such path.
    base_url_hint = "the API root"

    def __init__(self, http: httpx.AsyncClient, *, root: str, who: str) -> None:
        self._http = http
        self._root = root.rstrip("/")
        self._who = who

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._who}>"

    def _request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **options: Any
    ) -> httpx.Request:
        return self._http.build_request(
            method,
            f"{self._root}/{path.lstrip('/')}",
            headers={**_ACCEPT_JSON, **(headers or {})},
            **options,
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        return await send(self._http, request, who=self._who)

    def _key_refused(self, status: int) -> ProviderMisconfigured:
        return ProviderMisconfigured(
            f"{self._who} refused Callboard's API key (HTTP {status}): check `api_key` in "
            "this provider's configuration.",
            vendor_code=str(status),
        )

    def _no_such_path(self, path: str, status: int) -> ProviderMisconfigured:
        return ProviderMisconfigured(
            f"{self._who} has no {path} (HTTP {status}): check `base_url` in this provider's "
            f"configuration ({self.base_url_hint}).",
            vendor_code=str(status),
        )


def blanked(message: str, secrets: Iterable[str]) -> str:
    """`message` with every secret it quotes as `***` (the longest first, so a secret
    that contains another is blanked whole)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            message = message.replace(secret, "***")
    return message


def first_problem(errors: Mapping[Any, Any]) -> tuple[str, Any]:
    """The first field of a Laravel validation bag (`{"numbers.1": ["..."], ...}`, which
    Zvonobot and Twin24 answer with) and its first problem."""
    field, problems = next(iter(errors.items()))
    return str(field), problems[0] if isinstance(problems, list) and problems else problems
