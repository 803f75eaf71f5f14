"""A scripted LiraX behind a Callboard, for tests of the exact wire format."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.harness import Api, running_callboard


class Lirax:
    """A scripted LiraX: records each command's form and answers from `replies`."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        self.times: list[float] = []
        self.replies: dict[str, httpx.Response] = {}
        self.queued: dict[str, list[httpx.Response]] = {}  # answered once each, first

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        self.forms.append(form)
        self.times.append(time.monotonic())
        if self.queued.get(form["cmd"]):
            return self.queued[form["cmd"]].pop(0)
        return self.replies.get(form["cmd"], httpx.Response(200))


@pytest.fixture
async def rig() -> AsyncIterator[tuple[Api, Lirax]]:
    lirax = Lirax()
    config = {
        "providers": [
            {
                "id": "crm",
                "kind": "lirax",
                "base_url": "https://lira.invalid/general",
                "token": "command-token",
                "webhook_token": "hook-token",
                "timezone": "Europe/Kyiv",
                "sms_interval": 0.2,  # LiraX's 5 s, scaled down for the tests
            }
        ],
        "inbox": {"recover_seconds": 0.2},  # the inbox loop's 5 s, scaled down likewise
    }
    async with running_callboard(config, transports={"crm": httpx.MockTransport(lirax)}) as api:
        yield api, lirax


def sent(lirax: Lirax) -> dict[str, str]:
    form = dict(lirax.forms[-1])
    assert form.pop("token") == "command-token"
    return form
