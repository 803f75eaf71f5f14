"""`callboard demo` makes an endpoint on its echo receiver: a placed call's events show up
as deliveries a newcomer can list."""

from __future__ import annotations

import re

import httpx

from tests.harness import Api
from tests.outbound.documents import DELIVERIES, ENDPOINTS
from tests.outbound.rig import eventually
from tests.processes import free_port, running, wait_healthy

PLACE_CALL = """
mutation($input: PlaceCallInput!) {
  placeCall(input: $input) { call { id } userErrors { message } }
}"""


async def test_the_demo_delivers_call_events_to_its_echo_receiver() -> None:
    port = free_port()
    with running(["demo", "--port", str(port), "--step-delay", "0.05"]) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        async with httpx.AsyncClient(timeout=10) as http:
            api = Api(url=url, settings=None, http=http)  # type: ignore[arg-type]

            async def endpoints() -> list[dict[str, str]]:
                return (await api.query(ENDPOINTS))["webhookEndpoints"]  # type: ignore[no-any-return]

            [endpoint] = await eventually(endpoints)
            placed = await api.query(
                PLACE_CALL,
                {"input": {"provider": "lirax-demo", "agent": "101", "to": "+79123456789"}},
            )
            assert placed["placeCall"]["userErrors"] == []

            async def delivered() -> list[dict[str, str]]:
                nodes = (await api.query(DELIVERIES, {"endpoint": endpoint["id"]}))[
                    "webhookDeliveries"
                ]["nodes"]
                return [n for n in nodes if n["status"] == "SUCCEEDED"]

            assert await eventually(delivered)
    output = process.output  # type: ignore[attr-defined]
    found = re.search(r"echo receiver at (http://\S+)", output)
    assert found, output
    assert endpoint["url"] == f"{found.group(1)}/hooks"
