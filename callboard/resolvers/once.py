"""Doing a vendor operation once per idempotency key, and answering a retry the same."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from callboard.domain.errors import ProviderTimeout

if TYPE_CHECKING:
    from callboard.resolvers.session import Session

__all__ = ["run_once"]

T = TypeVar("T")


async def run_once(
    session: Session,
    key: str | None,
    request: Any,
    send: Callable[[], Awaitable[T]],
    *,
    remember: Callable[[T], tuple[list[str], dict[str, Any]]],
    replay: Callable[[list[str], Mapping[str, Any]], Awaitable[T]],
) -> T:
    """`send()` unless the session's caller used `key` for this same `request` before; then
    `replay` what `remember` kept of the first answer (ids, and anything else needed to say
    it again)."""
    if key is None:
        return await send()
    keys = session.runtime.store.idempotency
    fingerprint = json.dumps(request, sort_keys=True, default=str)
    claim = await keys.claim(
        session.caller.name, key, hashlib.sha256(fingerprint.encode()).hexdigest()
    )
    if claim.result is not None:
        return await replay(claim.call_ids, claim.result)
    try:
        result = await send()
    except (ProviderTimeout, asyncio.CancelledError):
        # The vendor may have done it: the key must not let a retry do it again.
        await asyncio.shield(keys.mark_unknown(claim))
        raise
    except Exception:
        # Refused or unreachable: nothing was done, so the same key may be used again.
        await keys.release(claim)
        raise
    ids, extra = remember(result)
    await keys.finish(claim, ids, **extra)
    return result
