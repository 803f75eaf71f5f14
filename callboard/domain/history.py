"""Asking a vendor for its record of past calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callboard.domain.calls import CallDirection


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    date_from: datetime
    date_to: datetime
    filter_field: str | None = None  # the vendor's own field name
    filter_value: str | None = None
    direction: CallDirection | None = None
    connected: bool | None = None
