"""What a running instance does in the background: process kept webhook deliveries no
request processed, and remove events (call events, feed changes) and deliveries past
their retention."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from callboard.inbox import process_pending
from callboard.runtime import Runtime

__all__ = ["Housekeeping"]

log = logging.getLogger(__name__)

# A delivery this young is still being processed by the request that kept it.
_IN_FLIGHT = timedelta(seconds=2)
_PRUNE_EVERY = 3600.0


class Housekeeping:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Process what a previous run kept but never processed, then keep watching."""
        if self._runtime.settings.inbox.process:
            await process_pending(self._runtime)
        await self.prune()
        self._task = asyncio.create_task(self._run(), name="callboard-housekeeping")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def prune(self) -> None:
        settings, store = self._runtime.settings, self._runtime.store
        now = datetime.now(UTC)
        events_before = now - timedelta(days=settings.events.retention_days)
        events, deliveries = await store.calls.prune(
            events_before=events_before,
            deliveries_before=now - timedelta(days=settings.inbox.retention_days),
        )
        changes = await store.feeds.prune(before=events_before)
        if events or deliveries or changes:
            log.info(
                "retention removed %d events, %d agent status and SMS changes and %d webhook "
                "deliveries",
                events,
                changes,
                deliveries,
            )

    async def _run(self) -> None:
        inbox = self._runtime.settings.inbox
        pruned = time.monotonic()
        while True:
            await asyncio.sleep(inbox.recover_seconds)
            try:
                if inbox.process:
                    await process_pending(self._runtime, older_than=_IN_FLIGHT)
                if time.monotonic() - pruned >= _PRUNE_EVERY:
                    pruned = time.monotonic()
                    await self.prune()
            except Exception:
                # The next round tries again; a database hiccup must not end the loop.
                log.exception("housekeeping round failed")
