"""The demo's built-in webhook receiver: it answers every delivery 200 and shows the last
ones it got at `GET /`, so a newcomer sees a subscription leave as signed webhooks."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["EchoReceiver"]

_SIGNING = ("webhook-id", "webhook-timestamp", "webhook-signature")


class EchoReceiver:
    def __init__(self, keep: int = 50) -> None:
        self.received: deque[dict[str, Any]] = deque(maxlen=keep)

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self._show, methods=["GET"]),
                Route("/hooks", self._receive, methods=["POST"]),
            ]
        )

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = body.decode(errors="replace")
        headers = {name: request.headers.get(name) for name in _SIGNING}
        self.received.append({"headers": headers, "body": payload})
        return JSONResponse({"received": True})

    async def _show(self, request: Request) -> Response:
        return JSONResponse(list(reversed(self.received)))
