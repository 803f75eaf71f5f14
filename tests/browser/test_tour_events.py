"""The README tour's lists of events are those the demo's simulated vendors really send:
the tour's LiraX call and Zvonobot robocall, played on the demo, read back in order."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from callboard.domain.calls import CallEventKind, CallStatus
from callboard.graphiql.tour import TOUR
from tests.browser.conftest import KEY, ROOT
from tests.harness import ThreadedDemo

KINDS = {kind.value for kind in CallEventKind}
STATUSES = {status.value for status in CallStatus}
Event = tuple[str, str | None]  # (kind, status)
EVENTS = "{ calls(first: 1) { edges { node { events { kind status } } } } }"


def _run(served: ThreadedDemo, query: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{served.url}/graphql",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"query": query},
        timeout=30,
    ).json()
    assert "errors" not in answer, answer
    return answer["data"]  # type: ignore[no-any-return]


def _events_once(served: ThreadedDemo, provider: str, last: tuple[str, str | None]) -> list[Event]:
    """The provider's call's events once the `last` one came (the tour's calls are the
    provider's only ones)."""
    query = EVENTS.replace("first: 1", f'first: 1, provider: "{provider}"')
    deadline = time.monotonic() + 20
    while True:
        edges = _run(served, query)["calls"]["edges"]
        events = [(e["kind"], e["status"]) for e in edges[0]["node"]["events"]] if edges else []
        if last in events or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def _tour_step(number: int) -> str:
    """The words of the tour's step `number`, up to its operation."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"**{number}. ")
    return readme[start : readme.index("```graphql", start)]


def _words(text: str, names: set[str]) -> list[str]:
    return [word for word in re.findall(r"[A-Z][A-Z_]+", text) if word in names]


def test_the_tours_lirax_call_sends_the_events_step_3_lists(callboard: ThreadedDemo) -> None:
    _run(callboard, TOUR[2])  # PlaceCall
    events = _events_once(callboard, "lirax-demo", ("RECORDING_READY", None))
    step = _tour_step(3)
    assert [kind for kind, _ in events] == _words(step, KINDS)
    assert ("STATUS_CHANGED", "DIALING") in events
    assert "STATUS_CHANGED (DIALING" in step


def test_the_tours_robocall_sends_the_events_step_5_lists(callboard: ThreadedDemo) -> None:
    (zvonobot,) = [url for label, url in callboard.simulators.items() if label == "Zvonobot"]
    httpx.post(
        f"{zvonobot}/_sim/outcome",
        json={"phone": "79123456789", "outcome": "answered", "answer": 1},
    ).raise_for_status()
    _run(callboard, TOUR[4])  # Robocall
    events = _events_once(callboard, "zvonobot-demo", ("STATUS_CHANGED", "COMPLETED"))
    step = _tour_step(5)
    # "PLACED, then STATUS_CHANGED as the call goes QUEUED, DIALING, IN_PROGRESS and
    # COMPLETED, with IVR_INPUT before COMPLETED"
    changes = [status for kind, status in events if kind == "STATUS_CHANGED"]
    said = step[step.index("STATUS_CHANGED as the call goes") : step.index("IVR_INPUT")]
    assert changes == _words(said, STATUSES)
    assert [kind for kind, _ in events if kind != "STATUS_CHANGED"] == ["PLACED", "IVR_INPUT"]
    assert [kind for kind, _ in events][-2:] == ["IVR_INPUT", "STATUS_CHANGED"]
