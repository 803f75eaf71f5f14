"""The command line as a newcomer meets it: `schema`, `demo`, `serve`, and the Dockerfile."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.api.zvonobot_queries import START as START_ROBOCALL
from tests.harness import Api, next_event
from tests.processes import ROOT, free_port, running, wait_healthy
from tests.queries import CALL_EVENTS, PLACE_CALL


def test_schema_prints_the_sdl() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "callboard", "schema"], capture_output=True, text=True, check=True
    )
    for name in (
        "type Query",
        "placeCall(input: PlaceCallInput!): PlaceCallPayload!",
        "callEvents(",
        "enum ProviderKind",
    ):
        assert name in result.stdout


def test_demo_refuses_a_non_loopback_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "callboard", "demo", "--host", "0.0.0.0"],  # noqa: S104
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "loopback only" in result.stderr


@contextlib.asynccontextmanager
async def demo() -> AsyncIterator[tuple[Api, subprocess.Popen[str]]]:
    """`callboard demo` in a subprocess, with quick simulators, and a client for it."""
    port = free_port()
    with running(["demo", "--port", str(port), "--step-delay", "0.05"]) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        async with httpx.AsyncClient(timeout=10) as http:
            yield Api(url=url, settings=None, http=http), process  # type: ignore[arg-type]


async def test_demo_places_a_call_and_streams_its_events() -> None:
    async with demo() as (api, process):
        url, http = api.url, api.http
        providers = await api.query("{ providers { id kind } }")
        (lirax,) = [p for p in providers["providers"] if p["kind"] == "LIRAX"]
        placed = await api.query(
            PLACE_CALL,
            {"input": {"provider": lirax["id"], "agent": "101", "to": "+79123456789"}},
        )
        call_id = placed["placeCall"]["call"]["id"]
        async with api.subscription(
            CALL_EVENTS, {"callId": call_id, "after": "Q2FsbEV2ZW50OjA="}
        ) as events:
            kinds = []
            while "RECORDING_READY" not in kinds:
                kinds.append((await next_event(events))["callEvents"]["kind"])
        page = await http.get(f"{url}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        metrics = await http.get(f"{url}/metrics")
        assert 'callboard_vendor_requests_total{operation="makeCall"' in metrics.text
    output = process.output  # type: ignore[attr-defined]
    assert f"GraphiQL:  {url}/graphql" in output
    assert f"Metrics:   {url}/metrics" in output
    assert "No client keys" in output
    assert "ANSWERED" in kinds


async def test_demo_runs_a_robocall_through_the_simulated_zvonobot() -> None:
    async with demo() as (api, process):
        providers = await api.query("{ providers { id kind } }")
        (zvonobot,) = [p for p in providers["providers"] if p["kind"] == "ZVONOBOT"]
        async with api.subscription(
            CALL_EVENTS, {"provider": zvonobot["id"], "after": "Q2FsbEV2ZW50OjA="}
        ) as events:
            started = await api.query(
                START_ROBOCALL,
                {
                    "i": {
                        "provider": zvonobot["id"],
                        "phones": ["+7 912 345-67-89"],
                        "outgoingPhone": "+7 495 000-00-01",
                        "message": {"text": "Здравствуйте!"},
                    }
                },
            )
            assert started["startRobocall"]["userErrors"] == []
            statuses = []
            while "COMPLETED" not in statuses:
                statuses.append((await next_event(events))["callEvents"]["status"])
    assert "zvonobot-demo" in process.output  # type: ignore[attr-defined]
    assert statuses[0] == "QUEUED"


async def test_demo_serves_the_five_vendors() -> None:
    async with demo() as (api, process):
        providers = {p["kind"]: p["id"] for p in (await api.query(DEMO_PROVIDERS))["providers"]}
        assert set(providers) == {"LIRAX", "ZVONOBOT", "TWIN24", "LINER", "WHILE1"}
        order = await api.query(
            DEMO_ORDER,
            {
                "i": {
                    "provider": providers["LINER"],
                    "title": "Demo",
                    "serviceTitle": "demo",
                    "status": "SUCCESS",
                    "sipEndpointIds": [101],
                }
            },
        )
        assert order["createOrder"]["userErrors"] == []
        added = await api.query(
            DEMO_NUMBERS,
            {
                "i": {
                    "provider": providers["TWIN24"],
                    "action": "ROBOT",
                    "botId": "demo-bot",
                    "numbers": [{"number": "+7 495 123-45-01", "name": "Sales", "did": "1"}],
                }
            },
        )
        assert added["addIncomingNumbers"]["userErrors"] == []
        twin24_url = banner_line(process, r"twin24-demo\s+twin24\s+-> (\S+)")
        watch = {"provider": providers["TWIN24"], "after": "Q2FsbEV2ZW50OjA="}
        async with api.subscription(CALL_EVENTS, watch) as events:
            rung = await api.http.post(
                f"{twin24_url}/_sim/ring",
                json={"number": "74951234501", "caller": "79123456789"},
            )
            assert rung.status_code == 200
            kinds = []
            while "RECORDING_READY" not in kinds:
                kinds.append((await next_event(events))["callEvents"]["kind"])
        watch = {"provider": providers["WHILE1"], "after": "Q2FsbEV2ZW50OjA="}
        async with api.subscription(CALL_EVENTS, watch) as events:
            placed = await api.query(
                PLACE_CALL,
                {
                    "input": {
                        "provider": providers["WHILE1"],
                        "agent": "101",
                        "to": "+40 21 234 5678",
                    }
                },
            )
            assert placed["placeCall"]["userErrors"] == []
            statuses = []
            while "COMPLETED" not in statuses:
                statuses.append((await next_event(events))["callEvents"]["status"])
    assert kinds[0] == "RINGING"


def banner_line(process: subprocess.Popen[str], pattern: str) -> str:
    """The first group of `pattern` in the demo's banner (printed before it serves)."""
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(pattern, line)
        if found:
            return found.group(1)
        if "Try the tour" in line:
            break
    pytest.fail(f"the banner has no line like {pattern!r}")


