"""Projected reads of the call log: only the columns a caller names, as plain tuples.

For the compiled GraphQL path (issue 19). `CallLog`'s reads select every column through
SQLAlchemy's async engine and build `Call` / `CallEvent` objects: ~10 ms of CPU for a page
of 100 calls and their 400 events, little of it the database's. Here SQLAlchemy compiles
each statement once per shape (the columns, the filter's parts, the cursor) from the real
tables, and the driver runs its SQL:

- SQLite: synchronously on the caller's thread (the event loop's), over a connection of
  the sync engine's pool kept for these reads. A read of a few hundred rows takes well
  under a millisecond; aiosqlite's hops to its thread and back cost more than that.
  Outside a transaction each statement reads a snapshot of its own (WAL): it sees every
  commit made before it and holds up no writer.
- PostgreSQL: asyncpg's own connection under a pooled SQLAlchemy one, so asyncpg's
  prepared-statement cache serves the statements.

A list of values is one parameter (a JSON array on SQLite, an array on PostgreSQL), so the
SQL is the same for any number of ids. Values come as `CallLog`'s reads give them, as
stored but for the store's conversions, made on the columns asked for only: datetimes
aware in UTC, JSON decoded (by the column type's own processor).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson
from cachetools import LRUCache
from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn

from callboard.store.call_filter import (
    CallFilter,
    ChangePosition,
    page_order,
    page_start,
    sqlite_likely,
)
from callboard.store.tables import UTCDateTime, call_events, calls

__all__ = ["CallRows"]

Row = tuple[Any, ...]
Convert = Callable[[Sequence[Any]], Row]

# Shapes come from the documents clients send; each compiles in about a millisecond.
_SHAPES_KEPT = 512
# PostgreSQL connections the reads keep between them (of `[storage] pool_size`, 20 by
# default): as many reads as run at once on a busy instance.
_READERS_KEPT = 8


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order the SQL takes them
    convert: Convert | None  # None: the driver's rows are the tuples given
    # The parameters' values as their column types bind them (a time as SQLite's text of
    # it), by place; empty when every value goes to the driver as given.
    binds: tuple[Callable[[Any], Any] | None, ...] = ()

    def arguments(self, values: dict[str, Any], adapt: Callable[[Any], Any]) -> list[Any]:
        # Strict look-ups: a parameter nobody gives fails here rather than reading NULL.
        if not self.binds:
            return [adapt(values[name]) for name in self.names]
        return [
            adapt(values[name]) if bind is None else bind(values[name])
            for name, bind in zip(self.names, self.binds, strict=True)
        ]


class CallRows:
    """`CallLog`'s listing reads, projected: each row a tuple of the `columns` asked for,
    in that order; rows of `calls` and `events` have a key after those (the call's id, or
    for events on SQLite the call's place among those asked for: no copy of each row
    without it). Unknown column names raise ValueError."""

    def __init__(self, engine: AsyncEngine, sync_engine: Engine | None = None) -> None:
        """`sync_engine`: on SQLite, the same database through the sync driver."""
        self._driver: _SQLite | _AsyncPG = (
            _SQLite(sync_engine) if sync_engine is not None else _AsyncPG(engine)
        )
        self._compiled: LRUCache[tuple[Any, ...], _Compiled] = LRUCache(_SHAPES_KEPT)

    async def page(
        self,
        where: CallFilter,
        *,
        first: int,
        before_seq: int | None,
        columns: Sequence[str],
        after_change: ChangePosition | None = None,
    ) -> tuple[list[Row], bool]:
        """`CallLog.page`'s calls, in its order, and whether another page follows."""
        values = where.parameters(after_change)
        columns = tuple(columns)
        # One provider (the usual scope): an equality, so the database walks
        # ix_calls_provider_seq in order and stops at the page's end. Its IN form made
        # SQLite sort every call of the provider first (190 against 98 µs for 120 calls,
        # and growing with the log).
        single = len(values.get("provider_ids", ())) == 1
        if single:
            values["provider_id"] = values["provider_ids"][0]
        start, at = page_start(before_seq)
        key = ("page", columns, tuple(values), tuple(at))

        def one_of(
            column: ColumnElement[str], name: str, ids: Sequence[str]
        ) -> ColumnElement[bool]:
            if single and name == "provider_ids":
                return column == bindparam("provider_id")
            return self._driver.one_of(column, name, ids)

        def build() -> Select[Any]:
            conditions = where.conditions(one_of, after_change, likely=self._driver.likely)
            query = select(*_columns(calls, columns)).where(*conditions, *start)
            return _limited(query.order_by(*page_order(where)))

        values.update(at, limit=first + 1, offset=0)
        rows = await self._driver.fetch(self._statement(key, build), values)
        return rows[:first], len(rows) > first

    async def calls(self, ids: Sequence[str], columns: Sequence[str]) -> dict[str, Row]:
        """The calls of `ids` that exist, by id (`CallLog.get_many`)."""
        if not ids:
            return {}
        columns = tuple(columns)

        def build() -> Select[Any]:
            # The key last, so a row is the columns asked for without a copy.
            return select(*_columns(calls, columns), calls.c.id.label("key")).where(
                self._driver.one_of(calls.c.id, "ids", ())
            )

        rows = await self._driver.fetch(self._statement(("calls", columns), build), {"ids": ids})
        return {row[-1]: row for row in rows}

    async def events(self, call_ids: Sequence[str], columns: Sequence[str]) -> dict[str, list[Row]]:
        """The events of each of `call_ids` (every one a key), oldest first
        (`CallLog.events_of`). Each row ends in a key of its call: its id on PostgreSQL,
        on SQLite its place among the ids given."""
        grouped: dict[str, list[Row]] = {i: [] for i in call_ids}
        if not grouped:
            return grouped
        columns = tuple(columns)
        driver = self._driver
        # No join to `calls` as `events_of` has (it wants the call's phones): every
        # event's call exists, merges move events before removing a call.
        compiled = self._cached(
            ("events", columns), lambda: driver.events_statement(_columns(call_events, columns))
        )
        rows = await driver.fetch(compiled, {"call_ids": list(grouped)})
        # Runs of one call's events (each call's are one run, as read), added whole: a
        # tenth of appending the rows one by one.
        if driver.keys_by_place:
            lists = list(grouped.values())
            for place, run in groupby(rows, _key):
                lists[place].extend(run)
        else:
            for key, run in groupby(rows, _key):
                grouped[key].extend(run)
        return grouped

    async def close(self) -> None:
        """Gives back the connections kept for the reads."""
        await self._driver.close()

    def _statement(self, key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> _Compiled:
        return self._cached(key, lambda: self._driver.compile(build()))

    def _cached(self, key: tuple[Any, ...], make: Callable[[], _Compiled]) -> _Compiled:
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = make()
        return compiled


_key = itemgetter(-1)  # a `calls` or `events` row's key: its last value


def _columns(table: Table, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    known = table.c.keys()
    unknown = [n for n in names if not isinstance(n, str) or n not in known]
    if unknown:
        raise ValueError(f"{table.name} has no column {unknown[0]!r}")
    return [table.c[n] for n in names]


def _limited(query: Select[Any]) -> Select[Any]:
    # Named, not left to SQLAlchemy: SQLite's compiler adds an OFFSET to every LIMIT, as a
    # parameter of its own; so every parameter of a statement comes from the call.
    return query.limit(bindparam("limit")).offset(bindparam("offset"))


def _compile(
    statement: Select[Any], dialect: Dialect, *, tuples: bool, utc: Callable[[Any], Any]
) -> _Compiled:
    """`tuples`: whether the driver's rows are tuples already (sqlite3's, not asyncpg's);
    `utc`: the driver's value of a `UTCDateTime` column -> what the column type gives."""
    compiled = statement.compile(dialect=dialect)
    processors = [
        (i, process)
        for i, column in enumerate(statement.selected_columns)
        if (process := _result_processor(column.type, dialect, utc))
    ]
    convert: Convert | None = None if tuples else tuple
    names = tuple(compiled.positiontup or ())
    binds = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    if processors:
        # One function made for the statement: `(row[0], process1(row[1]), ...)`, a
        # third of the time of a loop over the processors (a page's 250 datetimes).
        namespace = {f"process{i}": process for i, process in processors}
        values = [
            f"process{i}(row[{i}])" if f"process{i}" in namespace else f"row[{i}]"
            for i in range(len(statement.selected_columns))
        ]
        convert = eval(f"lambda row: ({', '.join(values)},)", namespace)  # noqa: S307 - names and indexes only
    return _Compiled(compiled.string, names, convert, binds if any(binds) else ())


def _result_processor(
    type_: TypeEngine[Any], dialect: Dialect, utc: Callable[[Any], Any]
) -> Callable[[Any], Any] | None:
    if isinstance(type_, UTCDateTime):
        return utc
    if isinstance(type_, Float) and not type_.asdecimal:
        # Both drivers give a double precision column as a float already; asyncpg's
        # dialect picks its processor by the type code of a result, which a compiled
        # statement has not got.
        return None
    return type_.dialect_impl(dialect).result_processor(dialect, None)


class _SQLite:
    """Reads on the caller's thread, over one connection of the sync engine's pool (its
    pragmas set on connect: WAL, busy_timeout), kept until `close`."""

    keys_by_place = True
    likely = staticmethod(sqlite_likely)

    def __init__(self, engine: Engine) -> None:
        self._dialect = engine.dialect
        self._pooled = engine.raw_connection()
        connection = self._pooled.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        self._connection = connection

    @staticmethod
    def one_of(
        column: ColumnElement[str], name: str, _values: Sequence[str]
    ) -> ColumnElement[bool]:
        return column.in_(select(func.json_each(bindparam(name)).table_valued("value").c.value))

    def compile(self, statement: Select[Any]) -> _Compiled:
        return _compile(statement, self._dialect, tuples=True, utc=_utc_from_text)

    def events_statement(self, columns: list[ColumnElement[Any]]) -> _Compiled:
        """The ids given walked in turn, each call's events read down the index on
        (call_id, id): oldest first, each row keyed by its call's place among the ids, a
        small integer. A string key per row (the call's id) and the read in call id
        order took ~45 of the call list's ~560 µs. Only if SQLite plans it otherwise
        (no such index) are the rows sorted."""
        given = func.json_each(bindparam("call_ids")).table_valued("key", "value")
        given = given.alias("given")
        statement = select(*columns, given.c.key.label("key")).select_from(
            given.join(call_events, call_events.c.call_id == given.c.value)
        )
        compiled = self.compile(statement)
        if self._walks_the_index(compiled):
            return compiled
        return self.compile(statement.order_by(given.c.key, call_events.c.id))

    def _walks_the_index(self, compiled: _Compiled) -> bool:
        args = ["[]" if name == "call_ids" else None for name in compiled.names]
        plan = [
            row[3] for row in self._connection.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", args)
        ]
        return (
            len(plan) == 2
            and plan[0].startswith("SCAN given ")
            and plan[1].startswith("SEARCH call_events USING ")
            and plan[1].endswith(" INDEX ix_call_events_call_columns (call_id=?)")
        )

    async def fetch(self, compiled: _Compiled, values: dict[str, Any]) -> list[Row]:
        args = compiled.arguments(values, _json_if_list)
        # sqlite3 begins a transaction only before a write: each SELECT is a read
        # transaction of its own, ended by fetchall.
        rows: list[Row] = self._connection.execute(compiled.sql, args).fetchall()
        convert = compiled.convert
        return rows if convert is None else list(map(convert, rows))

    async def close(self) -> None:
        self._pooled.close()


def _as_given(value: Any) -> Any:
    return value


def _json_if_list(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, list | tuple) else value


# `UTCDateTime`'s own processor ends in `datetime.replace(tzinfo=UTC)`, ~1 µs on Python
# 3.11, as long as the rest of a row: these give the same values in a tenth of it.


def _utc_from_text(value: str | None) -> datetime | None:
    """SQLAlchemy's text of a naive datetime on SQLite (what `fromisoformat` reads),
    as UTC."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


_NAIVE_EPOCH = datetime(1970, 1, 1)  # as asyncpg gives a TIMESTAMP
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc_from_naive(value: datetime | None) -> datetime | None:
    return None if value is None else _UTC_EPOCH + (value - _NAIVE_EPOCH)


class _AsyncPG:
    """Reads over asyncpg's connection under a pooled SQLAlchemy one."""

    keys_by_place = False

    likely = None  # PostgreSQL's planner judges by its statistics

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.driver != "asyncpg":
            raise ValueError(f"no projected reads over {engine.dialect.driver}")
        self._engine = engine
        # Connections of the engine's pool kept checked out between reads: taking one
        # from the pool and giving it back (in a greenlet of SQLAlchemy's) cost ~50 µs
        # a read, as much as asyncpg's own work for a call and its events.
        self._idle: list[PoolProxiedConnection] = []

    @staticmethod
    def one_of(
        column: ColumnElement[str], name: str, _values: Sequence[str]
    ) -> ColumnElement[bool]:
        return column == any_(bindparam(name, type_=ARRAY(String)))

    def compile(self, statement: Select[Any]) -> _Compiled:
        return _compile(statement, self._engine.dialect, tuples=False, utc=_utc_from_naive)

    def events_statement(self, columns: list[ColumnElement[Any]]) -> _Compiled:
        """Keyed by the call's id. In id order: PostgreSQL sorts integers faster than
        texts under a collation (0.2 ms against 0.4 for 400 events)."""
        return self.compile(
            select(*columns, call_events.c.call_id.label("key"))
            .where(self.one_of(call_events.c.call_id, "call_ids", ()))
            .order_by(call_events.c.id)
        )

    async def fetch(self, compiled: _Compiled, values: dict[str, Any]) -> list[Row]:
        args = compiled.arguments(values, _as_given)
        pooled = self._idle.pop() if self._idle else await self._engine.raw_connection()
        try:
            asyncpg_connection = pooled.driver_connection
            assert asyncpg_connection is not None
            # SQLAlchemy sets asyncpg's JSON codecs on connect: JSON comes decoded, as
            # through the engine.
            records = await asyncpg_connection.fetch(compiled.sql, *args)
        except BaseException:
            # Left mid-statement (cancelled, or the connection broke): not reused.
            await greenlet_spawn(pooled.invalidate)
            raise
        if len(self._idle) < _READERS_KEPT:
            self._idle.append(pooled)
        else:
            await greenlet_spawn(pooled.close)
        assert compiled.convert is not None
        return list(map(compiled.convert, records))

    async def close(self) -> None:
        while self._idle:
            await greenlet_spawn(self._idle.pop().close)
