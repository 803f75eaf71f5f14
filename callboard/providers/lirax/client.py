"""LiraX on the wire: every command is a form-urlencoded POST of `cmd` + `token` to one URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from callboard.domain.errors import ProviderMisconfigured, ProviderRejected, ProviderUnavailable
from callboard.providers.http import reply_json, send
from callboard.providers.lirax.mapping import refusal_message

__all__ = ["LiraxClient", "ModemBusy"]


class ModemBusy(ProviderRejected):
    """LiraX's 403 for SMS commands: the modem is handling another request."""


# The commands the page documents 402 (modem not connected) and 403 (modem busy) for;
# from any other command they are only the vendor's refusal, with its code.
_MODEM_COMMANDS = frozenset({"sendSMS", "checkSMS"})


class LiraxClient:
    def __init__(self, http: httpx.AsyncClient, *, url: str, token: str, who: str) -> None:
        self._http = http
        self._url = url
        self._token = token
        self._who = who

    def __repr__(self) -> str:
        return f"<LiraxClient {self._who}>"

    async def command(self, cmd: str, params: Mapping[str, str | None]) -> dict[str, Any]:
        """Run one command; its JSON reply (`{}` for the commands that answer with none).

        The page documents 400 (wrong parameters) and 401 (wrong token) for every command,
        402 and 403 (the GSM modem) for the SMS ones.
        """
        data = {k: v for k, v in params.items() if v is not None}
        data["cmd"] = cmd
        data["token"] = self._token
        request = self._http.build_request("POST", self._url, data=data)
        response = await send(self._http, request, who=self._who)
        if response.status_code == 401:
            raise ProviderMisconfigured(
                f"{self._who} refused Callboard's token (HTTP 401): "
                "check `token` in this provider's configuration.",
                vendor_code="401",
            )
        if response.status_code == 402 and cmd in _MODEM_COMMANDS:
            raise ProviderRejected(
                "LiraX: the GSM modem is not connected (HTTP 402); check the modem's number "
                "and that it is online.",
                field="modem",
                vendor_code="402",
            )
        if response.status_code == 403 and cmd in _MODEM_COMMANDS:
            raise ModemBusy(
                "LiraX: the GSM modem is busy (HTTP 403); try again in a few seconds.",
                field="modem",
                vendor_code="403",
            )
        if response.status_code == 400:
            raise ProviderRejected(refusal_message(cmd), vendor_code="400")
        if response.status_code >= 300:
            raise ProviderRejected(
                f"{self._who} refused {cmd} (HTTP {response.status_code}).",
                vendor_code=str(response.status_code),
            )
        return _json_body(response, who=self._who, cmd=cmd)


def _json_body(response: httpx.Response, *, who: str, cmd: str) -> dict[str, Any]:
    if not response.text.strip():
        return {}
    body = reply_json(response, who=who)
    if body is None:
        raise ProviderUnavailable(f"{who} answered {cmd} with something that is not JSON.")
    return body if isinstance(body, dict) else {"value": body}
