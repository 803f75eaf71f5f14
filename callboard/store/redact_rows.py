"""Rows kept before today's secrets were known, redacted once: the vendor payloads a
Callboard from before the redaction kept, or kept while a secret was configured that
the redactor did not know yet."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.redaction import Redactor
from callboard.store.tables import metadata, store_meta
from callboard.store.upsert import insert_or_update

__all__ = ["redact_kept_rows"]

log = logging.getLogger(__name__)

# The redactor whose rules and secrets every kept payload has been through.
_REDACTED_WITH = "payloads_redacted_with"
_BATCH = 500


async def redact_kept_rows(engine: AsyncEngine, redact: Redactor) -> int:
    """Mask Callboard's secrets in every vendor payload kept, unless done already with
    these rules and secrets (a start costs one read then); how many rows changed."""
    async with engine.connect() as conn:
        done = (
            await conn.execute(select(store_meta.c.value).where(store_meta.c.key == _REDACTED_WITH))
        ).scalar_one_or_none()
    if done == redact.fingerprint:
        return 0
    changed = 0
    for table in metadata.sorted_tables:
        if any(c.info.get("vendor_payload") for c in table.columns):
            changed += await _redact_table(engine, table, redact)
    marker = {"key": _REDACTED_WITH, "value": redact.fingerprint}
    async with engine.begin() as conn:
        await conn.execute(insert_or_update(engine.dialect, store_meta, marker, ["key"]))
    if changed:
        log.info("masked Callboard's secrets in %d kept vendor payloads", changed)
    return changed


async def _redact_table(engine: AsyncEngine, table: Table, redact: Redactor) -> int:
    key = list(table.primary_key.columns)
    payloads = [c for c in table.columns if c.info.get("vendor_payload")]
    changed, after = 0, None
    while True:
        query = select(*key, *payloads).order_by(*key).limit(_BATCH)
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        # Locked while rewritten: on PostgreSQL another instance may be updating a row.
        async with engine.begin() as conn:
            rows = (await conn.execute(query.with_for_update())).all()
            for row in rows:
                values: dict[str, Any] = {}
                for column in payloads:
                    kept = row._mapping[column.name]
                    masked = redact(kept)
                    if masked is not kept:
                        values[column.name] = masked
                if values:
                    match = tuple_(*key) == tuple_(*(row._mapping[c.name] for c in key))
                    await conn.execute(update(table).where(match).values(values))
                    changed += 1
        if len(rows) < _BATCH:
            return changed
        after = tuple(rows[-1]._mapping[c.name] for c in key)
