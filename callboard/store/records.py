"""Audio records created through Callboard, with their moderation as last reported.

Zvonobot can create and remove records but not list them, so Callboard keeps what it
created: the `audioRecords` query and startRobocall's moderation warnings read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, and_, select

from callboard.domain.directory import AudioRecord, ModerationStatus
from callboard.store.created_records import CreatedRecords
from callboard.store.tables import audio_records

__all__ = ["AudioRecordShelf"]

_FIELDS = [c.name for c in audio_records.columns if c.name != "stored_at"]


class AudioRecordShelf(CreatedRecords[AudioRecord]):
    table = audio_records
    key = ("provider_id", "record_id")

    def _row(self, record: AudioRecord) -> dict[str, Any]:
        values = {name: getattr(record, name) for name in _FIELDS}
        values["moderation_status"] = (
            record.moderation_status.value if record.moderation_status else None
        )
        values["raw"] = dict(record.raw)
        return values

    async def removed(self, records: Sequence[AudioRecord]) -> list[AudioRecord]:
        """Mark records the vendor removed (what Callboard knew of them kept, a record
        reported without a removal time stamped now); the records as now kept."""
        if not records:
            return []
        now = datetime.now(UTC)
        known = await self.get_many(records[0].provider_id, [r.record_id for r in records])
        merged = [
            dataclasses.replace(
                before or record,
                deleted_at=record.deleted_at or now,
                raw={**(before or record).raw, **record.raw},
            )
            for record, before in zip(records, known, strict=True)
        ]
        return await self.put(merged)

    async def get_many(
        self, provider_id: str, record_ids: Sequence[str]
    ) -> list[AudioRecord | None]:
        query = select(audio_records).where(
            and_(
                audio_records.c.provider_id == provider_id,
                audio_records.c.record_id.in_(record_ids),
            )
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        found = {row.record_id: _to_record(row._mapping) for row in rows}
        return [found.get(i) for i in record_ids]

    async def list(self, provider_ids: Collection[str]) -> list[AudioRecord]:
        """The records not removed, newest first."""
        query = (
            select(audio_records)
            .where(audio_records.c.provider_id.in_(provider_ids))
            .where(audio_records.c.deleted_at.is_(None))
            .order_by(audio_records.c.stored_at.desc(), audio_records.c.record_id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_to_record(row._mapping) for row in rows]


def _to_record(row: RowMapping) -> AudioRecord:
    values = {name: row[name] for name in _FIELDS}
    status = values.pop("moderation_status")
    return AudioRecord(
        **values,
        moderation_status=ModerationStatus(status) if status else None,
    )
