"""Robocalls a vendor reports on no webhook, asked for while they are unfinished: Zvonobot
calls made from a template (createWithTemplate takes no webhook URL). What changed becomes
the same call events a webhook would make, so every subscription sees them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from callboard.providers.areas import Robocalls
from callboard.resolvers.robocalls import fetch_robocalls
from callboard.runtime import Runtime

__all__ = ["RobocallPolling"]

log = logging.getLogger(__name__)

# Unfinished calls read per round and provider; the provider splits its request by the
# vendor's own bound (Zvonobot: 5000 ids).
_ROUND = 5000


class RobocallPolling:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for provider in self._runtime.providers.values():
            if isinstance(provider, Robocalls) and provider.polling_seconds:
                task = asyncio.create_task(self._run(provider), name=f"poll-{provider.id}")
                self._tasks.append(task)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def poll(self, provider: Robocalls, *, after_seq: int = 0) -> int:
        """One round over the provider's unfinished calls from `after_seq`; the `seq` to
        go on from (0 once the end was reached: the next round starts again)."""
        calls = await self._runtime.store.call_lookups.unfinished(
            provider.id, after_seq=after_seq, limit=_ROUND
        )
        ids = provider.polled(calls)
        if ids:
            await fetch_robocalls(self._runtime, provider.id, ids, template=True)
        return calls[-1].seq if len(calls) == _ROUND else 0

    async def _run(self, provider: Robocalls) -> None:
        interval = provider.polling_seconds or 0.0
        after_seq = 0
        while True:
            await asyncio.sleep(interval)
            try:
                after_seq = await self.poll(provider, after_seq=after_seq)
            except Exception as exc:
                # The vendor down or slow: the next round asks again; nothing is lost,
                # the calls stay unfinished until an answer says otherwise.
                log.warning("polling %s's robocalls failed: %s", provider.id, exc)
