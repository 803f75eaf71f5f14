"""Zvonobot on the wire: JSON POSTs with `apiKey` in the body, replies `{"status", "data"}`.

The page documents no error codes; what its Laravel backend answers is read leniently:
`{"status": "error", "data": ...}` with any HTTP status, a validation message, or a bare
HTTP error. A refused key (HTTP 401/403, or a message about the key) is the operator's
to fix; everything else the vendor refuses is the client's, with Zvonobot's own words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from callboard.domain.errors import ProviderRejected, ProviderUnavailable
from callboard.domain.provider_requests import AudioFile
from callboard.providers.http import reply_json
from callboard.providers.json_client import JsonClient, blanked, first_problem

__all__ = ["ZvonobotClient", "refusal"]

# A refusal about the key (English or Russian, any case) - but not "ключевые слова".
_ABOUT_KEY = re.compile(r"api[\s_-]?key|apikey|\bключ(?:а|у|ом|е)?\b|api[\s-]?ключ", re.I)
_MODERATION_WORDS = ("moderat", "модерац")


class ZvonobotClient(JsonClient):
    base_url_hint = "the API root, without /apiCalls"

    def __init__(self, http: httpx.AsyncClient, *, root: str, api_key: str, who: str) -> None:
        super().__init__(http, root=root, who=who)
        self._api_key = api_key

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST `body` (plus the key) to `{root}/{path}`; the reply's `data`."""
        request = self._request("POST", path, json={"apiKey": self._api_key, **body})
        return self._read(await self._send(request), path)

    async def get(self, path: str) -> Any:
        """The page documents getAvailableLanguages as GET (its example POSTs): GET with the
        key in the query, and POST if the server says the method is not allowed."""
        response = await self._send(self._request("GET", path, params={"apiKey": self._api_key}))
        if response.status_code == 405:
            return await self.post(path, {})
        return self._read(response, path)

    async def upload(self, path: str, fields: Mapping[str, str], file: AudioFile) -> Any:
        """A multipart POST (createRecord with source=file): the key as a form field."""
        request = self._request(
            "POST",
            path,
            data={"apiKey": self._api_key, **fields},
            files={"file": (file.filename, file.content, file.content_type)},
        )
        return self._read(await self._send(request), path)

    def _read(self, response: httpx.Response, path: str) -> Any:
        if response.status_code in (401, 403):
            raise self._key_refused(response.status_code)
        body = reply_json(response, who=self._who)
        if isinstance(body, Mapping) and body.get("status") == "success":
            return body.get("data")
        if body is None and response.is_success:
            raise ProviderUnavailable(f"{self._who} answered {path} with something not JSON.")
        if response.status_code == 404 and not isinstance(body, Mapping):
            raise self._no_such_path(path, 404)
        error = refusal(body, path=path, http_status=response.status_code, secret=self._api_key)
        if _ABOUT_KEY.search(error.message):
            raise self._key_refused(response.status_code)
        raise error


def refusal(body: Any, *, path: str, http_status: int, secret: str = "") -> ProviderRejected:
    """Zvonobot's refusal as a user error with its own message (and the field it names);
    should the message quote the API key, the key is blanked out."""
    data = body.get("data", body) if isinstance(body, Mapping) else body
    message, field = _message(data)
    message = blanked(message, [secret])
    if not message:
        message = f"refused {path} (HTTP {http_status})"
    vendor_code = "MODERATION" if any(w in message.lower() for w in _MODERATION_WORDS) else None
    return ProviderRejected(
        f"Zvonobot: {message}",
        field=field,
        vendor_code=vendor_code or str(http_status),
    )


def _message(data: Any) -> tuple[str, str | None]:
    if isinstance(data, str):
        return data.strip(), None
    if isinstance(data, list):
        return "; ".join(str(d) for d in data if d), None
    if not isinstance(data, Mapping):
        return "", None
    errors = data.get("errors")
    if isinstance(errors, Mapping) and errors:
        field, problem = first_problem(errors)
        return str(data.get("message") or problem), field
    if data.get("message"):
        return str(data["message"]), None
    if data.get("error"):
        return str(data["error"]), None
    # Laravel's bare validation bag: {"field": ["problem"]}
    for field, problems in data.items():
        if isinstance(problems, list) and problems:
            return str(problems[0]), str(field)
    return "", None
