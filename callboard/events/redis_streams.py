"""The bus on Redis Streams, for several instances: XADD to publish, one XREAD loop per
instance fanning out to its subscribers, replay from the shared store.

Call events go into the configured stream, each feed into a stream of its own
(`<stream>:agent_status`, `<stream>:sms`), every entry under its own id (`<id>-0`): the
store publishes under a deployment-wide lock (store/write_lock.py), so stream ids rise
with event ids and a subscriber's cursor is the same number in the database and in the
stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import FEEDS, Feed, FeedEvent
from callboard.domain.outcome_codec import dump, load
from callboard.events.bus import CallEventLog, EventBus, FeedEventLog

__all__ = ["RedisBus"]

log = logging.getLogger(__name__)

_READ_BATCH = 500
_BLOCK_MS = 1000

_Event = CallEvent | FeedEvent[Any]


class RedisBus(EventBus):
    def __init__(
        self,
        log_: CallEventLog,
        feeds: FeedEventLog,
        url: str,
        *,
        stream: str,
        buffer: int = 1000,
        max_len: int = 1_000_000,
    ) -> None:
        super().__init__(log_, feeds, buffer=buffer)
        # redis-py's replies are typed loosely (bytes or str by configuration): Any.
        self._redis: Any = redis.from_url(url)
        self._stream = stream
        self._max_len = max_len
        # stream -> how its entries become events
        self._readers: dict[str, Callable[[Any], _Event]] = {
            stream: lambda data: load(CallEvent, data),
            **{self._feed_stream(feed): _feed_reader(feed) for feed in FEEDS},
        }
        self._last = dict.fromkeys(self._readers, "0-0")
        self._reader: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<RedisBus stream={self._stream!r}>"  # the URL may carry a password

    async def start(self) -> None:
        """Read from what the streams hold now on: earlier events come from the store."""
        for stream in self._readers:
            newest: Any = await self._redis.xrevrange(stream, count=1)
            self._last[stream] = newest[0][0].decode() if newest else "0-0"
        self._reader = asyncio.create_task(self._read(), name="callboard-redis-bus")

    async def publish(self, events: Sequence[_Event]) -> None:
        if not events:
            return
        self.published(events)
        pipe = self._redis.pipeline(transaction=False)
        for event in events:
            if isinstance(event, CallEvent):
                stream, data = self._stream, dump(event)
            else:
                stream, data = self._feed_stream(event.feed), _feed_entry(event)
            pipe.xadd(
                stream,
                {"event": json.dumps(data)},
                id=f"{event.id}-0",
                maxlen=self._max_len,
                approximate=True,
            )
        try:
            await pipe.execute()
        except RedisError as exc:
            # Stored all the same: live subscribers miss these, a resume replays them.
            log.error("%d events not streamed: %s", len(events), exc)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._redis.aclose()

    def _feed_stream(self, feed: Feed[Any]) -> str:
        return f"{self._stream}:{feed.name}"

    async def _read(self) -> None:
        while True:
            try:
                reply: Any = await self._redis.xread(self._last, count=_READ_BATCH, block=_BLOCK_MS)
            except RedisError as exc:
                log.error("reading the event streams failed (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            for name, entries in reply or ():  # None when BLOCK timed out
                stream = name.decode()
                events = []
                for entry_id, fields in entries:
                    self._last[stream] = entry_id.decode()
                    try:
                        events.append(self._readers[stream](json.loads(fields[b"event"])))
                    except (KeyError, ValueError, TypeError) as exc:
                        # Not ours (another writer on the stream): skip, keep reading.
                        log.error("stream entry %s is not an event (%s)", self._last[stream], exc)
                self.deliver(events)


def _feed_entry(event: FeedEvent[Any]) -> dict[str, Any]:
    return {"id": event.id, "provider_id": event.provider_id, "item": dump(event.item)}


def _feed_reader(feed: Feed[Any]) -> Callable[[Any], FeedEvent[Any]]:
    def read(data: Any) -> FeedEvent[Any]:
        return FeedEvent(
            int(data["id"]), feed, data["provider_id"], load(feed.item_type, data["item"])
        )

    return read
