"""What a `calls` page request means, for both paths that run it (the general resolver in
query.py and the compiled path): the checks of its arguments, the filter they make, and
the cursors of its two orders (newest first; by change, with `updatedAfter`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from callboard.auth import Caller
from callboard.domain.calls import CallDirection, CallStatus
from callboard.domain.errors import BadInput
from callboard.resolvers import calls as call_resolvers
from callboard.resolvers.calls import MAX_PAGE
from callboard.resolvers.session import Session
from callboard.runtime import Runtime
from callboard.schema.ids import decode_cursor, decode_id, encode_id
from callboard.store.call_filter import CallFilter, ChangePosition

__all__ = ["DEFAULT_PAGE", "PageRequest", "change_cursor", "page_request"]

DEFAULT_PAGE = 20

_CHANGE = "change"  # the type name inside a cursor of the order of changes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LAST_MICROSECOND = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class PageRequest:
    where: CallFilter
    first: int
    before_seq: int | None  # newest first: the page's calls come before this one
    after_change: ChangePosition | None = None  # by change: they come after this place


def page_request(
    runtime: Runtime,
    caller: Caller,
    *,
    provider: str | None,
    phone: str | None,
    status: CallStatus | None,
    first: int | None,
    after: str | None,
    direction: CallDirection | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
    updated_after: datetime | None = None,
) -> PageRequest:
    """The page `calls(...)` asks for, or BadInput naming the argument at fault. A time
    without a zone (strawberry's DateTime takes "2026-01-01T10:00:00") is UTC."""
    first = DEFAULT_PAGE if first is None else first
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"`first` must be between 1 and {MAX_PAGE}.", field="first")
    where = call_resolvers.call_filter(
        Session(runtime, caller),
        provider_id=provider,
        phone=phone,
        status=status,
        direction=direction,
        started_after=_utc(started_after),
        started_before=_utc(started_before),
        updated_after=_utc(updated_after),
    )
    maximum = runtime.store.max_id
    if where.by_change:
        return PageRequest(where, first, None, _change_position(after, maximum=maximum))
    return PageRequest(where, first, decode_cursor("cursor", after, maximum=maximum))


def change_cursor(updated_at: datetime, seq: int) -> str:
    """The cursor of a call in the order of changes: its place, (updated_at, seq)."""
    return encode_id(_CHANGE, f"{(updated_at - _EPOCH) // _MICROSECOND}.{seq}")


def _change_position(after: str | None, *, maximum: int) -> ChangePosition | None:
    if not after:
        return None
    micros, _, seq = decode_id(_CHANGE, after, field="after").partition(".")
    # ASCII digits only, no more of them than the bounds have, before int() reads them.
    digits = all(
        part.isascii() and part.isdigit() and len(part) <= len(str(bound))
        for part, bound in ((micros, _LAST_MICROSECOND), (seq, maximum))
    )
    if not digits or int(micros) > _LAST_MICROSECOND or int(seq) > maximum:
        raise BadInput(f"'{after}' is not a {_CHANGE} id.", field="after")
    return ChangePosition(_EPOCH + int(micros) * _MICROSECOND, int(seq))


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
