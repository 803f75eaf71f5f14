"""A real `callboard serve` for the client suites: LiraX's simulator on loopback, one
client key, the API as its own process. `python -m tests.clients.rig [-C DIR] COMMAND...`
runs COMMAND (the Node suite) in DIR with the rig's addresses in its environment, and
exits with its status."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callboard.providers.wiring import SimulatorSetup, example, wiring_of
from tests.harness import serving
from tests.processes import free_port, running, wait_healthy

__all__ = ["PROVIDER", "Rig", "client_rig"]

PROVIDER = "pbx"
KEY = "node-clients-key-0123456789"


@dataclass(frozen=True)
class Rig:
    """Where the clients find the running API, and what they need to use it."""

    url: str  # http://127.0.0.1:PORT, /graphql beneath it
    key: str  # a client key the API accepts
    provider: str  # the LiraX provider's id

    def environ(self) -> dict[str, str]:
        return {
            "CALLBOARD_URL": self.url,
            "CALLBOARD_KEY": self.key,
            "CALLBOARD_PROVIDER": PROVIDER,
        }


def _toml(table: Mapping[str, Any]) -> str:
    # Strings, numbers and booleans only: their JSON spelling is TOML's too.
    return "".join(f"{name} = {json.dumps(value)}\n" for name, value in table.items())


@contextlib.asynccontextmanager
async def client_rig(directory: Path) -> AsyncIterator[Rig]:
    """The simulator served by this process's loop, `callboard serve` as a child process
    with its SQLite database and configuration in `directory`."""
    wiring, port = wiring_of("lirax"), free_port()
    url = f"http://127.0.0.1:{port}"
    credentials = wiring.credentials(example)
    # Quick steps: a call's whole life in well under a second.
    setup = SimulatorSetup(credentials, f"{url}/webhooks/{PROVIDER}", step_delay=0.05)
    simulator = wiring.simulator(setup)
    async with serving(simulator.app) as root:
        config = directory / "callboard.toml"
        config.write_text(
            "[server]\n"
            + _toml({"host": "127.0.0.1", "port": port, "public_url": url})
            + "[storage]\n"
            + _toml({"url": f"sqlite:///{directory / 'callboard.db'}"})
            + "[[clients]]\n"
            + _toml({"name": "frontend", "key": "${NODE_CLIENTS_KEY}"})
            + "[[providers]]\n"
            + _toml(wiring.entry(PROVIDER, "lirax", root, credentials))
        )
        with running(["serve", "--config", str(config)], env={"NODE_CLIENTS_KEY": KEY}) as api:
            await asyncio.to_thread(wait_healthy, url, api)
            yield Rig(url=url, key=KEY, provider=PROVIDER)
        await simulator.aclose()


async def _run(command: list[str], cwd: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="callboard-clients-") as directory:
        async with client_rig(Path(directory)) as rig:
            child = await asyncio.create_subprocess_exec(
                *command, cwd=cwd, env={**os.environ, **rig.environ()}
            )
            return await child.wait()


def main(args: list[str]) -> int:
    cwd = None
    if args[:1] == ["-C"]:
        cwd, args = args[1], args[2:]
    if not args:
        sys.exit("usage: python -m tests.clients.rig [-C DIR] COMMAND [ARG...]")
    return asyncio.run(_run(args, cwd))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
