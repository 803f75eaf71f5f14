"""The fields the compiled path covers: the providers, and the call log read as rows.

A `calls` page, a `call(id:)` and a call's `events` are read from the store with only the
columns the document selects (`store.call_rows`), and each field of Call and CallEvent is
a column converted straight to what the response holds, the way the general path's
`Call.of` / `CallEvent.of` and strawberry's scalars would have it. The differential tests
hold the two paths to the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache, lru_cache, partial
from types import MappingProxyType
from typing import Any

from graphql import GraphQLSchema
from strawberry.schema.name_converter import NameConverter
from strawberry.types.field import StrawberryField

from callboard.compiled.fields import Batch, Column, FieldImpl, FieldTable, bind_rows, row_columns
from callboard.compiled.plan import FieldPlan
from callboard.compiled.run import Fallback, Run
from callboard.domain.calls import CallDirection, CallEventKind, CallStatus
from callboard.resolvers.providers import can_see, visible_providers
from callboard.schema.call_pages import PageRequest, change_cursor, page_request
from callboard.schema.connection import PageInfo
from callboard.schema.ids import decode_id, encode_id
from callboard.schema.input_limits import check_arguments
from callboard.schema.provider import Provider
from callboard.store.call_filter import CallFilter

__all__ = ["call_log_fields"]

_BACKREF = "strawberry-definition"
_INT_MAX = 2**31 - 1
# Callboard's schema names things as strawberry does by default (camelCase).
_NAMES = NameConverter()


def _names(enum: type[Enum]) -> Callable[[str], str]:
    """A stored enum value to the name GraphQL gives it (KeyError for an unknown one:
    the general path says what it makes of that)."""
    return {member.value: member.name for member in enum}.__getitem__


# DateTime columns are left datetimes (UTC, as the store gives them): orjson writes one
# as strawberry's DateTime does, isoformat()'s text, at a tenth of its cost (~250 in a
# page of 50 calls with their events: ~80 µs).
def _int(value: int) -> int:
    if type(value) is not int or not -_INT_MAX - 1 <= value <= _INT_MAX:
        raise Fallback("not a GraphQL Int")
    return value


def _float(value: float) -> float:
    if type(value) is not float or not math.isfinite(value):
        raise Fallback("not a GraphQL Float")
    return value


def _global_id(type_name: str) -> Callable[[Any], str]:
    """`encode_id(type_name, key)`, remembered: a list shows the same calls again and
    again, and a look-up costs a tenth of the encoding."""
    return lru_cache(maxsize=1 << 16)(partial(encode_id, type_name))


_CURSOR = _global_id("cursor")  # of a call in the newest-first order


class _Page:
    """A `calls` page as the compiled path holds it."""

    __slots__ = ("after", "has_next", "rows", "where")

    def __init__(self, rows: list[tuple[Any, ...]], has_next: bool, after: Any, where: CallFilter):
        self.rows = rows
        self.has_next = has_next
        self.after = after
        self.where = where

    def cursor(self, row: tuple[Any, ...], field: FieldPlan) -> str:
        if self.where.by_change:
            return change_cursor(row[field.indexes["updated_at"]], row[field.indexes["seq"]])
        return encode_id("cursor", row[field.indexes["seq"]])


def _read_layout(field: FieldPlan, *always: str) -> None:
    """A field that reads rows: the columns its selection needs, in a fixed order."""
    assert field.selection is not None
    layout = tuple(sorted(row_columns(field.selection) | set(always)))
    bind_rows(field.selection, layout)
    field.extra = layout


def _python_kwargs(field: FieldPlan, arguments: Mapping[str, Any]) -> Mapping[str, Any]:
    """GraphQL argument names to the resolver's, checked against the input limits as
    the general path checks them (BadInput there is its error to answer); read-only,
    as it may serve every request of the document (`Run.arguments`)."""
    assert field.definition is not None
    own: StrawberryField = field.definition.extensions[_BACKREF]
    names = _python_names(own)
    kwargs = {names[name]: value for name, value in arguments.items()}
    check_arguments(own, _NAMES, field.name, kwargs)
    return MappingProxyType(kwargs)


@cache
def _python_names(field: StrawberryField) -> dict[str, str]:
    return {_NAMES.from_argument(a): a.python_name for a in field.arguments}


def _providers(sources: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    context = run.context
    found = [Provider.of(p) for p in visible_providers(context.runtime, context.client)]
    return [found for _ in sources]


async def _calls(sources: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    context = run.context
    kwargs = run.arguments(field, _python_kwargs)
    runtime = context.runtime
    request: PageRequest = page_request(runtime, context.client, **kwargs)
    rows, has_next = await runtime.store.call_rows.page(
        request.where,
        first=request.first,
        before_seq=request.before_seq,
        after_change=request.after_change,
        columns=field.extra,
    )
    return [_Page(rows, has_next, kwargs.get("after"), request.where) for _ in sources]


def _prepare_calls(field: FieldPlan) -> None:
    """An edge's cursor is a column of its row (`seq`), read inside the maker; where the
    document gives `updatedAfter` (a variable, or a value), the page may follow the
    order of changes instead, and its edges' cursors are of that order."""
    assert field.selection is not None
    if any(argument.name.value == "updatedAfter" for argument in field.node.arguments or ()):
        for edges in field.selection.fields:
            if edges.name != "edges" or edges.selection is None:
                continue
            for cursor in edges.selection.fields:
                if cursor.name == "cursor":
                    cursor.impl = Batch(
                        partial(_edge_cursors, field),
                        columns=("seq", "updated_at"),
                        serialized=True,
                    )
    _read_layout(field)


