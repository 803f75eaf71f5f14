"""A Callboard with a scripted LiraX, and /metrics read as Prometheus reads it."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from callboard.observability import metrics
from tests.harness import Api

HOOK_TOKEN = "hook-token"

LIRAX = {
    "id": "crm",
    "kind": "lirax",
    "base_url": "https://lira.invalid/general",
    "token": "command-token",
    "webhook_token": HOOK_TOKEN,
    "timezone": "Europe/Moscow",
}


@pytest.fixture(autouse=True)
def room_for_operation_names() -> None:
    """The bound on operation names is the process's, and the suite's other tests fill
    it: each test here starts with room for its own."""
    metrics._operations.clear()


def lirax_transport() -> httpx.MockTransport:
    """LiraX placing every makeCall (a fresh id each), answering the rest with 200."""
    placed = itertools.count(1)

    def answer(request: httpx.Request) -> httpx.Response:
        if b"cmd=makeCall" in request.content:
            return httpx.Response(200, json={"id_makecall": f"MC-{next(placed)}"})
        return httpx.Response(200)

    return httpx.MockTransport(answer)


def config(**sections: Any) -> dict[str, Any]:
    return {"providers": [LIRAX], **sections}


async def scrape(api: Api, *, key: str | None = None) -> dict[tuple[str, frozenset[Any]], float]:
    """Every sample of the page: (name, labels) -> value."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await api.http.get(f"{api.url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Mapping[tuple[str, frozenset[Any]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
