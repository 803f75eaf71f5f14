"""What Callboard created at a vendor that cannot list it back: a table of such records,
each kept as last reported, replaced whole when it is reported again."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic

from sqlalchemy import Table, delete, insert, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.redaction import R, Redactor

__all__ = ["CreatedRecords"]


class CreatedRecords(abc.ABC, Generic[R]):
    """The shared half of NumberBook and AudioRecordShelf: `table` keyed by the record's
    fields named in `key`, with a `stored_at` column; `_row` gives a record's other columns."""

    table: ClassVar[Table]
    key: ClassVar[tuple[str, ...]]

    def __init__(self, engine: AsyncEngine, redact: Redactor) -> None:
        self._engine = engine
        self._redact = redact

    async def put(self, records: Sequence[R]) -> list[R]:
        """Keep these records, replacing what was known of the same ones (one transaction);
        the records as kept (Callboard's secrets masked in their payloads)."""
        if not records:
            return []
        kept = [self._redact.payload_of(record) for record in records]
        now = datetime.now(UTC)
        key_columns = tuple_(*(self.table.c[name] for name in self.key))
        keys = [tuple(getattr(record, name) for name in self.key) for record in kept]
        async with self._engine.begin() as conn:
            await conn.execute(delete(self.table).where(key_columns.in_(keys)))
            await conn.execute(
                insert(self.table), [{**self._row(record), "stored_at": now} for record in kept]
            )
        return kept

    @abc.abstractmethod
    def _row(self, record: R) -> dict[str, Any]:
        """The record's columns but `stored_at`."""
