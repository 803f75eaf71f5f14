"""Turning the webhook inbox into events: right after a delivery is kept, and again for
any kept but never processed (a crash between the answer and the processing, or an
instance that only receives)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import FeedEvent
from callboard.domain.outcome_codec import Outcome, decode_outcome, encode_outcome
from callboard.runtime import Runtime
from callboard.store.agents import record_statuses
from callboard.store.calls import FeedWrites
from callboard.store.sms import apply_sms

__all__ = ["keep_and_process", "process_delivery", "process_pending"]

log = logging.getLogger(__name__)

_BATCH = 200


async def keep_and_process(
    runtime: Runtime,
    provider_id: str,
    dedup_key: str,
    payload: Mapping[str, Any],
    outcome: Outcome,
    received_at: datetime,
) -> list[CallEvent] | None:
    """Keep a fresh delivery and apply it in one transaction, then publish what it
    changed; None for a resend of one already kept."""
    return await runtime.store.calls.keep_and_process(
        provider_id,
        dedup_key,
        payload,
        encode_outcome(outcome),
        received_at,
        outcome.signals,
        runtime.bus.publish,
        also=_feed_writes(provider_id, outcome),
    )


async def process_delivery(
    runtime: Runtime, delivery_id: int, provider_id: str, outcome: Outcome
) -> list[CallEvent] | None:
    """Apply one kept delivery and publish what it changed; None if already processed."""
    return await runtime.store.calls.process(
        delivery_id,
        provider_id,
        outcome.signals,
        runtime.bus.publish,
        also=_feed_writes(provider_id, outcome),
    )


def _feed_writes(provider_id: str, outcome: Outcome) -> FeedWrites:
    """What a delivery changes besides calls: agent statuses and messages."""

    def also(conn: Connection) -> list[FeedEvent[Any]]:
        statuses = record_statuses(conn, outcome.agent_statuses)
        return [*statuses, *apply_sms(conn, provider_id, outcome.sms)]

    return also


async def process_pending(runtime: Runtime, *, older_than: timedelta = timedelta(0)) -> int:
    """Process every delivery kept but not processed (received more than `older_than`
    ago: younger ones are being processed by the request that kept them); how many."""
    done, last = 0, 0
    before = datetime.now(UTC) - older_than
    while True:
        # Paged by id: rows that fail stay unprocessed and are not read again this round.
        pending = await runtime.store.calls.unprocessed(
            limit=_BATCH, received_before=before, after_id=last
        )
        for delivery_id, provider_id, data in pending:
            last = delivery_id
            if await _process_kept(runtime, delivery_id, provider_id, data):
                done += 1
        if len(pending) < _BATCH:
            break
    if done:
        log.info("processed %d webhook deliveries kept in the inbox", done)
    return done


async def _process_kept(
    runtime: Runtime, delivery_id: int, provider_id: str, data: Mapping[str, Any]
) -> bool:
    try:
        return (
            await process_delivery(runtime, delivery_id, provider_id, decode_outcome(data))
            is not None
        )
    except Exception:
        # One bad row must not stop the others; it stays unprocessed and is logged each
        # round until someone looks.
        log.exception("webhook delivery %d (%s) could not be processed", delivery_id, provider_id)
        return False
