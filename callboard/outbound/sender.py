"""One attempt at a delivery: a POST within the timeout, redirects not followed, at most
64 KiB of the answer read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

import httpx

from callboard.outbound.addresses import guarded_transport
from callboard.settings import OutboundSettings

__all__ = ["MAX_ANSWER_BYTES", "Sender"]

# A receiver's answer is read only to finish the exchange: this much, then the rest is
# dropped with the connection.
MAX_ANSWER_BYTES = 64 * 1024
_ERROR_TEXT = 500  # characters of an error kept on the delivery


class Sender:
    def __init__(
        self, settings: OutboundSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        """`transport`: instead of the guarded one (tests)."""
        self._timeout = settings.timeout_seconds
        self._http = httpx.AsyncClient(
            transport=transport
            or guarded_transport(allow_private_networks=settings.allow_private_networks),
            timeout=settings.timeout_seconds,
            follow_redirects=False,
            trust_env=False,  # an HTTP(S)_PROXY in the environment would skip the guard
        )

    async def send(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str | None, float]:
        """The receiver's status (None: no answer), an error, and the milliseconds taken."""
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._http.stream("POST", url, content=body, headers=dict(headers)) as answer,
            ):
                status = answer.status_code
                await _read_some(answer)
        except (TimeoutError, httpx.TimeoutException):
            error = f"no answer within {self._timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_TEXT] or type(exc).__name__
        if status is not None and not 200 <= status < 300 and error is None:
            error = f"HTTP {status}"
            if 300 <= status < 400:
                error += " (redirects are not followed)"
        return status, error, (time.perf_counter() - started) * 1000

    async def aclose(self) -> None:
        await self._http.aclose()


async def _read_some(answer: httpx.Response) -> None:
    read = 0
    async for chunk in answer.aiter_raw():
        read += len(chunk)
        if read >= MAX_ANSWER_BYTES:
            break
