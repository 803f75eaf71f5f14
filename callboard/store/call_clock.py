"""The times the call log stamps its changes with (`updated_at`): never the same twice,
never going back, so a client that polls `calls(updatedAfter:)` with the last time it saw
misses no later change.

Writes to the call log run one at a time under the write lock (store/write_lock.py), and
each takes its stamps inside its transaction: a later commit has later stamps. The clock
starts from the newest stamp kept (a restart with the system clock behind); on PostgreSQL,
where other instances write too, it reads that again in every transaction, under the
lock they share.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from callboard.store.tables import calls

__all__ = ["ChangeClock"]

_TICK = timedelta(microseconds=1)  # what both databases keep of a time


class ChangeClock:
    def __init__(self, *, shared: bool) -> None:
        """`shared`: other instances write to the same database."""
        self._shared = shared
        self._last: datetime | None = None
        self._unread: Connection | None = None  # a transaction's, until it reads the newest

    def begin(self, conn: Connection) -> None:
        """At the start of a write transaction, under the write lock. The newest stamp
        kept is read at its first `stamp`: a delivery that changes no call reads nothing."""
        if self._last is None or self._shared:
            self._unread = conn

    def stamp(self) -> datetime:
        """The time of a change now: later than every one stamped before."""
        if self._unread is not None:
            conn, self._unread = self._unread, None
            kept = conn.execute(select(func.max(calls.c.updated_at))).scalar_one_or_none()
            if kept is not None and (self._last is None or kept > self._last):
                self._last = kept
        now = datetime.now(UTC)
        self._last = now if self._last is None or now > self._last else self._last + _TICK
        return self._last
