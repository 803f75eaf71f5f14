"""A webhook receiver on loopback for the tests: verifies each delivery with the
`standardwebhooks` package, as a client's receiver would, and keeps what it got."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    webhook_id: str
    payload: dict[str, Any]


class Clock:
    """The time outgoing webhooks are scheduled by, moved on by the test."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


@dataclass
class Receiver:
    """One path per endpoint (`/hooks/{name}`); `answer(name)` says the HTTP status."""

    secrets: dict[str, str] = field(default_factory=dict)  # name -> whsec_...
    got: dict[str, list[Received]] = field(default_factory=lambda: defaultdict(list))
    refused: list[str] = field(default_factory=list)  # why signatures did not verify
    answer: Callable[[str], int] = lambda name: 200
    delay: float = 0  # seconds each answer takes
    # awaited with the endpoint's name before each (verified) request is answered
    arrive: Callable[[str], Awaitable[None]] | None = None

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks/{name}", self._receive, methods=["POST"])])

    async def _receive(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        try:
            payload = Webhook(self.secrets[name]).verify(body, dict(request.headers))
        except (KeyError, WebhookVerificationError) as exc:
            self.refused.append(f"{name}: {exc!r}")
            return Response(status_code=400)
        if self.arrive is not None:
            await self.arrive(name)
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.answer(name)
        if status == 200:
            self.got[name].append(Received(request.headers["webhook-id"], payload))
        return Response(json.dumps({"ok": status == 200}), status_code=status)

    def unique(self, name: str) -> list[Received]:
        """What `name` got, each webhook-id once (as a receiver dedups)."""
        seen: dict[str, Received] = {}
        for item in self.got[name]:
            seen.setdefault(item.webhook_id, item)
        return list(seen.values())
