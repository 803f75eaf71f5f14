"""What every vendor simulator shares: its background scripts, the HTTP client it posts
webhooks with, its lifespan, and the bits of the wire they all read the same way.

It sits in providers/ beside the vendors' folders rather than in a package of its own:
each vendor's simulator lives in that vendor's folder, next to the client it fakes, and
this module is only what they have in common (as http.py is for the clients).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "Scripts",
    "Simulator",
    "control",
    "control_fields",
    "described",
    "json_object",
    "read_json",
    "same_secret",
    "text_field",
]

log = logging.getLogger(__name__)


class Scripts:
    """The background work of a simulator (calls playing out, webhooks posted later):
    started, awaited and cancelled as one set."""

    def __init__(self, who: str) -> None:
        self._who = who
        self._tasks: set[asyncio.Task[None]] = set()

    def __bool__(self) -> bool:
        return bool(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._reap)
        return task

    def _reap(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s simulator script failed", self._who, exc_info=exc)

    async def wait_idle(self, timeout: float) -> None:  # noqa: ASYNC109 - a plain deadline
        """Until nothing runs, including what running scripts start meanwhile."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _CountRequests:
    """ASGI middleware counting every HTTP request by path."""

    def __init__(self, app: ASGIApp, counter: collections.Counter[str]) -> None:
        self.app, self.counter = app, counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.counter[scope["path"]] += 1
        await self.app(scope, receive, send)


class Simulator:
    """A fake vendor's lifecycle: its Starlette ``app`` (every request counted by path in
    ``requests``), the scripts it runs in the background, one step of them every
    ``step_delay`` seconds, and the HTTP client its webhooks go out on (``http`` if
    given, else one of its own, made when first needed and closed by ``aclose``)."""

    app: Starlette

    def __init__(
        self, who: str, *, http: httpx.AsyncClient | None = None, step_delay: float = 0.0
    ) -> None:
        self._client = http
        self._owns_http = http is None
        self.step_delay = step_delay
        self.requests: collections.Counter[str] = collections.Counter()
        self._background = Scripts(who)

    def _starlette(self, routes: Sequence[BaseRoute]) -> Starlette:
        """The vendor's app: requests counted; scripts stopped when its server stops."""
        return Starlette(
            routes=routes,
            middleware=[Middleware(_CountRequests, counter=self.requests)],
            lifespan=self._lifespan,
        )

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=5)
        return self._client

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - fixed public API
        """Return once every running script (and any it started) has finished."""
        await self._background.wait_idle(timeout)

    async def aclose(self) -> None:
        """Stop every script; close the HTTP client if the simulator made it."""
        await self._stop()
        if self._owns_http and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _stop(self) -> None:
        """Cancel what runs in the background (a simulator with timers cancels them too)."""
        await self._background.cancel_all()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await self._stop()

    async def _step(self) -> None:
        await asyncio.sleep(self.step_delay)

    async def _deliver_with_resends(
        self, attempt: Callable[[int], Awaitable[bool]], *, tries: int, delay: float, backoff: float
    ) -> None:
        """The first try (``attempt(1)``) now, so a call's webhooks go out in order; the
        resends later, ``delay`` seconds apart (times ``backoff`` after each), until one
        gets through or ``tries`` were made."""
        if not await attempt(1):
            self._background.spawn(self._resend(attempt, tries, delay, backoff))

    @staticmethod
    async def _resend(
        attempt: Callable[[int], Awaitable[bool]], tries: int, delay: float, backoff: float
    ) -> None:
        for try_number in range(2, tries + 1):
            await asyncio.sleep(delay)
            if await attempt(try_number):
                return
            delay *= backoff


def described(exc: BaseException) -> str:
    """How a delivery records a receiver it could not reach."""
    return f"{type(exc).__name__}: {exc}"


def same_secret(given: object, expected: str) -> bool:
    """Whether ``given`` is the text ``expected``, compared in constant time."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


async def read_json(request: Request) -> Any:
    """The body as JSON; ValueError when it is not JSON (or nests past Python's limit)."""
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError) as exc:
        raise ValueError("body must be JSON") from exc


async def json_object(request: Request) -> dict[str, Any] | None:
    """The body's JSON object; None when the body is anything else."""
    try:
        body = await read_json(request)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def control_fields(request: Request) -> dict[str, Any]:
    """A control endpoint's JSON object; ValueError (which `control` answers) otherwise."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def text_field(body: Mapping[str, Any], name: str) -> str:
    """A control endpoint's string field; ValueError when it is missing or not a string."""
    value = body.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def control(
    handler: Callable[[Request], Awaitable[object]],
) -> Callable[[Request], Awaitable[Response]]:
    """A control endpoint (the simulator's own, not the vendor's): what the handler
    returns, as JSON; a ValueError it raises, as a 400 with its message."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint
