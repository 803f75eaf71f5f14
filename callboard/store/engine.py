"""Opening the database: the engine, the schema, and the parts of the store built on it."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from callboard.domain.redaction import Redactor
from callboard.store.agents import AgentStatusBook
from callboard.store.call_lookups import CallLookups
from callboard.store.call_rows import CallRows
from callboard.store.calls import CallLog
from callboard.store.contact_owners import give_contacts_owners
from callboard.store.contacts import ContactBook
from callboard.store.directory import NumberBook, OrderBook
from callboard.store.feeds import FeedLog
from callboard.store.idempotency import IdempotencyKeys
from callboard.store.records import AudioRecordShelf
from callboard.store.redact_rows import redact_kept_rows
from callboard.store.schema_lock import lock_schema
from callboard.store.sms import SmsBox
from callboard.store.tables import metadata
from callboard.store.transactions import Transactions
from callboard.store.webhook_endpoints import EndpointBook
from callboard.store.webhook_outbox import Outbox
from callboard.store.write_lock import WriteLock

__all__ = ["Store", "database_url"]


def database_url(url: str) -> str:
    """The SQLAlchemy async URL for a configured one (`sqlite:///x.db` -> aiosqlite)."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


class Store:
    """The database and everything kept in it. `await Store.open(url)`, then `close()`."""

    def __init__(
        self,
        engine: AsyncEngine,
        scratch: tempfile.TemporaryDirectory[str] | None = None,
        *,
        sync_engine: Engine | None = None,
        redact: Redactor | None = None,
    ) -> None:
        """`sync_engine`: on SQLite, the same database through the sync driver, for the
        transactions that add events (store/transactions.py) and the projected reads
        (store/call_rows.py). `redact` masks Callboard's secrets in every vendor payload
        kept."""
        redact = redact or Redactor()
        self.engine = engine
        self._scratch = scratch
        # Writes that add events are serialized until published: ids reach subscribers in
        # order (across instances too, on PostgreSQL).
        write_lock = WriteLock(engine)
        self._write_lock = write_lock
        transactions = Transactions(engine, write_lock, sync_engine)
        self._transactions = transactions
        self.calls = CallLog(engine, write_lock, transactions, redact)
        self.call_lookups = CallLookups(engine)
        # The call log's listings as plain rows, for the compiled GraphQL path.
        self.call_rows = CallRows(engine, sync_engine)
        self.feeds = FeedLog(engine, write_lock)
        self.contacts = ContactBook(engine)
        self.idempotency = IdempotencyKeys(engine, write_lock)
        self.agent_statuses = AgentStatusBook(engine, transactions)
        self.sms = SmsBox(engine, transactions)
        self.audio_records = AudioRecordShelf(engine, redact)
        self.orders = OrderBook(engine, redact)
        self.numbers = NumberBook(engine, redact)
        # Outgoing webhooks: the endpoints, and the outbox every event transaction writes.
        self.webhook_endpoints = EndpointBook(engine, write_lock.local)
        self.outbox = Outbox(engine, write_lock.local)
        transactions.outbox = self.outbox

    @property
    def max_id(self) -> int:
        """The largest id its integer columns hold, so the largest cursor it can have
        handed out: PostgreSQL's INTEGER has 32 bits, SQLite's 64."""
        return 2**31 - 1 if self.engine.dialect.name == "postgresql" else 2**63 - 1

    @property
    def transactions_on_the_loop(self) -> bool:
        """Whether the transactions that add events run on the event loop (PostgreSQL)
        rather than on a thread of their own (SQLite)."""
        return self._transactions.on_the_loop

    def __repr__(self) -> str:
        return f"<Store {self.engine.url.render_as_string(hide_password=True)}>"

    @classmethod
    async def open(cls, url: str, *, redact: Redactor | None = None, pool_size: int = 20) -> Store:
        """Open (and create the schema of) the database at `url`; rows kept before
        `redact` knew all of today's secrets are redacted again (store/redact_rows.py).

        `sqlite://` (memory) is served from a file in a fresh temporary directory,
        removed on close: SQLite's own memory databases are one connection each, and
        sharing one connection between concurrent transactions would mix them up.
        `pool_size`: the PostgreSQL connections kept open (`[storage] pool_size`).
        """
        scratch = None
        parsed = make_url(database_url(url))
        if parsed.drivername.startswith("sqlite") and parsed.database in (None, "", ":memory:"):
            scratch = tempfile.TemporaryDirectory(prefix="callboard-")
            parsed = parsed.set(database=os.path.join(scratch.name, "callboard.db"))
        pool: dict[str, int] = {}
        if not parsed.drivername.startswith("sqlite"):
            # A burst opens as many again, closed as they come back (settings.py).
            pool = {"pool_size": pool_size, "max_overflow": pool_size}
        engine = create_async_engine(parsed.render_as_string(hide_password=False), **pool)
        sync_engine = None
        if parsed.drivername.startswith("sqlite"):
            sync_engine = create_engine(parsed.set(drivername="sqlite"))
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(sync_engine, "connect", _sqlite_pragmas)
        async with engine.begin() as conn:
            await conn.run_sync(lock_schema)
            await conn.run_sync(give_contacts_owners)
            await conn.run_sync(metadata.create_all)
            await conn.run_sync(_add_missing_columns)
            await conn.run_sync(_add_missing_indexes)
        if redact is not None:
            await redact_kept_rows(engine, redact)
        return cls(engine, scratch, sync_engine=sync_engine, redact=redact)

    async def close(self) -> None:
        await self._write_lock.close()
        await self.call_rows.close()  # before the sync engine is disposed, its connection with it
        self._transactions.close()
        await self.engine.dispose()
        if self._scratch is not None:
            self._scratch.cleanup()


def _add_missing_columns(conn: Connection) -> None:
    """Bring a database made by an older Callboard up to date: columns added since are
    all nullable, so adding them keeps every row. Inbox rows from before the inbox were
    processed when they came, and are marked so; calls from before `updated_at` were
    last changed when first seen."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(
                    f"the database's {table.name} lacks {column.name}; it was made by an "
                    "incompatible Callboard"
                )
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
            if table.name == "webhook_deliveries" and column.name == "processed_at":
                conn.execute(text("UPDATE webhook_deliveries SET processed_at = received_at"))
            if table.name == "calls" and column.name == "updated_at":
                # A call kept before changes were timed last changed, as far as anyone
                # can tell, when it was first seen: `Call.updatedAt` is never null.
                conn.execute(text("UPDATE calls SET updated_at = created_at"))


# Indexes replaced by a wider one: dropped once it exists.
_REPLACED_INDEXES = {"ix_call_events_call": "ix_call_events_call_columns"}


def _add_missing_indexes(conn: Connection) -> None:
    """Indexes added since a database was made (create_all makes those of new tables
    only), and those they replace dropped."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)
                present.add(index.name)
        for old, new in _REPLACED_INDEXES.items():
            if old in present and new in present:
                conn.execute(text(f"DROP INDEX {old}"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First: switching to WAL needs the database's lock, which another instance making
    # the schema may hold; without the timeout set, that is "database is locked" at once.
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL lets readers (queries, replaying subscribers) run while a webhook writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
