"""Liner on the wire: JSON POSTs with the key in `X-Api-Key`, every reply wrapped in
`{"success": bool, "message": str, "data": ...}`.

The page shows only the success reply; refusals are read leniently (`message`, `error`,
`errors`, `detail`, at the top or inside `data`). A refused key (HTTP 401/403, or a
message about the key) is the operator's to fix; everything else the vendor refuses is
the client's, with Liner's own words and the field it names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from callboard.domain.errors import ProviderRejected, ProviderUnavailable
from callboard.providers.http import reply_json
from callboard.providers.json_client import JsonClient, blanked
from callboard.providers.liner.requests import graphql_field

__all__ = ["LinerClient", "refusal"]

# A refusal about the key (English or Russian) - but not "ключевые слова" and the like.
_ABOUT_KEY = re.compile(
    r"api[\s_-]?(?:key|token)|x-api-key|\b(?:access\s+)?token\b|\bтокен\w*|\bключ(?:а|у|ом|е)?\b",
    re.I,
)
_MESSAGE_KEYS = ("message", "error", "detail", "title")
_MAX_PROBLEMS = 3  # a long validation bag is cut: the first few say what to fix


class LinerClient(JsonClient):
    base_url_hint = "the API root, without /v2"

    def __init__(self, http: httpx.AsyncClient, *, root: str, api_key: str, who: str) -> None:
        super().__init__(http, root=root, who=who)
        self._api_key = api_key

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST `body` as JSON to `{root}/{path}`; the reply's `data`."""
        request = self._request("POST", path, json=dict(body), headers={"X-Api-Key": self._api_key})
        return self._read(await self._send(request), path)

    def _read(self, response: httpx.Response, path: str) -> Any:
        if response.status_code in (401, 403):
            raise self._key_refused(response.status_code)
        body = reply_json(response, who=self._who)
        success = body.get("success") if isinstance(body, Mapping) else None
        if response.is_success and success is True:
            return body.get("data") if isinstance(body, Mapping) else None
        if response.is_success and success is not False:
            # Not Liner's wrapper: a proxy's page, or an API that is not Liner's.
            raise ProviderUnavailable(
                f"{self._who} answered {path} with something that is not a Liner reply."
            )
        # No such page, or a redirect (http -> https, a moved host): the address is wrong,
        # not the order.
        if response.is_redirect or (
            response.status_code in (404, 405) and not isinstance(body, Mapping)
        ):
            raise self._no_such_path(path, response.status_code)
        error = refusal(body, path=path, http_status=response.status_code, secret=self._api_key)
        if _ABOUT_KEY.search(error.message):
            raise self._key_refused(response.status_code)
        raise error


def refusal(body: Any, *, path: str, http_status: int, secret: str = "") -> ProviderRejected:
    """Liner's refusal as a client error: its message, the GraphQL field it names, its own
    code (else the HTTP status). Should the message quote the API key, it is blanked."""
    message, vendor_field = _message(body)
    message = blanked(message, [secret])
    if not message:
        message = f"refused {path} (HTTP {http_status})"
    return ProviderRejected(
        f"Liner: {message}",
        field=graphql_field(vendor_field) if vendor_field else None,
        vendor_code=_own_code(body) or str(http_status),
    )


def _message(body: Any) -> tuple[str, str | None]:
    """The reply's words and the vendor field they are about, wherever Liner put them."""
    if isinstance(body, str):
        return body.strip(), None
    if not isinstance(body, Mapping):
        return "", None
    data = body.get("data")
    problems, vendor_field = _problems(data.get("errors") if isinstance(data, Mapping) else None)
    if not problems:
        problems, vendor_field = _problems(body.get("errors"))
    headline = _first_text(body) or (_first_text(data) if isinstance(data, Mapping) else "")
    if isinstance(data, str) and not headline:
        headline = data.strip()
    if not problems:
        return headline, vendor_field
    detail = "; ".join(problems[:_MAX_PROBLEMS])
    if len(problems) > _MAX_PROBLEMS:
        detail += f" (and {len(problems) - _MAX_PROBLEMS} more)"
    # "The given data was invalid." (or Laravel's "<first problem> (and 2 more errors)")
    # says nothing the problems do not: lead with them.
    if not headline or headline in detail or headline.startswith(problems[0]):
        return detail, vendor_field
    return f"{headline.rstrip('.')}: {detail}", vendor_field


def _problems(errors: Any) -> tuple[list[str], str | None]:
    """The texts of an `errors` value and the first field it names.

    Laravel's bag is `{"field": ["problem", ...]}`; a list of strings or of
    `{"field", "message"}` objects is read too.
    """
    texts: list[str] = []
    first_field: str | None = None
    if isinstance(errors, Mapping):
        for name, problem in errors.items():
            items = problem if isinstance(problem, list) else [problem]
            said = [str(p).strip() for p in items if str(p).strip()]
            if said:
                texts += said
                first_field = first_field or str(name)
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, Mapping):
                text = _first_text(item)
                name = item.get("field") or item.get("path")
                if text:
                    texts.append(text)
                    if name and first_field is None:
                        first_field = str(name)
            elif str(item).strip():
                texts.append(str(item).strip())
    elif isinstance(errors, str) and errors.strip():
        texts.append(errors.strip())
    return texts, first_field


def _first_text(fields: Mapping[str, Any]) -> str:
    for key in _MESSAGE_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):  # {"error": {"message": ..., "code": ...}}
            nested = _first_text(value)
            if nested:
                return nested
    return ""


def _own_code(body: Any) -> str | None:
    """The reply's own error code, if it carries one beside its message."""
    places = [body, body.get("data")] if isinstance(body, Mapping) else []
    for place in places:
        if not isinstance(place, Mapping):
            continue
        for key in ("code", "errorCode", "error_code"):
            value = place.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)
    return None
