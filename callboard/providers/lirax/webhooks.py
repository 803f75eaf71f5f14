"""LiraX -> Callboard: read a delivery, check `from_LiraX_token`, answer as the page says.

The page: wrong token -> 401 `{"error": "Invalid token"}`, malformed -> 400
`{"error": "Invalid parameters"}`, accepted -> 200. Its examples spell the token field
both `from_LiraX_token` and `From_LiraX_token`, so the name is matched without case.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping

from callboard.providers import webhook_body
from callboard.providers.base import WebhookDelivery, WebhookRejected
from callboard.providers.lirax.mapping import TOKEN_FIELDS

__all__ = ["INVALID_PARAMETERS", "INVALID_TOKEN", "OK", "accept", "read_form", "verify"]

INVALID_TOKEN = WebhookRejected(401, b'{"error": "Invalid token"}', "application/json")
INVALID_PARAMETERS = WebhookRejected(400, b'{"error": "Invalid parameters"}', "application/json")
# Every answer to LiraX is JSON, the page says; its tables show no body for 200.
OK = b"{}"

# What each call-related command cannot do without.
REQUIRED = {
    "event": ("callid", "event"),
    "makecall_finished": ("id_makecall",),
    "make2calls_finished": ("id_make2calls",),
    "record": ("callid", "record_link"),
    "contact": ("phone",),
    "staton": ("ext", "status"),
    "smsDelivered": ("id_sms",),
}


def accept(delivery: WebhookDelivery, expected_token: str) -> dict[str, str]:
    """The delivery's fields, once its token is right (401 before anything
    else is looked at) and its fields are there (400).

    A body that cannot be read cannot show its token: the query's alone decides
    between 401 and 400.
    """
    try:
        form = read_form(delivery)
    except WebhookRejected:
        _check_token(delivery.query, expected_token)
        raise
    verify(form, expected_token)
    return form


def read_form(delivery: WebhookDelivery) -> dict[str, str]:
    """The delivery's fields: the form body, with query parameters for anything it lacks.

    A JSON object body is accepted too; a body that is neither, or is over a bound
    (`webhook_body`), is malformed.
    """
    try:
        return webhook_body.fields(delivery, text_of=_field_text)
    except (webhook_body.OutOfBounds, webhook_body.NotFields):
        raise INVALID_PARAMETERS from None


def _field_text(value: object) -> str:
    """A JSON value as the form field LiraX would have sent in its place.

    `keys` (a JSON array) stays JSON, not Python's repr of a list; the page's flags
    (`success`, `is_recorded`, ...) are 0/1, so a JSON `true`/`false` becomes "1"/"0".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def verify(form: dict[str, str], expected_token: str) -> str:
    """The delivery's `cmd` once its token is right and its required fields are there."""
    _check_token(form, expected_token)
    cmd = form.get("cmd", "").strip()
    if not cmd or any(not form.get(name) for name in REQUIRED.get(cmd, ())):
        raise INVALID_PARAMETERS
    return cmd


def _check_token(fields: Mapping[str, str], expected_token: str) -> None:
    by_name = {k.lower(): v for k, v in fields.items()}
    given = next((by_name[f] for f in TOKEN_FIELDS if f in by_name), None)
    if given is None or not hmac.compare_digest(given.encode(), expected_token.encode()):
        raise INVALID_TOKEN
