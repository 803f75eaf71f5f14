"""What every part of the fake LiraX shares: its agents, and the webhooks it posts."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx
from starlette.responses import Response

from callboard.providers.lirax.simulator.params import DIGITS, check
from callboard.providers.simulator_base import Simulator, described

__all__ = ["DEFAULT_AGENTS", "Command", "Delivery", "LiraxPbx"]

DEFAULT_AGENTS = {"101": "Anna Petrova", "102": "Boris Ivanov", "103": "Vera Sidorova"}

# A /general command: its parameters in, the PBX's answer out.
Command = Callable[[dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True)
class Delivery:
    """One webhook the simulator posted, and what came back."""

    cmd: str
    form: dict[str, str]
    status_code: int | None
    body: str
    error: str | None


class LiraxPbx(Simulator):
    """The PBX every command area works on: ``agents`` (extension -> name), the
    ``external_number`` calls come to, and the webhooks posted to ``webhook_url``
    (``deliveries``, each with the answer it got)."""

    def __init__(
        self,
        *,
        token: str,
        webhook_token: str,
        webhook_url: str | None,
        http: httpx.AsyncClient | None,
        step_delay: float,
        external_number: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("LiraX", http=http, step_delay=step_delay)
        self._token = token
        self._webhook_token = webhook_token
        self.webhook_url = webhook_url
        self.external_number = external_number
        self.clock = clock
        self.deliveries: list[Delivery] = []
        self.agents: dict[str, str] = dict(DEFAULT_AGENTS)

    def _agent(self, p: Mapping[str, str]) -> str:
        ext = p.get("ext", "")
        check(DIGITS.fullmatch(ext) and ext in self.agents)
        return ext

    async def _post(self, cmd: str, **fields: str) -> None:
        form = {"cmd": cmd, **fields, "from_LiraX_token": self._webhook_token}
        if self.webhook_url is None:
            self.deliveries.append(Delivery(cmd, form, None, "", "no webhook_url"))
            return
        try:
            response = await self._http.post(self.webhook_url, data=form)
        except Exception as exc:  # a broken receiver must not stop the call
            self.deliveries.append(Delivery(cmd, form, None, "", described(exc)))
            return
        self.deliveries.append(Delivery(cmd, form, response.status_code, response.text, None))
