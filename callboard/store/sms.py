"""Text messages as sent and received, with their delivery status, and the feed of their
changes."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.feeds import SMS, FeedEvent
from callboard.domain.sms import Sms, SmsDirection, SmsSignal, SmsStatus, next_sms_status
from callboard.store.column_fit import fit, fit_row
from callboard.store.feeds import append_feed
from callboard.store.tables import sms
from callboard.store.transactions import Transactions
from callboard.store.write_lock import Publish

__all__ = ["SmsBox", "apply_sms"]


class SmsBox:
    """Writes go through `run_and_publish`: each appends to the feed, whose ids must be
    published in order."""

    def __init__(self, engine: AsyncEngine, transactions: Transactions) -> None:
        self._engine = engine
        self._transactions = transactions

    async def add(self, message: Sms, publish: Publish) -> Sms:
        def add(conn: Connection) -> tuple[Sms, list[FeedEvent[Sms]]]:
            conn.execute(insert(sms).values(_values(message)))
            return message, append_feed(conn, SMS, [message])

        return await self._transactions.run_and_publish(add, publish)

    async def get_many(self, ids: Sequence[str]) -> list[Sms | None]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(sms).where(sms.c.id.in_(ids)))).all()
        found = {row.id: _to_sms(row._mapping) for row in rows}
        return [found.get(i) for i in ids]

    async def apply(
        self, provider_id: str, signals: Sequence[SmsSignal], publish: Publish
    ) -> list[Sms]:
        """Fold what the vendor said into the stored messages; the ones that changed."""

        def apply(conn: Connection) -> tuple[list[Sms], list[FeedEvent[Sms]]]:
            changed = apply_sms(conn, provider_id, signals)
            return [c.item for c in changed], changed

        return await self._transactions.run_and_publish(apply, publish)


def apply_sms(
    conn: Connection, provider_id: str, signals: Sequence[SmsSignal]
) -> list[FeedEvent[Sms]]:
    """Fold what the vendor said into the stored messages; the changes, appended to the
    feed."""
    changed = []
    for signal in signals:
        direction = (
            SmsDirection.INBOUND if signal.status is SmsStatus.RECEIVED else SmsDirection.OUTBOUND
        )
        where = and_(
            sms.c.provider_id == provider_id,
            sms.c.direction == direction.value,
            sms.c.vendor_id == fit(signal.vendor_id, sms.c.vendor_id),
        )
        newest = select(sms).where(where).order_by(sms.c.created_at.desc()).limit(1)
        row = conn.execute(newest).first()
        if row is None:
            if direction is SmsDirection.OUTBOUND:
                continue  # a status for a message not sent through Callboard
            message = Sms(
                id=str(uuid.uuid4()),
                provider_id=provider_id,
                direction=direction,
                modem=signal.modem or "",
                phone=signal.phone or "",
                text=signal.text or "",
                status=SmsStatus.RECEIVED,
                created_at=signal.occurred_at,
                updated_at=signal.occurred_at,
                vendor_id=signal.vendor_id,
            )
            conn.execute(insert(sms).values(_values(message)))
            changed.append(message)
            continue
        current = _to_sms(row._mapping)
        status = next_sms_status(current.status, signal.status)
        if status is current.status:
            continue
        conn.execute(
            update(sms)
            .where(sms.c.id == current.id)
            .values(status=status.value, updated_at=signal.occurred_at)
        )
        changed.append(dataclasses.replace(current, status=status, updated_at=signal.occurred_at))
    return append_feed(conn, SMS, changed)


def _values(message: Sms) -> dict[str, Any]:
    values = dataclasses.asdict(message)
    values.update(direction=message.direction.value, status=message.status.value)
    return fit_row(sms, values)


def _to_sms(row: RowMapping) -> Sms:
    return Sms(
        id=row["id"],
        provider_id=row["provider_id"],
        direction=SmsDirection(row["direction"]),
        modem=row["modem"],
        phone=row["phone"],
        text=row["text"],
        status=SmsStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        agent=row["agent"],
        vendor_id=row["vendor_id"],
    )
