"""A feed subscription (agentStatusChanged, smsEvents) from its arguments: the caller's
providers and the resume cursor, then each change as its GraphQL type."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

import strawberry

from callboard.domain.feeds import FeedEvent
from callboard.providers.areas import Area
from callboard.runtime import Runtime
from callboard.schema.context import Info
from callboard.schema.ids import decode_cursor

__all__ = ["follow_feed"]

Item = TypeVar("Item")  # the feed's item, as the domain has it
T = TypeVar("T")

# What a resolver reads a feed with: the runtime, the providers, the cursor to resume after.
FeedReader = Callable[[Runtime, frozenset[str], int | None], AsyncIterator[FeedEvent[Item]]]


async def follow_feed(
    info: Info,
    provider: strawberry.ID | None,
    after: str | None,
    *,
    cursor_type: str,
    needs: type[Area],
    changes: FeedReader[Item],
    shown: Callable[[Item, int], T],
) -> AsyncGenerator[T, None]:
    """Each change of the feed `changes` reads, `shown(item, cursor)`, for the caller's
    providers (or `provider`), after the cursor `after` (a `cursor_type` one) if given."""
    session = info.context.session
    providers = session.scope_of(provider, needs)
    cursor = decode_cursor(cursor_type, after, maximum=session.runtime.store.max_id)
    async for change in changes(session.runtime, providers, cursor):
        yield shown(change.item, change.id)
