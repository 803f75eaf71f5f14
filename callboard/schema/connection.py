"""The Relay-style connection over the call log."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from callboard.resolvers import calls as call_resolvers
from callboard.schema.calls import Call
from callboard.schema.context import Info
from callboard.store.call_filter import CallFilter

__all__ = ["CallConnection", "CallEdge", "PageInfo"]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: Sequence[str], *, has_next: bool, after: str | None) -> PageInfo:
        """A page's info from its edges' cursors; a page asked for `after` a cursor has one
        before it."""
        return cls(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


@strawberry.type
class CallEdge:
    cursor: str
    node: Call


@strawberry.type(description="Calls, newest first.")
class CallConnection:
    edges: list[CallEdge]
    nodes: list[Call]
    page_info: PageInfo
    _where: strawberry.Private[CallFilter]

    @strawberry.field(
        description="The calls the query's filters select, on every page (counted only "
        "when asked for)."
    )
    async def total_count(self, info: Info) -> int:
        return await call_resolvers.count_calls(info.context.runtime, self._where)
