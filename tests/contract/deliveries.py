"""A vendor's own webhook deliveries, held back and then sent to Callboard as the test
chooses: in order, again (as a vendor resends after a lost answer), reversed (as a
network reorders them), or with their credential forged.

The simulator's webhooks go out on an httpx client whose transport only records them and
answers 200, so the simulator plays its whole script and never resends; each recorded
request is then sent through Callboard's real webhook route, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.harness import Api
from tests.vendors import Rig

__all__ = [
    "FINAL",
    "Recorder",
    "Sent",
    "call_log",
    "probe",
    "record_the_probe",
    "send",
]

# the statuses a call ends in
FINAL = frozenset(
    {"COMPLETED", "NO_ANSWER", "BUSY", "UNREACHABLE", "REJECTED", "FAILED", "CANCELED"}
)

# what a user sees of the call log: every call, its status and times, its events
_CALL_LOG = """
query($p: ID) {
  calls(provider: $p, first: 100) {
    totalCount
    edges { node { id status direction answeredAt endedAt events { kind status } } }
  }
}"""

# headers httpx sets from the request it builds: sending them again would contradict it
_OWN_HEADERS = frozenset({"host", "content-length"})


class Recorder(httpx.AsyncBaseTransport):
    """Keeps every request and answers each 200, as a receiver that keeps everything."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return httpx.Response(200, text="OK")


async def probe(rig: Rig) -> dict[str, Any]:
    """The kind's probe mutation through GraphQL: its payload."""
    document, field, extra = rig.vendor.probe
    data = await rig.api.query(document, {"input": {"provider": rig.provider_id, **extra}})
    return data[field]  # type: ignore[no-any-return]


async def record_the_probe(rig: Rig) -> list[httpx.Request]:
    """Every webhook delivery the vendor makes about the probe's work, none sent yet."""
    simulator = rig.vendor.simulator
    # The wiring makes the simulator without a client of ours, and the simulator makes
    # its own only when it first posts: until then the recorder can take its place.
    assert simulator._client is None, "the simulator posted before the recorder was in"
    recorder = Recorder()
    simulator._client = httpx.AsyncClient(transport=recorder)
    assert (await probe(rig))["userErrors"] == []
    await rig.vendor.after_probe()
    await simulator.wait_idle()
    assert recorder.requests, f"{rig.vendor.kind} said nothing about the probe's work"
    return list(recorder.requests)


@dataclass(frozen=True)
class Sent:
    """One delivery sent to Callboard, and how it answered."""

    request: httpx.Request
    status_code: int


async def send(api: Api, requests: Iterable[httpx.Request]) -> list[Sent]:
    """Each request, as recorded, through Callboard's webhook route, one after another."""
    answers = []
    for request in requests:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _OWN_HEADERS}
        response = await api.http.request(
            request.method, request.url, content=request.content, headers=headers
        )
        answers.append(Sent(request, response.status_code))
    return answers


async def call_log(rig: Rig) -> dict[str, Any]:
    """The provider's calls as a user reads them back: statuses, times and events."""
    data = await rig.api.query(_CALL_LOG, {"p": rig.provider_id})
    return data["calls"]  # type: ignore[no-any-return]
