"""The bus on Redis Streams, for several instances: XADD to publish, one XREAD loop per
instance fanning out to its subscribers, replay from the shared call log.

Each event goes into the stream under its own id (`<event id>-0`): the store publishes
under a deployment-wide lock (store/write_lock.py), so stream ids rise with event ids and
a subscriber's cursor is the same number in the database and in the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from callboard.domain.calls import CallEvent
from callboard.events.memory import MemoryBus
from callboard.store.calls import CallLog
from callboard.store.outcome_codec import dump, load

__all__ = ["RedisBus"]

log = logging.getLogger(__name__)

_READ_BATCH = 500
_BLOCK_MS = 1000


class RedisBus(MemoryBus):
    def __init__(
        self, log_: CallLog, url: str, *, stream: str, buffer: int = 1000, max_len: int = 1_000_000
    ) -> None:
        super().__init__(log_, buffer=buffer)
        # redis-py's replies are typed loosely (bytes or str by configuration): Any.
        self._redis: Any = redis.from_url(url)
        self._stream = stream
        self._max_len = max_len
        self._last = "0-0"
        self._reader: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<RedisBus stream={self._stream!r}>"  # the URL may carry a password

    async def start(self) -> None:
        """Read from what the stream holds now on: earlier events come from the log."""
        newest: Any = await self._redis.xrevrange(self._stream, count=1)
        self._last = newest[0][0].decode() if newest else "0-0"
        self._reader = asyncio.create_task(self._read(), name="callboard-redis-bus")

    async def publish(self, events: Sequence[CallEvent]) -> None:
        if not events:
            return
        pipe = self._redis.pipeline(transaction=False)
        for event in events:
            pipe.xadd(
                self._stream,
                {"event": json.dumps(dump(event))},
                id=f"{event.id}-0",
                maxlen=self._max_len,
                approximate=True,
            )
        try:
            await pipe.execute()
        except RedisError as exc:
            # Stored all the same: live subscribers miss these, a resume replays them.
            log.error("events %s..%s not streamed: %s", events[0].id, events[-1].id, exc)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._redis.aclose()

    async def _read(self) -> None:
        while True:
            try:
                reply: Any = await self._redis.xread(
                    {self._stream: self._last}, count=_READ_BATCH, block=_BLOCK_MS
                )
            except RedisError as exc:
                log.error("reading the event stream failed (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            for _, entries in reply or ():  # None when BLOCK timed out
                events = []
                for entry_id, fields in entries:
                    self._last = entry_id.decode()
                    try:
                        events.append(load(CallEvent, json.loads(fields[b"event"])))
                    except (KeyError, ValueError, TypeError) as exc:
                        # Not ours (another writer on the stream): skip, keep reading.
                        log.error("stream entry %s is not an event (%s)", self._last, exc)
                self.deliver(events)