DEMO_PROVIDERS = "{ providers { id kind } }"
DEMO_ORDER = """mutation($i: CreateOrderInput!) {
  createOrder(input: $i) { order { orderId } userErrors { message } } }"""
DEMO_NUMBERS = """mutation($i: AddIncomingNumbersInput!) {
  addIncomingNumbers(input: $i) { numbers { number } userErrors { message } } }"""


def test_dockerfile_copies_what_exists_and_its_command_starts(tmp_path: Path) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "runs as a non-root user"
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.M))
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.M):
        *sources, _ = shlex.split(line)
        if sources[0].startswith("--from="):  # from an earlier stage, not the repository
            assert sources[0].removeprefix("--from=") in stages, line
            continue
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"
    command = json.loads(re.search(r"^CMD (.+)$", dockerfile, re.M).group(1))  # type: ignore[union-attr]
    assert command == ["callboard", "serve"]
    env = dict(re.findall(r"^ENV (CALLBOARD_CONFIG)=(\S+)", dockerfile, re.M))
    assert "CALLBOARD_CONFIG" in env, "the image says where its configuration is"
    port = free_port()
    config = tmp_path / "callboard.toml"
    config.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n'
        '[storage]\nurl = "sqlite:///' + str(tmp_path / "c.db") + '"\n'
        '[[clients]]\nname = "ops"\nkey = "${OPS_KEY}"\n'
    )
    # the image's command, with the image's way of finding the configuration
    with running(["serve"], env={"CALLBOARD_CONFIG": str(config), "OPS_KEY": "o" * 32}) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "{ providers { id } }"},
            headers={"Authorization": "Bearer " + "o" * 32},
        )
        assert response.json() == {"data": {"providers": []}}
