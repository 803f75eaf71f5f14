"""What a `calls` listing selects and in which order: the filter its pages and its count
share, and where a page starts (store/calls.py and store/call_rows.py both read by it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    ColumnElement,
    bindparam,
    func,
    or_,
    tuple_,
)

from callboard.domain.calls import CallDirection, CallStatus
from callboard.store.tables import UTCDateTime, calls

__all__ = [
    "CallFilter",
    "ChangePosition",
    "Likely",
    "OneOf",
    "page_order",
    "page_start",
    "sqlite_likely",
]

# How a condition says "`column` is one of the values bound as `name`".
OneOf = Callable[[ColumnElement[str], str, Sequence[str]], ColumnElement[bool]]
# How a read tells the database's planner that a condition holds for most rows (SQLite's
# likely()), so it walks the index of the page's order rather than select by it and sort.
Likely = Callable[[ColumnElement[bool]], ColumnElement[bool]]


def _as_is(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return condition


def sqlite_likely(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return func.likely(condition, type_=Boolean)


def _in(column: ColumnElement[str], name: str, values: Sequence[str]) -> ColumnElement[bool]:
    return column.in_(bindparam(name, values, expanding=True))


# Larger than any seq either database keeps (SQLite's INTEGER has 64 bits).
_LAST_SEQ = 2**63 - 1


def _time(name: str, value: datetime | None) -> BindParameter[datetime]:
    return bindparam(name, value, type_=UTCDateTime())


@dataclasses.dataclass(frozen=True, slots=True)
class CallFilter:
    """The calls a listing selects (None: any); its pages and its count read the same.
    Times are strict bounds: `started_after` selects calls started after that instant."""

    provider_ids: Collection[str] | None = None
    phone: str | None = None  # E.164, either end of the call
    status: CallStatus | None = None
    direction: CallDirection | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    # Calls changed after this instant, listed in the order of changes, oldest first.
    updated_after: datetime | None = None

    @property
    def by_change(self) -> bool:
        """Whether the pages follow the order of changes (else: newest call first)."""
        return self.updated_after is not None

    def parameters(self, after_change: ChangePosition | None = None) -> dict[str, Any]:
        """The values the filter compares with, by the names `conditions` binds them as;
        its keys are the filter's shape. `after_change`: where a page by change starts."""
        found: dict[str, Any] = {}
        if self.provider_ids is not None:
            found["provider_ids"] = list(self.provider_ids)
        if self.phone is not None:
            found["phone"] = self.phone
        if self.status is not None:
            found["status"] = self.status.value
        if self.direction is not None:
            found["direction"] = self.direction.value
        for name in ("started_after", "started_before"):
            if (value := getattr(self, name)) is not None:
                found[name] = value
        if self.updated_after is not None:
            start = self._change_start(after_change)
            found.update(after_updated=start.updated_at, after_seq=start.seq)
        return found

    def _change_start(self, after_change: ChangePosition | None) -> ChangePosition:
        """The later of `updated_after` and `after_change`: one place to read from, so
        the database walks the order of changes from there (two bounds, and it may walk
        from the earlier: from `updated_after` for every page of a long listing)."""
        assert self.updated_after is not None
        # Every call changed at `updated_after` comes before this place.
        floor = ChangePosition(self.updated_after, _LAST_SEQ)
        if after_change is None or (after_change.updated_at, after_change.seq) < (
            floor.updated_at,
            floor.seq,
        ):
            return floor
        return after_change

    def conditions(
        self,
        one_of: OneOf = _in,
        after_change: ChangePosition | None = None,
        *,
        likely: Likely | None = None,
    ) -> list[ColumnElement[bool]]:
        """Each value bound as named in `parameters()`: a statement built from them has
        the same SQL for every filter of the same shape, so the projected reads
        (store/call_rows.py) compile it once and bind `parameters()` to it. `one_of`:
        their form of IN, the same SQL for any number of values. `after_change`: the
        place a page by change starts after (None: the first page).

        `likely`, for a page's reads (a count is best served by the indexes it selects
        by): the scope of several providers (where the page is by change or by a range
        of start times open at one end: the older listings read as they did), and such a
        range, hold for most calls as far as a page goes. Without it SQLite reads every
        call of the scope or the range and sorts them (~50 ms for 200,000 calls), where
        walking the page's order fills a page from the first rows it meets; a range
        closed at both ends is usually narrow: selected, then sorted."""
        values = self.parameters(after_change)
        found: list[ColumnElement[bool]] = []
        open_range = ("started_after" in values) != ("started_before" in values)
        if likely is None:
            likely = _as_is
        if "provider_ids" in values:
            scope = one_of(calls.c.provider_id, "provider_ids", values["provider_ids"])
            several = len(values["provider_ids"]) != 1
            found.append(likely(scope) if several and (self.by_change or open_range) else scope)
        if "phone" in values:
            phone: BindParameter[str] = bindparam("phone", values["phone"])
            found.append(or_(calls.c.from_number == phone, calls.c.to_number == phone))
        for name in ("status", "direction"):
            if name in values:
                found.append(calls.c[name] == bindparam(name, values[name]))
        started = []
        if "started_after" in values:
            started.append(calls.c.started_at > _time("started_after", self.started_after))
        if "started_before" in values:
            started.append(calls.c.started_at < _time("started_before", self.started_before))
        found.extend(map(likely, started) if open_range else started)
        if "after_updated" in values:
            # A row value: both databases walk (updated_at, seq) of an index from it.
            found.append(
                tuple_(calls.c.updated_at, calls.c.seq)
                > tuple_(
                    _time("after_updated", values["after_updated"]),
                    bindparam("after_seq", values["after_seq"], type_=BigInteger()),
                )
            )
        return found


@dataclasses.dataclass(frozen=True, slots=True)
class ChangePosition:
    """A call's place in the order of changes: its `updated_at`, then its `seq` (two
    calls changed at the same instant keep one order). A page of `updatedAfter` starts
    after one."""

    updated_at: datetime
    seq: int


def page_order(where: CallFilter) -> list[ColumnElement[Any]]:
    if where.by_change:
        return [calls.c.updated_at, calls.c.seq]
    return [calls.c.seq.desc()]


def page_start(before_seq: int | None) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    """Where a newest-first page starts (a page by change starts where its filter says,
    `CallFilter.conditions(after_change=...)`): the conditions (none for the first page)
    and the values they bind, by name."""
    if before_seq is None:
        return [], {}
    return [calls.c.seq < bindparam("before_seq", before_seq)], {"before_seq": before_seq}
