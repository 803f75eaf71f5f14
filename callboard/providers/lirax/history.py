"""LiraX call history ("Загрузка истории звонков"): a web session, then a CSV export.

What the page says: log in at `{history_url}/api/private/api/auth.php` with USER_LOGIN and
USER_HASH; the answer sets a session cookie that lives 15 minutes and goes back with every
request; calls come from `{history_url}/services/call_show.php?action=show&...&call_export=1`
with the filters below. Its example writes dates with no space between day and time
(`2016-12-0600:00:00`), and so does this client.

What it does not say, and is assumed:
- the export is CSV with a header row (`,` or `;`); columns are found by name, in any
  order, with the names below or without their `call_` prefix; rows that cannot be read
  are skipped, never the whole export;
- an expired or refused session answers 401/403, redirects, or returns the login page
  (HTML): any of these logs in again, once, and retries.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from callboard.domain.calls import CallDirection, CallEventKind, CallSignal, CallStatus
from callboard.domain.errors import BadInput, ProviderMisconfigured, ProviderUnavailable
from callboard.domain.history import HistoryQuery
from callboard.domain.phones import parse_vendor_phone
from callboard.providers.http import send

__all__ = ["FILTER_FIELDS", "HistoryClient", "HistoryRow", "history_params", "parse_export"]

# The page's list of fields `filter` may name.
FILTER_FIELDS = (
    "call_ani",
    "call_dnis",
    "call_ani_dnis",
    "call_originip",
    "call_destination",
    "call_origination",
    "call_utm_source",
    "call_utm_medium",
    "call_utm_campaign",
    "call_utm_term",
)
SESSION_LIFETIME = 15 * 60.0
RENEW_MARGIN = 60.0  # renewed this long before it would expire
_DATE = "%Y-%m-%d%H:%M:%S"  # as the page's example writes it


def history_params(query: HistoryQuery, zone: ZoneInfo) -> dict[str, str]:
    if query.date_to < query.date_from:
        raise BadInput("`to` is before `from`.", field="to")
    if query.filter_field is not None and query.filter_field not in FILTER_FIELDS:
        raise BadInput(f"`filter` must be one of {', '.join(FILTER_FIELDS)}.", field="filter")
    call_type = {None: "", CallDirection.INBOUND: "0", CallDirection.OUTBOUND: "1"}
    return {
        "action": "show",
        "date_start": query.date_from.astimezone(zone).strftime(_DATE),
        "date_finish": query.date_to.astimezone(zone).strftime(_DATE),
        "filter": query.filter_field or "call_ani_dnis",
        "filter_value": query.filter_value or "",
        "call_type": call_type[query.direction],
        "call_connect": "" if query.connected is None else str(int(query.connected)),
        "call_export": "1",
    }


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One call of the export, normalized."""

    call_id: str
    started_at: datetime | None
    direction: CallDirection
    from_number: str | None
    to_number: str | None
    duration_seconds: int | None
    status: CallStatus
    recording_url: str | None
    raw: Mapping[str, str]


class HistoryClient:
    def __init__(
        self, http: httpx.AsyncClient, *, root: str, login: str, password: str, who: str
    ) -> None:
        self._http = http
        self._root = root.rstrip("/")
        self._login = login
        self._password = password
        self._who = who
        self._cookies: httpx.Cookies | None = None
        self._logged_in_at = 0.0
        self.logins = 0  # how many sessions were opened (for tests and logs)

    def __repr__(self) -> str:
        return f"<HistoryClient {self._who}>"

    async def export(self, query: HistoryQuery, zone: ZoneInfo) -> str:
        params = history_params(query, zone)
        if self._session_stale():
            await self._log_in()
        response = await self._show(params)
        if _refused(response):
            await self._log_in()  # the session ended early: once more, with a fresh one
            response = await self._show(params)
            if _refused(response):
                raise ProviderMisconfigured(
                    f"{self._who} refused the call history session: check history_login "
                    "and history_password.",
                    vendor_code=str(response.status_code),
                )
        if response.status_code >= 300:
            raise ProviderUnavailable(
                f"{self._who} answered the call history with HTTP {response.status_code}."
            )
        return response.text

    def _session_stale(self) -> bool:
        age = time.monotonic() - self._logged_in_at
        return self._cookies is None or age > SESSION_LIFETIME - RENEW_MARGIN

    async def _log_in(self) -> None:
        request = self._http.build_request(
            "POST",
            f"{self._root}/api/private/api/auth.php",
            data={"USER_LOGIN": self._login, "USER_HASH": self._password},
        )
        response = await send(self._http, request, who=self._who)
        if response.status_code >= 300 or not response.cookies:
            raise ProviderMisconfigured(
                f"{self._who} refused the call history login (HTTP {response.status_code}): "
                "check history_login and history_password.",
                vendor_code=str(response.status_code),
            )
        self._cookies = httpx.Cookies(response.cookies)
        self._logged_in_at = time.monotonic()
        self.logins += 1

    async def _show(self, params: dict[str, str]) -> httpx.Response:
        request = self._http.build_request(
            "GET", f"{self._root}/services/call_show.php", params=params
        )
        assert self._cookies is not None
        self._cookies.set_cookie_header(request)
        return await send(self._http, request, who=self._who)


