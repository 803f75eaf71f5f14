"""Memory stays bounded under large bodies and documents, sent in parallel without a key:
the server's peak RSS (read from /proc) grows by less than 100 MB."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, running, wait_healthy

MIB = 1024 * 1024
ALLOWED_GROWTH = 100 * MIB

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def memory(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


async def chunks(size: int) -> AsyncIterator[bytes]:
    """A body sent in chunks, without Content-Length."""
    piece = b"x" * MIB
    for _ in range(size // MIB):
        yield piece


async def send(http: httpx.AsyncClient, url: str, **request: object) -> int | None:
    """The status, or None if the server closed the connection before reading all."""
    try:
        response = await http.post(url, **request)  # type: ignore[arg-type]
    except httpx.TransportError:
        return None
    assert response.status_code < 500, response.text[:200]
    return response.status_code


async def test_large_bodies_and_documents_leave_memory_bounded() -> None:
    port = free_port()
    with running(["demo", "--port", str(port)]) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:
            graphql, webhook = f"{url}/graphql", f"{url}/webhooks/zvonobot-demo"
            warm = {"query": "{ providers { id } }"}
            assert (await http.post(graphql, json=warm)).status_code == 200
            before = memory(process.pid, "VmRSS")

            big = b"{" + b" " * (20 * MIB) + b"}"
            comment = json.dumps({"query": "{ __typename }\n#" + "c" * (5 * MIB)})
            # Documents just below the default document limit (100 KiB), each different:
            # the parse and validation caches may not keep them all.
            near_limit = [
                json.dumps({"query": f"{{ __typename }} # {i}\n#" + "c" * (90 * 1024)})
                for i in range(300)
            ]
            statuses = await asyncio.gather(
                *(send(http, webhook, content=big) for _ in range(20)),
                *(send(http, webhook, content=chunks(20 * MIB)) for _ in range(10)),
                *(send(http, graphql, content=comment) for _ in range(40)),
                *(send(http, graphql, content=chunks(20 * MIB)) for _ in range(10)),
                *(send(http, graphql, content=doc) for doc in near_limit),
            )
            assert set(statuses) <= {None, 200, 400, 413}
            assert (await http.post(graphql, json=warm)).status_code == 200
            peak = memory(process.pid, "VmHWM")
    growth = peak - before
    assert growth < ALLOWED_GROWTH, f"peak RSS grew by {growth / MIB:.0f} MiB"
