"""LiraX call history on the wire: the auth.php session, its renewal, the call_show.php
export, and the calls it becomes."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from callboard.providers.lirax import history
from tests.harness import Api, GraphQLFailed, running_callboard

EXPORT = (
    "call_id;call_date;call_ani;call_dnis;call_type;call_connect;call_duration;call_record\n"
    "H-1;2026-11-20 10:00:00;74950000000;79123456789;1;1;42;https://r.example/H-1.mp3\n"
    "H-2;2026-11-20 11:30:00;79160000001;74950000000;0;0;0;\n"
    ";2026-11-20 12:00:00;no id;;1;1;5;\n"  # a row without an id: skipped
)
HISTORY = """query($from: DateTime!, $to: DateTime!, $direction: CallDirection,
                  $connected: Boolean, $filter: CallHistoryFilter, $value: String) {
  callHistory(provider: "crm", from: $from, to: $to, direction: $direction,
              connected: $connected, filter: $filter, filterValue: $value) {
    id providerCallId direction status from to durationSeconds recordingUrl startedAt endedAt
  } }"""
WEEK = {"from": "2026-11-16T00:00:00+00:00", "to": "2026-11-22T23:59:59+00:00"}


class HistoryServer:
    """auth.php hands out a session cookie; call_show.php wants it and answers CSV."""

    def __init__(self) -> None:
        self.sessions: set[str] = set()
        self.logins: list[dict[str, str]] = []
        self.shows: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/private/api/auth.php":
            form = dict(httpx.QueryParams(request.content.decode()))
            self.logins.append(form)
            if form != {"USER_LOGIN": "api-user", "USER_HASH": "api-password"}:
                return httpx.Response(401, json={"error": "bad login"})
            session = secrets.token_hex(8)
            self.sessions.add(session)
            return httpx.Response(
                200, json={"ok": True}, headers={"set-cookie": f"PHPSESSID={session}; path=/"}
            )
        if request.url.path == "/services/call_show.php":
            self.shows.append(dict(request.url.params))
            cookie = request.headers.get("cookie", "")
            if not any(f"PHPSESSID={s}" in cookie for s in self.sessions):
                return httpx.Response(302, headers={"location": "/login.php"})
            return httpx.Response(200, text=EXPORT, headers={"content-type": "text/csv"})
        return httpx.Response(404)


def config(**options: Any) -> dict[str, Any]:
    return {
        "providers": [
            {
                "id": "crm",
                "kind": "lirax",
                "base_url": "https://lira.invalid/general",
                "token": "t",
                "webhook_token": "w",
                "timezone": "Europe/Kyiv",
                "history_url": "https://lira.invalid",
                "history_login": "api-user",
                "history_password": "api-password",
                **options,
            }
        ]
    }


@pytest.fixture
async def served() -> AsyncIterator[tuple[Api, HistoryServer]]:
    server = HistoryServer()
    async with running_callboard(config(), transports={"crm": httpx.MockTransport(server)}) as api:
        yield api, server


async def test_history_logs_in_once_and_sends_the_pages_parameters(
    served: tuple[Api, HistoryServer],
) -> None:
    api, server = served
    variables = {
        **WEEK,
        "direction": "OUTBOUND",
        "connected": True,
        "filter": "ANI",
        "value": "7495",
    }
    calls = (await api.query(HISTORY, variables))["callHistory"]
    await api.query(HISTORY, WEEK)
    assert len(server.logins) == 1, "the session is reused"
    assert server.shows[0] == {
        "action": "show",
        "date_start": "2026-11-1602:00:00",
        "date_finish": "2026-11-2301:59:59",
        "filter": "call_ani",
        "filter_value": "7495",
        "call_type": "1",
        "call_connect": "1",
        "call_export": "1",
    }
    first, second = calls
    assert first == {
        "id": first["id"],
        "providerCallId": "H-1",
        "direction": "OUTBOUND",
        "status": "COMPLETED",
        "from": "+74950000000",
        "to": "+79123456789",
        "durationSeconds": 42,
        "recordingUrl": "https://r.example/H-1.mp3",
        "startedAt": "2026-11-20T08:00:00+00:00",
        "endedAt": "2026-11-20T08:00:42+00:00",
    }
    assert (second["direction"], second["status"]) == ("INBOUND", "NO_ANSWER")


async def test_history_calls_are_kept_once_in_the_call_log(
    served: tuple[Api, HistoryServer],
) -> None:
    api, _ = served
    first = (await api.query(HISTORY, WEEK))["callHistory"]
    again = (await api.query(HISTORY, WEEK))["callHistory"]
    assert [c["id"] for c in first] == [c["id"] for c in again]
    assert (await api.query("{ calls { totalCount } }"))["calls"]["totalCount"] == 2


async def test_an_ended_session_is_renewed_once(served: tuple[Api, HistoryServer]) -> None:
    api, server = served
    await api.query(HISTORY, WEEK)
    server.sessions.clear()  # LiraX forgot the session early
    await api.query(HISTORY, WEEK)
    assert len(server.logins) == 2


async def test_the_session_is_renewed_before_it_expires(
    served: tuple[Api, HistoryServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, server = served
    monkeypatch.setattr(history, "SESSION_LIFETIME", history.RENEW_MARGIN)  # always stale
    await api.query(HISTORY, WEEK)
    await api.query(HISTORY, WEEK)
    assert len(server.logins) == 2
    assert len(server.shows) == 2, "renewed before asking, not after a refusal"


async def test_wrong_history_credentials_are_a_clear_error() -> None:
    server = HistoryServer()
    async with running_callboard(
        config(history_password="wrong-password"), transports={"crm": httpx.MockTransport(server)}
    ) as api:
        with pytest.raises(GraphQLFailed) as failed:
            await api.query(HISTORY, WEEK)
    assert failed.value.codes == ["PROVIDER_MISCONFIGURED"]
    assert "history_login and history_password" in failed.value.errors[0]["message"]
    assert "wrong-password" not in str(failed.value.errors)


async def test_history_not_configured_is_unsupported() -> None:
    entry = config()
    for key in ("history_url", "history_login", "history_password"):
        del entry["providers"][0][key]
    async with running_callboard(entry) as api:
        with pytest.raises(GraphQLFailed) as failed:
            await api.query(HISTORY, WEEK)
    assert failed.value.codes == ["UNSUPPORTED"]