def _refused(response: httpx.Response) -> bool:
    if response.status_code in (301, 302, 303, 307, 401, 403):
        return True
    content_type = response.headers.get("content-type", "")
    return "html" in content_type or response.text.lstrip().lower().startswith(
        ("<!doctype", "<html")
    )


_COLUMNS = {
    "id": ("call_id", "id", "callid", "call_uid"),
    "date": ("call_date", "date", "call_start", "start", "datetime"),
    "ani": ("call_ani", "ani", "from", "phone"),
    "dnis": ("call_dnis", "dnis", "to"),
    "type": ("call_type", "type", "direction"),
    "connect": ("call_connect", "connect", "connected"),
    "duration": ("call_duration", "duration", "billsec"),
    "record": ("call_record", "record_link", "record", "recording"),
}


def parse_export(text: str, *, zone: ZoneInfo, region: str) -> list[HistoryRow]:
    body = text.lstrip("\ufeff").strip()
    if not body:
        return []
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(body.splitlines()[0], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(body), dialect=dialect)
    rows = []
    for record in reader:
        fields = {str(k).strip().lower(): (v or "").strip() for k, v in record.items() if k}
        row = _row(fields, zone, region)
        if row is not None:
            rows.append(row)
    return rows


def _row(fields: dict[str, str], zone: ZoneInfo, region: str) -> HistoryRow | None:
    def pick(name: str) -> str:
        return next((fields[c] for c in _COLUMNS[name] if fields.get(c)), "")

    call_id = pick("id")
    if not call_id:
        return None
    kind = pick("type").lower()
    inbound = kind in ("0", "in", "incoming", "входящий")
    connected = pick("connect").lower() in ("1", "yes", "true")
    try:
        duration: int | None = int(float(pick("duration")))
    except ValueError:
        duration = None
    return HistoryRow(
        call_id=call_id,
        started_at=_when(pick("date"), zone),
        direction=CallDirection.INBOUND if inbound else CallDirection.OUTBOUND,
        from_number=parse_vendor_phone(pick("ani"), region),
        to_number=parse_vendor_phone(pick("dnis"), region),
        duration_seconds=duration,
        status=CallStatus.COMPLETED if connected else CallStatus.NO_ANSWER,
        recording_url=pick("record") or None,
        raw=fields,
    )


def _when(text: str, zone: ZoneInfo) -> datetime | None:
    for pattern in ("%Y-%m-%d %H:%M:%S", _DATE, "%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    return None


def row_signal(row: HistoryRow, *, fetched_at: datetime) -> CallSignal:
    """A finished call as the history tells it (occurred_at = when it started)."""
    return CallSignal(
        refs=(row.call_id,),
        kind=CallEventKind.COMPLETED
        if row.status is CallStatus.COMPLETED
        else CallEventKind.FAILED,
        occurred_at=row.started_at or fetched_at,
        status=row.status,
        direction=row.direction,
        from_number=row.from_number,
        to_number=row.to_number,
        duration_seconds=row.duration_seconds,
        recording_url=row.recording_url,
        raw=dict(row.raw),
    )
