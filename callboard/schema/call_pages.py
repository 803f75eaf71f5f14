"""What a `calls` page request means, for both paths that run it (the general resolver in
query.py and the compiled path): the checks of its arguments and the filter they make."""

from __future__ import annotations

from dataclasses import dataclass

from callboard.auth import Caller
from callboard.domain.calls import CallStatus
from callboard.domain.errors import BadInput
from callboard.resolvers import calls as call_resolvers
from callboard.resolvers.calls import MAX_PAGE
from callboard.resolvers.session import Session
from callboard.runtime import Runtime
from callboard.schema.ids import decode_cursor
from callboard.store.calls import CallFilter

__all__ = ["DEFAULT_PAGE", "PageRequest", "page_request"]

DEFAULT_PAGE = 20


@dataclass(frozen=True, slots=True)
class PageRequest:
    where: CallFilter
    first: int
    before_seq: int | None


def page_request(
    runtime: Runtime,
    caller: Caller,
    *,
    provider: str | None,
    phone: str | None,
    status: CallStatus | None,
    first: int | None,
    after: str | None,
) -> PageRequest:
    """The page `calls(...)` asks for, or BadInput naming the argument at fault."""
    first = DEFAULT_PAGE if first is None else first
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"`first` must be between 1 and {MAX_PAGE}.", field="first")
    before = decode_cursor("cursor", after, maximum=runtime.store.max_id)
    where = call_resolvers.call_filter(
        Session(runtime, caller), provider_id=provider, phone=phone, status=status
    )
    return PageRequest(where, first, before)
