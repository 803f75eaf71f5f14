"""A mock vendor for client tests: answers with a handler, remembers every request; and
httpx clients on such mocks, closed when the test ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["Handler", "MockHttp", "Vendor"]

Handler = Callable[[httpx.Request], httpx.Response]


class Vendor:
    """Answers with `handler`; `requests` holds every request, body read."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.handler(request)


class MockHttp:
    """Makes httpx clients whose transport is a `Vendor`; `aclose` closes them all."""

    def __init__(self) -> None:
        self._opened: list[httpx.AsyncClient] = []

    def client(self, handler: Handler, **options: Any) -> tuple[httpx.AsyncClient, Vendor]:
        vendor = Vendor(handler)
        http = httpx.AsyncClient(transport=httpx.MockTransport(vendor), **options)
        self._opened.append(http)
        return http, vendor

    async def aclose(self) -> None:
        for http in self._opened:
            await http.aclose()
