"""The fake LiraX's call history: auth.php sessions and the call_show.php CSV export.

The page shows neither the export nor how an expired session answers; this simulator
answers CSV with a header row (`;`-separated, as Excel in the region writes it) and, for
an unknown or expired session, a 302 to the login page, which is what Callboard's client
assumes (see callboard/providers/lirax/history.py).
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["HistoryCall", "HistoryDesk"]

SESSION_LIFETIME = 15 * 60.0
COLUMNS = (
    "call_id",
    "call_date",
    "call_ani",
    "call_dnis",
    "call_type",
    "call_connect",
    "call_duration",
    "call_record",
    "call_utm_source",
)
_DATE = "%Y-%m-%d%H:%M:%S"  # the page's example: no space between date and time


@dataclass(frozen=True)
class HistoryCall:
    """A finished call as the PBX's history lists it."""

    call_id: str
    started_at: datetime  # the PBX's local time, naive
    ani: str  # the calling number
    dnis: str  # the called number
    outgoing: bool
    connected: bool
    duration: int
    record: str = ""
    utm_source: str = ""


class HistoryDesk:
    """Sessions and the export. `calls` returns what the history holds right now."""

    def __init__(
        self,
        *,
        login: str,
        password: str,
        calls: Callable[[], Iterable[HistoryCall]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.login = login
        self.password = password
        self.session_lifetime = SESSION_LIFETIME
        self.sessions: dict[str, float] = {}  # session id -> when it was opened
        self.logins = 0
        self.exports: list[dict[str, str]] = []  # the query of each export served
        self._calls = calls
        self._clock = clock

    def routes(self) -> list[Route]:
        return [
            Route("/api/private/api/auth.php", self._auth, methods=["POST"]),
            Route("/services/call_show.php", self._show, methods=["GET"]),
        ]

    def end_sessions(self) -> None:
        """Forget every session, as a PBX restart would."""
        self.sessions.clear()

    async def _auth(self, request: Request) -> Response:
        form = await request.form()
        if form.get("USER_LOGIN") != self.login or form.get("USER_HASH") != self.password:
            return JSONResponse({"error": "Wrong login or password"}, status_code=401)
        session = secrets.token_hex(16)
        self.sessions[session] = self._clock()
        self.logins += 1
        response = JSONResponse({"auth": True})
        response.set_cookie("PHPSESSID", session, path="/", httponly=True)
        return response

    async def _show(self, request: Request) -> Response:
        opened = self.sessions.get(request.cookies.get("PHPSESSID", ""))
        if opened is None or self._clock() - opened > self.session_lifetime:
            return RedirectResponse("/login.php", status_code=302)
        query = dict(request.query_params)
        self.exports.append(query)
        try:
            start = datetime.strptime(query.get("date_start", ""), _DATE)
            finish = datetime.strptime(query.get("date_finish", ""), _DATE)
        except ValueError:
            return Response("date_start and date_finish are required", status_code=400)
        if query.get("action") != "show" or query.get("call_export") != "1":
            return Response("unsupported action", status_code=400)
        rows = [c for c in self._calls() if start <= c.started_at <= finish and _kept(c, query)]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        for c in rows:
            writer.writerow(
                [
                    c.call_id,
                    c.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                    c.ani,
                    c.dnis,
                    "1" if c.outgoing else "0",
                    "1" if c.connected else "0",
                    c.duration,
                    c.record,
                    c.utm_source,
                ]
            )
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


def _kept(call: HistoryCall, query: dict[str, str]) -> bool:
    if query.get("call_type") in ("0", "1") and call.outgoing != (query["call_type"] == "1"):
        return False
    if query.get("call_connect") in ("0", "1") and call.connected != (query["call_connect"] == "1"):
        return False
    value = query.get("filter_value", "")
    if not value:
        return True
    fields = {
        "call_ani": [call.ani],
        "call_dnis": [call.dnis],
        "call_ani_dnis": [call.ani, call.dnis],
        "call_utm_source": [call.utm_source],
    }.get(query.get("filter", ""), [])
    return any(value in f for f in fields)
