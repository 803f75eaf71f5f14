"""The demo (Callboard and every vendor simulator) served on a thread of its own, for
tests that throw many hostile requests at it with a plain, blocking client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from callboard.providers.wiring import wired_kinds
from callboard.runtime import Runtime
from tests.harness import demo_on_a_thread


@dataclass
class Demo:
    url: str
    runtime: Runtime
    http: httpx.Client

    def healthy(self) -> None:
        """Fails unless the server still answers, a query as well as its health check."""
        assert self.http.get(f"{self.url}/healthz").status_code == 200
        answer = self.http.post(f"{self.url}/graphql", json={"query": "{ providers { id } }"})
        assert answer.status_code == 200
        assert len(answer.json()["data"]["providers"]) == len(wired_kinds()) == 5


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with demo_on_a_thread(step_delay=0.01) as served, httpx.Client(timeout=30) as http:
        yield Demo(served.url, served.runtime, http)
