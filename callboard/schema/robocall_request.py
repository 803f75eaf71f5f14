"""A startRobocall input as the domain request: shapes and nesting checked, phones left
to the resolver."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callboard.domain import robocalls as domain
from callboard.domain.errors import BadInput
from callboard.schema.field_copy import copied
from callboard.schema.robocall_inputs import RobocallMessageInput, StartRobocallInput

__all__ = ["MAX_IVR_DEPTH", "aware", "robocall_request"]

MAX_IVR_DEPTH = 5


def robocall_request(input: StartRobocallInput) -> domain.RobocallRequest:
    """The domain request for the input (shapes only; the resolver normalizes phones)."""
    variables: dict[str, dict[str, str]] = {}
    for entry in input.variables or ():
        variables.setdefault(entry.phone, {}).update({v.name: v.value for v in entry.values})
    return copied(
        domain.RobocallRequest,
        input,
        phones=tuple(input.phones),
        message=_message(input.message),
        variables=variables,
        ivrs=_nodes(input.ivrs or (), "ivrs", 1),
        planned_at=aware(input.planned_at) if input.planned_at else None,
        weekdays=tuple(input.weekdays or ()),
        webhook_parameters=_object(input.webhook_parameters, "webhookParameters"),
        webhook_headers=_object(input.webhook_headers, "webhookHeaders"),
    )


def _message(message: RobocallMessageInput) -> domain.RobocallMessage:
    return copied(domain.RobocallMessage, message)


def _nodes(nodes: Any, where: str, depth: int) -> tuple[domain.IvrNode, ...]:
    if nodes and depth > MAX_IVR_DEPTH:
        raise BadInput(f"An IVR tree is at most {MAX_IVR_DEPTH} levels deep.", field=where)
    return tuple(
        copied(
            domain.IvrNode,
            node,
            key_words=tuple(node.key_words or ()),
            message=_message(node.message) if node.message else None,
            webhook_parameters=_object(node.webhook_parameters, f"{where}.{i}.webhookParameters"),
            webhook_headers=_object(node.webhook_headers, f"{where}.{i}.webhookHeaders"),
            children=_nodes(node.ivrs or (), f"{where}.{i}.ivrs", depth + 1),
        )
        for i, node in enumerate(nodes)
    )


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadInput(f"`{field}` must be a JSON object.", field=field)
    return dict(value)


def aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise BadInput("Give times with a time zone, e.g. 2026-12-01T09:00:00+03:00.")
    return moment
