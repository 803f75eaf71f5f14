"""What the schema asks of live delivery (the live/ package): protocols app.py's objects meet.

The schema names no transport: app.py puts the live objects in each request's context
and hands build_schema the executor that shares live results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from graphql import ExecutionResult

from callboard.events.fanout import DirectFactory

__all__ = ["Audiences", "SharedResultCache"]


class SharedResultCache(Protocol):
    """Live events' results kept for every subscriber asking the same thing (carried in
    the context for the executor app.py gives the schema: live/shared_results.py)."""

    def get(
        self, key: tuple[Hashable, ...]
    ) -> ExecutionResult | asyncio.Future[ExecutionResult] | None: ...

    def put(
        self, key: tuple[Hashable, ...], value: ExecutionResult | asyncio.Future[ExecutionResult]
    ) -> None: ...

    def drop(self, key: tuple[Hashable, ...]) -> None: ...


class Audiences(Protocol):
    """Where a caught-up subscription's live events may be written without passing
    through its resolver (live/audiences.py)."""

    def direct(self, to_root: Callable[[Any], Any]) -> DirectFactory[Any, Any] | None:
        """For the subscription resolver running in this task (`to_root` makes the root
        value its iterator would yield), or None: its events go through it."""
