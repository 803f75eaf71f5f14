"""Reading what a vendor posts to a webhook within bounds: a JSON value, or the fields of
the query and of a form or JSON object body. What is read here can be kept and served;
what cannot be is refused whole, never half read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from callboard.domain.json_bounds import MAX_DEPTH, JsonOutOfBounds, JsonTooDeep, loads
from callboard.providers.base import WebhookDelivery, WebhookRejected

__all__ = [
    "MAX_FIELDS",
    "UNREADABLE",
    "NotFields",
    "OutOfBounds",
    "fields",
    "json_value",
]

# A vendor's delivery has a few dozen fields; a thousand is no delivery, and each field
# becomes a key of every stored payload.
MAX_FIELDS = 1_000

UNREADABLE = WebhookRejected(
    400,
    f'{{"error": "Body cannot be read: over {MAX_FIELDS} fields, or JSON nested deeper '
    f'than {MAX_DEPTH} levels"}}'.encode(),
    "application/json",
)


class OutOfBounds(ValueError):
    """The delivery is over a bound (JSON nested too deep, too many fields): refused."""


class NotFields(ValueError):
    """The body is text that is neither a form nor a JSON object."""


def json_value(body: bytes | str) -> Any:
    """The body's JSON value; `OutOfBounds` if it nests too deep, `NotFields` if it is
    not JSON at all."""
    try:
        return loads(body)
    except JsonTooDeep as exc:
        raise OutOfBounds(str(exc)) from None
    except JsonOutOfBounds as exc:
        raise NotFields(str(exc)) from None


def fields(delivery: WebhookDelivery, *, text_of: Callable[[Any], str]) -> dict[str, str]:
    """The query's fields, then the body's over them: a form's, or a JSON object's
    members made text by `text_of` (a body that looks like JSON, or says it is).

    `OutOfBounds` for more than `MAX_FIELDS` fields in either or JSON nested too deep;
    `NotFields` for a body that is neither a form nor a JSON object.
    """
    if len(delivery.query) > MAX_FIELDS:
        raise OutOfBounds(f"more than {MAX_FIELDS} query parameters")
    found = dict(delivery.query)
    text = delivery.body.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")) or "json" in delivery.headers.get("content-type", ""):
        value = json_value(text)
        if not isinstance(value, Mapping):
            raise NotFields("JSON that is not an object")
        if len(value) > MAX_FIELDS:
            raise OutOfBounds(f"more than {MAX_FIELDS} members in the JSON object")
        found.update({str(k): text_of(v) for k, v in value.items()})
    elif text:
        try:
            found.update(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS))
        except ValueError:  # only for too many: parse_qsl is lenient otherwise
            raise OutOfBounds(f"more than {MAX_FIELDS} form fields") from None
    return found
