"""Orders and numbers created through Callboard, for vendors that cannot list them.

Liner creates orders and Twin24 adds numbers, but neither documents a way to read them
back: what Callboard created is kept here and the `orders` and `numbers` queries read it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import RowMapping, and_, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.directory import Order, PhoneNumber
from callboard.domain.redaction import Redactor
from callboard.store.created_records import CreatedRecords
from callboard.store.tables import numbers, orders

__all__ = ["NumberBook", "OrderBook"]

_ORDER_FIELDS = [c.name for c in orders.columns if c.name not in ("seq", "provider_id")]


class OrderBook:
    def __init__(self, engine: AsyncEngine, redact: Redactor) -> None:
        self._engine = engine
        self._redact = redact

    async def add(self, order: Order) -> Order:
        """Keep the order; the order as kept (Callboard's secrets masked in its payload)."""
        order = self._redact.payload_of(order)
        values = {name: getattr(order, name) for name in _ORDER_FIELDS}
        values["raw"] = dict(order.raw)
        async with self._engine.begin() as conn:
            await conn.execute(insert(orders).values(provider_id=order.provider_id, **values))
        return order

    async def get(self, provider_id: str, order_id: str) -> Order | None:
        query = select(orders).where(
            and_(orders.c.provider_id == provider_id, orders.c.order_id == order_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _to_order(row._mapping) if row else None

    async def page(
        self, provider_ids: Collection[str], *, first: int, before_seq: int | None
    ) -> tuple[list[tuple[int, Order]], bool]:
        """Up to `first` orders, newest first, older than `before_seq`; and whether more."""
        query = select(orders).where(orders.c.provider_id.in_(provider_ids))
        if before_seq is not None:
            query = query.where(orders.c.seq < before_seq)
        query = query.order_by(orders.c.seq.desc()).limit(first + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        found = [(int(row.seq), _to_order(row._mapping)) for row in rows[:first]]
        return found, len(rows) > first


class NumberBook(CreatedRecords[PhoneNumber]):
    table = numbers
    key = ("provider_id", "number")

    def _row(self, record: PhoneNumber) -> dict[str, Any]:
        return {
            "provider_id": record.provider_id,
            "number": record.number,
            "name": record.name,
            "number_id": record.number_id,
            "raw": dict(record.raw),
        }

    async def list(self, provider_ids: Collection[str]) -> list[PhoneNumber]:
        """The numbers kept for these providers, by provider then number."""
        query = (
            select(numbers)
            .where(numbers.c.provider_id.in_(provider_ids))
            .order_by(numbers.c.provider_id, numbers.c.number)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_to_number(row._mapping) for row in rows]


def _to_order(row: RowMapping) -> Order:
    values: dict[str, Any] = {name: row[name] for name in _ORDER_FIELDS}
    return Order(provider_id=row["provider_id"], **values)


def _to_number(row: RowMapping) -> PhoneNumber:
    return PhoneNumber(
        provider_id=row["provider_id"],
        number=row["number"],
        name=row["name"],
        number_id=row["number_id"],
        shared=False,
        raw=row["raw"],
    )