def _edge_cursors(calls: FieldPlan, rows: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    """The cursors of a page's edges, in the order its `calls` field asks for."""
    seq = field.indexes["seq"]
    if run.arguments(calls, _python_kwargs).get("updated_after") is None:
        return [_CURSOR(row[seq]) for row in rows]
    updated = field.indexes["updated_at"]
    return [change_cursor(row[updated], row[seq]) for row in rows]


async def _call(sources: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    context = run.context
    kwargs = run.arguments(field, _python_kwargs)
    key = decode_id("Call", kwargs["id"], field="id")
    found = await context.runtime.store.call_rows.calls([key], field.extra)
    row = found.get(key)
    provider_at = field.extra.index("provider_id")
    if row is None or not can_see(context.runtime, context.client, row[provider_at]):
        row = None
    return [row for _ in sources]


def _rows(pages: list[_Page], field: FieldPlan, run: Run) -> list[Any]:
    return [page.rows for page in pages]


def _page_info(pages: list[_Page], field: FieldPlan, run: Run) -> list[Any]:
    found = []
    for page in pages:
        first, last = (page.rows[0], page.rows[-1]) if page.rows else (None, None)
        found.append(
            PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.after is not None,
                start_cursor=page.cursor(first, field) if first else None,
                end_cursor=page.cursor(last, field) if last else None,
            )
        )
    return found


async def _total_count(pages: list[_Page], field: FieldPlan, run: Run) -> list[Any]:
    store = run.context.runtime.store
    return [await store.calls.count(page.where) for page in pages]


def _same(rows: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    return rows


def _provider(rows: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    at = field.indexes["provider_id"]
    providers = run.context.runtime.providers
    return [Provider.of(providers[row[at]]) for row in rows]


async def _events(rows: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    at = field.indexes["id"]
    ids = [row[at] for row in rows]
    grouped = await run.context.runtime.store.call_rows.events(
        list(dict.fromkeys(ids)), field.extra
    )
    return [grouped[i] for i in ids]


def _recording(rows: list[Any], field: FieldPlan, run: Run) -> list[Any]:
    """A call's row is its recording's too, where it has one."""
    at = field.indexes["recording_url"]
    return [row if row[at] else None for row in rows]


def _recording_fields() -> dict[str, FieldImpl]:
    """Recording as `schema.calls.Call.of` makes it."""
    return {
        "url": Column("recording_url", nullable=False),
        "durationSeconds": Column("recording_duration_seconds", _int),
    }


def _call_fields() -> dict[str, FieldImpl]:
    """Call as `schema.calls.Call.of` makes it."""
    return {
        "id": Column("id", _global_id("Call"), nullable=False),
        "providerCallId": Column("provider_call_id"),
        "direction": Column("direction", _names(CallDirection), nullable=False),
        "status": Column("status", _names(CallStatus), nullable=False),
        "from": Column("from_number"),
        "to": Column("to_number"),
        "agent": Column("agent"),
        "startedAt": Column("started_at"),
        "answeredAt": Column("answered_at"),
        "endedAt": Column("ended_at"),
        "durationSeconds": Column("duration_seconds", _int),
        "recordingUrl": Column("recording_url"),
        "raw": Column("raw"),
        "createdAt": Column("created_at", nullable=False),
        "updatedAt": Column("updated_at", nullable=False),
        "cost": Column("cost", _float),
        "currency": Column("currency"),
        "recording": Batch(_recording, columns=("recording_url",), carries_rows=True),
        "provider": Batch(_provider, columns=("provider_id",)),
        "events": Batch(_events, columns=("id",), prepare=_read_layout),
    }


def _event_fields() -> dict[str, FieldImpl]:
    """CallEvent as `schema.calls.CallEvent.of` makes it."""
    return {
        "id": Column("id", _global_id("CallEvent"), nullable=False),
        "kind": Column("kind", _names(CallEventKind), nullable=False),
        "status": Column("status", _names(CallStatus)),
        "occurredAt": Column("occurred_at", nullable=False),
        "raw": Column("raw"),
        "provider": Batch(_provider, columns=("provider_id",)),
    }


def call_log_fields(schema: GraphQLSchema) -> FieldTable:
    """The covered fields of `schema` (Callboard's)."""
    return FieldTable(
        schema,
        {
            "Query": {
                "providers": Batch(_providers),
                "calls": Batch(_calls, prepare=_prepare_calls),
                "call": Batch(_call, prepare=lambda f: _read_layout(f, "provider_id")),
            },
            "CallConnection": {
                "edges": Batch(_rows, carries_rows=True),
                "nodes": Batch(_rows, carries_rows=True),
                "pageInfo": Batch(_page_info, columns=("seq", "updated_at")),
                "totalCount": Batch(_total_count),
            },
            "CallEdge": {
                "cursor": Column("seq", _CURSOR, nullable=False),
                "node": Batch(_same, carries_rows=True),
            },
            "Call": _call_fields(),
            "Recording": _recording_fields(),
            "CallEvent": _event_fields(),
        },
        attribute_types=("Provider", "PageInfo"),
    )
