"""The background work of a simulator (calls playing out, webhooks posted later): started,
awaited and cancelled as one set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["Scripts"]

log = logging.getLogger(__name__)


class Scripts:
    def __init__(self, who: str) -> None:
        self._who = who
        self._tasks: set[asyncio.Task[None]] = set()

    def __bool__(self) -> bool:
        return bool(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._reap)
        return task

    def _reap(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s simulator script failed", self._who, exc_info=exc)

    async def wait_idle(self, timeout: float) -> None:  # noqa: ASYNC109 - a plain deadline
        """Until nothing runs, including what running scripts start meanwhile."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
