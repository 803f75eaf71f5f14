"""LiraX's rule for GSM modems: at most one request per modem every 5 seconds.

Callboard spaces its own requests per modem instead of letting LiraX refuse them: each
modem has a lock and the time of its last request, and a request waits its turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["ModemPacer"]


class ModemPacer:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def turn(self, modem: str) -> AsyncIterator[None]:
        """Hold the modem for one request, no sooner than `interval` after the last one."""
        lock = self._locks.setdefault(modem, asyncio.Lock())
        async with lock:
            wait = self._last.get(modem, -self.interval) + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                # counted from when the request was answered: LiraX sees it no sooner
                self._last[modem] = time.monotonic()
