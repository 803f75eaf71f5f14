"""What every vendor's webhooks must do, whatever the kind: a resend adds nothing, a forged
delivery is refused and changes nothing, and a status once final stays, in whatever order
the deliveries come. Each kind's own deliveries (its simulator's, about its probe's work)
go through Callboard's real webhook route; the call log is read back through GraphQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from tests.contract.conftest import WEBHOOK_KINDS
from tests.contract.deliveries import FINAL, call_log, record_the_probe, send
from tests.vendors import Rig, post_webhook, vendor_rig


def answered(sent: list[Any]) -> list[int]:
    return [s.status_code for s in sent]


# An end judged before its answer arrived (While1's outgoing_end without fail_reason,
# overtaking dial_answer) was told as FAILED and cannot be untold: the kind of the end
# follows the order, whether there is one does not.
_ENDS = {"COMPLETED": "an end", "FAILED": "an end", "ENDED": "an end"}


def outcome(log: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What the call log says happened, apart from ids and the order events were kept
    in: each call's status, direction, whether it was answered and ended, the kinds of
    its events (an event's status is the call's after it, so it follows the order)."""
    return sorted(
        (
            node["status"],
            node["direction"],
            node["answeredAt"] is not None,
            node["endedAt"] is not None,
            tuple(sorted(Counter(_ENDS.get(e["kind"], e["kind"]) for e in node["events"]).items())),
        )
        for node in (edge["node"] for edge in log["edges"])
    )


def moved_on_evidence(before: str, node: dict[str, Any]) -> bool:
    """The one final status that may move: NO_ANSWER, judged from an end that did not say
    how, becomes COMPLETED when the answer arrives after it (domain.call_outcomes.settle)."""
    return (before, node["status"]) == ("NO_ANSWER", "COMPLETED") and node["answeredAt"]


def final_statuses(log: dict[str, Any]) -> dict[str, str]:
    """Each call's status, for the calls whose status is final."""
    nodes = (edge["node"] for edge in log["edges"])
    return {node["id"]: node["status"] for node in nodes if node["status"] in FINAL}


async def test_every_delivery_sent_again_is_answered_200_and_adds_nothing(
    webhook_rig: Rig,
) -> None:
    """A vendor resends what it thinks was lost (Zvonobot and Twin24 until they get a
    200): the same delivery again must be taken, and kept once."""
    deliveries = await record_the_probe(webhook_rig)
    before = await call_log(webhook_rig)
    assert answered(await send(webhook_rig.api, deliveries)) == [200] * len(deliveries)
    kept = await call_log(webhook_rig)
    assert kept != before, "the deliveries were kept"
    assert final_statuses(kept), "the call the probe made ended"
    events = sum(len(edge["node"]["events"]) for edge in kept["edges"])
    assert events > sum(len(edge["node"]["events"]) for edge in before["edges"])

    again = await send(webhook_rig.api, deliveries)
    assert answered(again) == [200] * len(deliveries), "taken, so the vendor stops resending"
    assert await call_log(webhook_rig) == kept, "a resend adds no call, event or change"


async def test_a_forged_webhook_is_refused_and_changes_nothing(webhook_rig: Rig) -> None:
    rig = webhook_rig
    response = await post_webhook(
        rig.api, rig.provider_id, method=rig.vendor.webhook_method, **rig.vendor.forged_webhook()
    )
    assert response.status_code in (401, 403)
    data = await rig.api.query("{ calls { totalCount } }")
    assert data["calls"]["totalCount"] == 0


def forged(request: httpx.Request, credential: str) -> httpx.Request:
    """The request with its credential (in its URL or its body) replaced."""
    url, body = str(request.url), request.content
    assert credential in url or credential.encode() in body, "the delivery carries it"
    fake = "forged-" + credential[::-1]
    return httpx.Request(
        request.method,
        url.replace(credential, fake),
        headers=request.headers,
        content=body.replace(credential.encode(), fake.encode()),
    )


async def test_every_delivery_with_a_forged_credential_is_refused_and_changes_nothing(
    webhook_rig: Rig,
) -> None:
    deliveries = await record_the_probe(webhook_rig)
    (credential,) = webhook_rig.vendor.webhook_auth.values()
    before = await call_log(webhook_rig)
    refused = await send(webhook_rig.api, [forged(d, credential) for d in deliveries])
    for code in answered(refused):
        assert code in (401, 403)
    assert await call_log(webhook_rig) == before, "nothing kept, nothing changed"
    # the very same deliveries, genuine, are kept: it was the credential that was refused
    assert answered(await send(webhook_rig.api, deliveries)) == [200] * len(deliveries)
    assert await call_log(webhook_rig) != before


@pytest.mark.parametrize("kind", WEBHOOK_KINDS)
async def test_a_status_once_final_stays_whatever_order_the_deliveries_come_in(
    kind: str,
) -> None:
    """Deliveries overtake each other (a resend of an early one comes after the last):
    sent last-first, the call reaches its final status at once and keeps it, and ends
    as it does when they come in order."""
    async with vendor_rig(kind) as rig:
        in_order = await record_the_probe(rig)
        await send(rig.api, in_order)
        expected = outcome(await call_log(rig))

    async with vendor_rig(kind) as rig:
        reversed_ = (await record_the_probe(rig))[::-1]
        assert len(reversed_) == len(in_order), "the vendor plays the probe the same way"
        reached: dict[str, str] = {}  # call id -> the final status it reached
        kept_since: dict[str, int] = {}  # call id -> its events when last read
        later_kept = False
        for delivery in reversed_:
            assert answered(await send(rig.api, [delivery])) == [200]
            log = await call_log(rig)
            now = {edge["node"]["id"]: edge["node"] for edge in log["edges"]}
            for call_id, status in reached.items():
                if call_id in now:  # gone: the vendor's ids joined it to another call
                    if moved_on_evidence(status, now[call_id]):
                        reached[call_id] = status = now[call_id]["status"]
                    assert now[call_id]["status"] == status, "a final status moved back"
                    events = len(now[call_id]["events"])
                    later_kept |= events > kept_since[call_id]
                    kept_since[call_id] = events
            for call_id, status in final_statuses(log).items():
                if call_id not in reached:
                    reached[call_id] = status
                    kept_since[call_id] = len(now[call_id]["events"])
        assert reached, "some delivery carried the final status"
        assert later_kept, "deliveries about earlier steps, coming after it, were kept too"
        assert outcome(await call_log(rig)) == expected
