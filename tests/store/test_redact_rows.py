"""Payloads kept before Callboard masked its secrets are masked when it next starts, on
either database: the secret a Zvonobot webhook echoed no longer reaches anyone."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from callboard.domain.calls import CallEventKind, CallSignal, CallStatus
from callboard.domain.directory import Order
from callboard.domain.redaction import Redactor
from callboard.store import Store
from callboard.store.redact_rows import redact_kept_rows
from tests.services import fresh_database, needs_postgres

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECRET = "3f9c1d2e8a7b6c5d4e3f2a1b0c9d8e7f"
HOOK = f"https://cb.example/webhooks/robocalls?key={SECRET}"
MASKED = "https://cb.example/webhooks/robocalls?key=***"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if request.param == "postgresql":
        async with fresh_database() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as scratch:
            yield f"sqlite:///{scratch}/callboard.db"


async def keep_as_before(url: str, tag: str = "1") -> str:
    """What a Callboard that masked nothing kept: a call, its event, its delivery, an
    order; the call's id."""
    store = await Store.open(url)
    try:
        echoed = {"id": 1001, "webhookUrl": HOOK, "apiKey": "zvonobot-api-key-1"}
        signal = CallSignal(
            refs=(f"call-{tag}",),
            kind=CallEventKind.STATUS_CHANGED,
            status=CallStatus.IN_PROGRESS,
            occurred_at=NOW,
            raw=echoed,
        )

        async def publish(_: object) -> None:
            pass

        with _unmasked(store):
            (call,) = await store.calls.record_many("robocalls", [signal], publish)
            await store.calls.receive("robocalls", f"d-{tag}", echoed, {"raw": echoed}, NOW)
            await store.orders.add(Order("campaigns", f"o-{tag}", "Spring", "INFO", raw=echoed))
        return call.id
    finally:
        await store.close()


@contextlib.contextmanager
def _unmasked(store: Store) -> Iterator[None]:
    """The store as it was before it masked anything."""
    identity = _Identity()
    parts = (store.calls, store.orders)
    saved = [part._redact for part in parts]  # type: ignore[attr-defined]
    for part in parts:
        part._redact = identity  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for part, redact in zip(parts, saved, strict=True):
            part._redact = redact  # type: ignore[attr-defined]


class _Identity(Redactor):
    def __call__(self, value: object) -> object:
        return value


async def test_rows_kept_before_are_masked_at_the_next_start(url: str) -> None:
    call_id = await keep_as_before(url)
    store = await Store.open(url, redact=Redactor([SECRET, "zvonobot-api-key-1"]))
    try:
        (call,) = await store.calls.get_many([call_id])
        assert call is not None
        assert call.raw == {"id": 1001, "webhookUrl": MASKED, "apiKey": "***"}
        events = (await store.calls.events_of([call_id]))[call_id]
        assert [e.raw["webhookUrl"] for e in events] == [MASKED]
        orders, _ = await store.orders.page(["campaigns"], first=5, before_seq=None)
        assert [order.raw["webhookUrl"] for _, order in orders] == [MASKED]
        async with store.engine.connect() as conn:
            kept = await conn.exec_driver_sql("SELECT payload, outcome FROM webhook_deliveries")
            rows = kept.all()
        assert SECRET not in repr(rows)
        assert "zvonobot-api-key-1" not in repr(rows)
    finally:
        await store.close()


async def test_rows_are_looked_at_again_only_when_the_secrets_change(url: str) -> None:
    await keep_as_before(url)
    redact = Redactor([SECRET])
    await (await Store.open(url, redact=redact)).close()
    await keep_as_before(url, "2")  # kept unmasked after that pass (only a test can)
    store = await Store.open(url)
    try:
        # The same secrets: the pass was done, nothing is read again.
        assert await redact_kept_rows(store.engine, redact) == 0
        # One secret more: every row is looked at again, and the new ones are masked.
        assert await redact_kept_rows(store.engine, Redactor([SECRET, "another"])) == 4
        assert await redact_kept_rows(store.engine, Redactor([SECRET, "another"])) == 0
    finally:
        await store.close()
