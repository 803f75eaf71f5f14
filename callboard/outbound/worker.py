"""The outbox's worker: started with the app, it claims due deliveries, sends each one
signed, and records how it went.

One delivery in flight per ordered endpoint, in id order (the claim takes only an
endpoint's oldest pending delivery); up to `[outbound] parallel_deliveries` per parallel
endpoint. Each claimed delivery is sent by a task of its own, which goes on with its
endpoint's next one, so a slow receiver holds up only its own endpoint. The worker wakes
as soon as a transaction of this instance has written deliveries, and looks every
`[outbound] poll_seconds` for those other instances wrote or whose retry is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from strawberry import Schema

from callboard.domain.errors import BadInput
from callboard.domain.webhook_endpoints import Attempt, Delivery, DeliveryStatus
from callboard.outbound.render import ClientGone, Renderer
from callboard.outbound.retries import settle
from callboard.outbound.sender import Sender
from callboard.outbound.signing import signed_headers
from callboard.runtime import Runtime
from callboard.schema.webhook_subscriptions import subscription_filter
from callboard.schema.webhook_types import delivery_id
from callboard.store.webhook_outbox import Settled

__all__ = ["OutboundWorker"]

log = logging.getLogger(__name__)

# Deliveries sent at the same time by one instance.
_PARALLEL = 64
# How often settled deliveries past `[inbox] retention_days` are removed.
_PRUNE_EVERY = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


class OutboundWorker:
    def __init__(
        self,
        runtime: Runtime,
        schema: Schema,
        *,
        clock: Callable[[], datetime] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`clock`: the time retries are scheduled by (tests advance it); `transport`:
        instead of the guarded network (tests)."""
        self._runtime = runtime
        self._settings = runtime.settings.outbound
        self._clock = clock or _now
        self._schema = schema
        self._renderer = Renderer(schema, runtime)
        self._sender = Sender(self._settings, transport)
        # Who holds a claim: unique per process run, so a restarted instance does not
        # mistake its predecessor's claims for its own.
        self._owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        # What each sending task is sending now (released on stop).
        self._busy: dict[asyncio.Task[None], Delivery] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        outbox = self._runtime.store.outbox
        outbox.clock = self._clock
        outbox.on_committed = self._wake.set
        outbox.parallel_deliveries = self._settings.parallel_deliveries
        await self._check_endpoints()
        self._task = asyncio.create_task(self._run(), name="callboard-outbound")

    async def _check_endpoints(self) -> None:
        """Each enabled endpoint's document validated again for today's configuration:
        a client's scope may have grown or shrunk since (providers added, removed), and
        the filter follows; an endpoint whose document no longer validates, or whose
        client is gone, is disabled with the reason."""
        book = self._runtime.store.webhook_endpoints
        for endpoint in await book.enabled():
            try:
                caller = self._renderer.caller(endpoint.client)
                where = await subscription_filter(
                    self._schema, self._runtime, caller, endpoint.subscription, endpoint.variables
                )
            except ClientGone:
                await book.disable(
                    endpoint.id, f"Its client '{endpoint.client}' is no longer configured."
                )
            except BadInput as refused:
                await book.disable(
                    endpoint.id, f"Its subscription no longer validates: {refused.message}"
                )
            else:
                if where != endpoint.filter:
                    await book.set_filter(endpoint.id, where)

    async def stop(self) -> None:
        self._runtime.store.outbox.on_committed = None
        tasks = [t for t in (self._task, *self._busy) if t]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # What was in flight goes to the next instance (or this one, restarted) at once.
        for delivery in list(self._busy.values()):
            with contextlib.suppress(Exception):
                await self._runtime.store.outbox.release(delivery, self._owner)
        await self._sender.aclose()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        pruned: datetime | None = None
        while True:
            self._wake.clear()
            if pruned is None or _now() - pruned >= _PRUNE_EVERY:
                pruned = _now()
                await self._prune()
            claimed: list[Delivery] = []
            room = _PARALLEL - len(self._busy)
            if room > 0:
                try:
                    claimed = await self._claim(room)
                except Exception:
                    log.exception("claiming outgoing webhooks failed")
            for delivery in claimed:
                self._busy[asyncio.create_task(self._deliver(delivery))] = delivery
            if claimed and len(claimed) == room:
                continue  # more may be due
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.poll_seconds):
                    await self._wake.wait()

    async def _prune(self) -> None:
        keep = timedelta(days=self._runtime.settings.inbox.retention_days)
        try:
            removed = await self._runtime.store.outbox.prune(self._clock() - keep)
        except Exception:
            log.exception("removing old outgoing webhook deliveries failed")
            return
        if removed:
            log.info("retention removed %d outgoing webhook deliveries", removed)

    async def _claim(self, room: int) -> list[Delivery]:
        now = self._clock()
        return await self._runtime.store.outbox.claim(
            self._owner,
            now,
            now + timedelta(seconds=self._settings.lease_seconds),
            skip=[d.id for d in self._busy.values()],
            limit=room,
        )

    async def _deliver(self, delivery: Delivery) -> None:
        """The endpoint's deliveries, from `delivery` on while the next is due."""
        task = asyncio.current_task()
        assert task is not None
        current: Delivery | None = delivery
        try:
            while current is not None:
                self._busy[task] = current
                current = await self._attempt(current)
        except Exception:
            log.exception(
                "outgoing webhook of endpoint %s failed unexpectedly", delivery.endpoint_id
            )
        finally:
            self._busy.pop(task, None)
            self._wake.set()  # its endpoint's next delivery may go now

    async def _attempt(self, delivery: Delivery) -> Delivery | None:
        """One attempt; the endpoint's next delivery if it is due and now claimed."""
        store = self._runtime.store
        endpoint = await store.webhook_endpoints.get(delivery.endpoint_id)
        if endpoint is None or not endpoint.enabled:
            await store.outbox.release(delivery, self._owner)
            return None
        try:
            body = await self._renderer.body(endpoint, delivery)
        except ClientGone:
            await store.webhook_endpoints.disable(
                endpoint.id, f"Its client '{endpoint.client}' is no longer configured."
            )
            await store.outbox.release(delivery, self._owner)
            return None
        at = self._clock()
        if body is None:
            gone = Attempt(at, None, 0.0, "the event is no longer kept ([events] retention_days)")
            await store.outbox.settle(
                delivery, self._owner, Settled(gone, DeliveryStatus.FAILED, None, None)
            )
            return None
        # The timestamp is the real time: receivers check it against their own clocks.
        headers = signed_headers(delivery_id(delivery.id), body, endpoint.secrets(at), _now())
        status, error, took = await self._sender.send(endpoint.url, body, headers)
        settled, disable = settle(
            delivery, Attempt(at, status, round(took, 1), error), self._settings
        )
        following = None
        if disable is None and settled.status is not DeliveryStatus.PENDING:
            # Done with this one: the endpoint's next may go at once.
            now = self._clock()
            until = now + timedelta(seconds=self._settings.lease_seconds)
            held, following = await store.outbox.settle_then_claim(
                delivery, self._owner, settled, now, until, parallel=endpoint.parallel
            )
        else:
            held = await store.outbox.settle(delivery, self._owner, settled)
        if not held:
            log.warning("outgoing webhook %s: the claim ran out while sending", delivery.id)
            return None
        if disable is not None:
            log.warning("webhook endpoint %s disabled: %s", endpoint.id, disable)
            await store.webhook_endpoints.disable(endpoint.id, disable)
        return following
