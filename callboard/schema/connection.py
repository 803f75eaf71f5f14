"""The Relay-style connection over the call log."""

from __future__ import annotations

import strawberry

from callboard.schema.calls import Call

__all__ = ["CallConnection", "CallEdge", "PageInfo"]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class CallEdge:
    cursor: str
    node: Call


@strawberry.type(description="Calls, newest first.")
class CallConnection:
    edges: list[CallEdge]
    nodes: list[Call]
    page_info: PageInfo
    total_count: int = strawberry.field(
        description="Calls of the providers asked about, whatever the phone and status filters."
    )
