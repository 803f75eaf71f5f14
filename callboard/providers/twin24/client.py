"""Twin24 on the wire: JSON POSTs with `Authorization: Bearer <token>`.

The page says only that success is HTTP 200 without a body. Refusals are read leniently,
as its Laravel/NestJS-style backends write them: `{"message", "errors": {field: [...]}}`,
`{"statusCode", "message": [...], "error"}`, `{"error"}`, `{"detail"}`. A refused token
is the operator's to fix; whatever else the vendor refuses is the client's, in Twin24's
own words with every secret blanked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from callboard.domain.errors import ProviderRejected
from callboard.providers.http import reply_json
from callboard.providers.json_client import JsonClient, blanked, first_problem
from callboard.providers.twin24.auth import TokenKeeper

__all__ = ["FieldNamer", "Twin24Client", "refusal"]

# Twin24's field name (as its validator writes it) -> the client's input field, or None.
FieldNamer = Callable[[str], str | None]

_FAILED_WORDS = ("error", "fail", "failed")
# A NestJS class-validator message starts with the field: "numbers.0 must be a string".
_LEADING_FIELD = re.compile(r"([A-Za-z]+(?:(?:\.\d+|\[\d+\])?(?:\.[A-Za-z]+)?)*)\s")


class Twin24Client(JsonClient):
    base_url_hint = "the site's root, e.g. https://twin24.ai"

    def __init__(self, http: httpx.AsyncClient, *, root: str, auth: TokenKeeper, who: str) -> None:
        super().__init__(http, root=root, who=who)
        self._auth = auth

    async def post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        field_of: FieldNamer = lambda name: None,
        hide: Sequence[str] = (),
    ) -> Any:
        """POST `body` to `{root}/{path}`; the reply's JSON (None for the usual no body).

        A logged-in token the API refuses (it may have been revoked early) is replaced
        once by logging in again, and the request sent once more.
        """
        token = await self._auth.token()
        response = await self._post(path, body, token)
        if response.status_code == 401 and self._auth.renewable:
            self._auth.forget(token)
            response = await self._post(path, body, await self._auth.token())
        if response.status_code in (401, 403):
            raise self._auth.refused(response.status_code)
        return self._read(response, path, field_of, (*hide, *self._auth.secrets))

    async def _post(self, path: str, body: Mapping[str, Any], token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return await self._send(self._request("POST", path, json=body, headers=headers))

    def _read(
        self, response: httpx.Response, path: str, field_of: FieldNamer, hide: Sequence[str]
    ) -> Any:
        body = reply_json(response, who=self._who)
        if response.is_success:
            if isinstance(body, Mapping) and _says_failed(body):
                raise refusal(
                    body, path=path, http_status=response.status_code, hide=hide, field_of=field_of
                )
            return body
        if response.status_code == 404 and not isinstance(body, Mapping):
            raise self._no_such_path(path, 404)
        raise refusal(
            body, path=path, http_status=response.status_code, hide=hide, field_of=field_of
        )


def refusal(
    body: Any,
    *,
    path: str,
    http_status: int,
    hide: Sequence[str] = (),
    field_of: FieldNamer = lambda name: None,
) -> ProviderRejected:
    """Twin24's refusal as a user error in its own words, naming the input field when its
    validator named one; any secret the message quotes is blanked."""
    message, vendor_field = _message(body)
    message = blanked(message, hide)
    if not message:
        message = f"refused {path} (HTTP {http_status})"
    return ProviderRejected(
        f"Twin24: {message}",
        field=field_of(vendor_field) if vendor_field else None,
        vendor_code=str(http_status),
    )


def _says_failed(body: Mapping[str, Any]) -> bool:
    status = body.get("status")
    return body.get("success") is False or (
        isinstance(status, str) and status.lower() in _FAILED_WORDS
    )


def _message(body: Any) -> tuple[str, str | None]:
    """The message and the vendor field it is about, from any of the usual shapes."""
    if isinstance(body, str):
        return body.strip(), None
    if isinstance(body, list):
        texts = [_message(item)[0] for item in body]
        return "; ".join(t for t in texts if t), _leading_field(texts[0] if texts else "")
    if not isinstance(body, Mapping):
        return "", None
    errors = body.get("errors")
    if isinstance(errors, Mapping) and errors:
        # Laravel: {"message": "...", "errors": {"numbers.1": ["..."]}}
        named, problem = first_problem(errors)
        message, _ = _message(body.get("message"))
        return message or _message(problem)[0], named
    for key in ("message", "detail", "error", "errors", "description"):
        value = body.get(key)
        if value not in (None, "", [], {}):
            message, field = _message(value)
            if message:
                return message, field or _leading_field(message)
    return "", None


def _leading_field(message: str) -> str | None:
    match = _LEADING_FIELD.match(message)
    return match.group(1) if match else None
