"""GET /metrics: what an operator's Prometheus scrapes, counted as requests happen."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from tests.harness import FROM_START, next_event, running_callboard
from tests.lirax_hooks import call_completed
from tests.observability.conftest import HOOK_TOKEN, config, lirax_transport, scrape, value
from tests.queries import CALL_EVENTS, PLACE_CALL

PLACE = {"input": {"provider": "crm", "agent": "101", "to": "+79123456789"}}


async def test_requests_vendor_calls_webhooks_and_errors_are_counted() -> None:
    async with running_callboard(config(), transports={"crm": lirax_transport()}) as api:
        before = await scrape(api)
        await api.query("query Providers { providers { id } }")
        await api.query("query Providers { providers { id } }")
        await api.query("{ providers { id } }")  # unnamed
        placed = await api.query(PLACE_CALL.replace("mutation(", "mutation Place(", 1), PLACE)
        assert placed["placeCall"]["call"]["status"] == "QUEUED"
        failed = await api.post('query Missing { call(id: "nonsense") { id } }')
        (error,) = failed.json()["errors"]
        invalid = await api.post("query Invalid { nowhere }")
        assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        hook = await api.http.post(
            f"{api.webhook_base}/crm", data=call_completed("OBS-1", HOOK_TOKEN)
        )
        assert hook.status_code == 200
        forged = await api.http.post(f"{api.webhook_base}/crm", data=call_completed("OBS-2", "x"))
        assert forged.status_code >= 400
        assert (await api.http.post(f"{api.webhook_base}/nobody", data={})).status_code == 404
        after = await scrape(api)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "callboard_graphql_requests_total"
    assert grew(requests, operation="Providers", outcome="ok") == 2
    assert grew(requests, operation="Place", outcome="ok") == 1
    assert grew(requests, operation="Missing", outcome="error") == 1
    # unnamed, and never run (invalid): one label, whatever name the document gives
    assert grew(requests, operation="(other)", outcome="ok") == 1
    assert grew(requests, operation="(other)", outcome="refused") == 1
    assert grew(requests, operation="Invalid", outcome="refused") == 0
    latency = "callboard_graphql_request_duration_seconds_count"
    assert grew(latency, operation="Providers", outcome="ok") == 2
    assert grew("callboard_graphql_errors_total", code=error["extensions"]["code"]) == 1
    assert grew("callboard_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1

    vendor = {"provider": "crm", "operation": "makeCall"}
    assert grew("callboard_vendor_requests_total", **vendor, outcome="ok") == 1
    assert grew("callboard_vendor_request_duration_seconds_count", **vendor) == 1

    webhooks = "callboard_webhooks_received_total"
    assert grew(webhooks, provider="crm", outcome="accepted") == 1
    assert grew(webhooks, provider="crm", outcome="rejected") == 1
    assert grew(webhooks, provider="(unknown)", outcome="rejected") == 1
    # the placed call's PLACED, the webhook's call events
    assert grew("callboard_events_published_total") >= 2
    assert value(after, "callboard_inbox_unprocessed") == 0


async def test_subscriptions_open_and_the_inbox_are_read_at_scrape_time() -> None:
    inbox = {"process": False}  # deliveries kept, left for another instance
    async with running_callboard(config(inbox=inbox), transports={"crm": lirax_transport()}) as api:
        idle = value(await scrape(api), "callboard_subscriptions_open")
        async with api.subscription(CALL_EVENTS, {"after": FROM_START}) as events:
            await api.query(PLACE_CALL, PLACE)
            assert (await next_event(events))["callEvents"]["kind"] == "PLACED"
            hook = await api.http.post(
                f"{api.webhook_base}/crm", data=call_completed("OBS-3", HOOK_TOKEN)
            )
            assert hook.status_code == 200
            samples = await scrape(api)
            assert value(samples, "callboard_subscriptions_open") == idle + 1
            assert value(samples, "callboard_inbox_unprocessed") == 1
        for _ in range(200):  # the server notices the closed WebSocket soon after
            if value(await scrape(api), "callboard_subscriptions_open") == idle:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the subscription is still counted as open")


async def test_with_a_key_the_page_needs_it() -> None:
    key = "metrics-key-0123456789"
    async with running_callboard(config(metrics={"key": key})) as api:
        refused = await api.http.get(f"{api.url}/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        wrong = await api.http.get(
            f"{api.url}/metrics", headers={"Authorization": "Bearer not-the-key-at-all"}
        )
        assert wrong.status_code == 401
        assert "callboard_graphql_requests_total" in {
            name for name, _ in await scrape(api, key=key)
        }


async def test_disabled_there_is_no_page() -> None:
    async with running_callboard(config(metrics={"enabled": False})) as api:
        assert (await api.http.get(f"{api.url}/metrics")).status_code == 404


async def test_operation_names_past_the_bound_share_one_label() -> None:
    async with running_callboard(config()) as api:
        before = await scrape(api)
        # distinct valid names, far more than any real client has
        for n in range(220):
            await api.query(f"query Op{n} {{ providers {{ id }} }}")
        after = await scrape(api)
    requests = "callboard_graphql_requests_total"
    named = {
        dict(labels)["operation"]
        for name, labels in after
        if name == requests and dict(labels)["operation"].startswith("Op")
    }
    assert len(named) == 200
    other = {"operation": "(other)", "outcome": "ok"}
    assert value(after, requests, **other) - value(before, requests, **other) == 20


def test_processes_sharing_a_multiprocess_directory_are_summed(tmp_path: Path) -> None:
    """Workers on one host: each writes its own counts, any of them answers the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = textwrap.dedent(
        """
        from callboard.observability.metrics import (
            SUBSCRIPTIONS_OPEN, mark_process_dead, observe_vendor
        )
        observe_vendor("crm", "makeCall", "ok", 0.01)
        SUBSCRIPTIONS_OPEN.inc()
        mark_process_dead()  # as the app's lifespan does when it stops
        """
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    render = "import sys; from callboard.observability.metrics import page; " + (
        "sys.stdout.write(page().decode())"
    )
    text = subprocess.run(
        [sys.executable, "-c", render],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    assert (
        'callboard_vendor_requests_total{operation="makeCall",outcome="ok",provider="crm"} 2.0'
        in text
    )
    # the counting processes have ended: their open subscriptions are not counted
    assert "callboard_subscriptions_open 0.0" in text


async def test_the_demo_page_is_served_without_a_key() -> None:
    async with running_callboard(config()) as api, httpx.AsyncClient() as http:
        response = await http.get(f"{api.url}/metrics")
    assert response.status_code == 200
    assert "# TYPE callboard_vendor_requests_total counter" in response.text
