"""Callboard as a separate process, the way an operator runs it: started, waited for,
stopped (or killed)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import Api

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(
    args: list[str], *, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "callboard", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        process.output = output  # type: ignore[attr-defined]


def wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"exited with {process.returncode}: {output}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail("did not become healthy in 30 s")


@contextlib.asynccontextmanager
async def serving_process(
    config: Path, port: int
) -> AsyncIterator[tuple[Api, subprocess.Popen[str]]]:
    """`callboard serve --config config` listening on `port`, healthy, with a client."""
    with running(["serve", "--config", str(config)]) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        async with httpx.AsyncClient(timeout=10) as http:
            yield Api(url=url, settings=None, http=http), process  # type: ignore[arg-type]
