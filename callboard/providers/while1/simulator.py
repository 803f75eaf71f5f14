"""A fake While1 Voice PBX: originate-call with its api_hash check, agents who answer, refuse
or let it ring out, and the event notifications (GET requests) the PBX sends about calls."""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callboard.providers.simulator_base import Simulator, same_secret

__all__ = [
    "AgentBehaviour",
    "CustomerBehaviour",
    "While1Simulator",
    "parse_php_pairs",
    "php_query",
]

log = logging.getLogger(__name__)

AgentBehaviour = Literal["answer", "reject", "no_answer", "offline"]
# "hung_up": the customer's line was never answered, and the PBX ends the call with no
# fail_reason, as a PBX may: Callboard must not read that as COMPLETED.
CustomerBehaviour = Literal["answer", "busy", "no_answer", "unreachable", "hung_up"]
AGENT_BEHAVIOURS: frozenset[str] = frozenset(get_args(AgentBehaviour))
CUSTOMER_BEHAVIOURS: frozenset[str] = frozenset(get_args(CustomerBehaviour))

PATH = "/api/originate-call"
TYPES = ("user", "queue", "context", "extension", "user_email")
MANDATORY = ("project_id", "caller_id", "caller_id_name", "type", "destination", "external_id")
DEFAULT_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "user": ("101", "102"),
    "queue": ("test-queue",),
    "context": ("from-internal",),
    "extension": ("101", "102"),
    "user_email": ("ana@while1.test", "radu@while1.test"),
}
# The page's one documented message, and the others written the same way.
INVALID_DESTINATION = {
    "user": "Invalid user. Check if pbx user exists",
    "queue": "Invalid Queue. Check if pbx queue exists",
    "context": "Invalid context. Check if pbx context exists",
    "extension": "Invalid extension. Check if pbx extension exists",
    "user_email": "Invalid user email. Check if pbx user exists",
}
INVALID_CREDENTIALS = "Invalid API credentials"
NOT_LOGGED_IN = "User is not logged in"
REJECTED = "Call rejected by user"
TIMED_OUT = "Timeout: user did not answer"
# Asterisk's dial statuses, as the PBX reports them in outgoing_end's fail_reason.
AGENT_FAIL = {"reject": "BUSY", "no_answer": "NOANSWER"}
CUSTOMER_FAIL = {
    "busy": "BUSY",
    "no_answer": "NOANSWER",
    "unreachable": "CHANUNAVAIL",
    "hung_up": "",
}

_CALLER_ID = re.compile(r"\+?[0-9]{3,20}")
# PHP's urlencode keeps these bytes; this is the simulator's own encoder, apart from the
# provider's, so that the two can disagree (and a test then fails) if one is wrong.
_PHP_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def php_query(params: Mapping[str, Any], prefix: str = "") -> str:
    """PHP's http_build_query over what parse_str made (strings in nested arrays)."""
    parts = []
    for key, value in params.items():
        name = f"{prefix}%5B{_php_urlencode(key)}%5D" if prefix else _php_urlencode(key)
        if isinstance(value, Mapping):
            if inner := php_query(value, name):
                parts.append(inner)
        else:
            parts.append(f"{name}={_php_urlencode(value)}")
    return "&".join(parts)


def _php_urlencode(text: str) -> str:
    return "".join(
        chr(b) if b in _PHP_SAFE else "+" if b == 0x20 else f"%{b:02X}"
        for b in str(text).encode("utf-8")
    )


def parse_php_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """PHP's parse_str: `data[vars][X]=1` into nested arrays, `a[]` appended, in order."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        base, bracket, rest = key.partition("[")
        # PHP turns these into "_" in a top-level name.
        base = base.replace(".", "_").replace(" ", "_")
        if not base:
            continue
        path = [base, *re.findall(r"\[([^\]]*)\]", bracket + rest)]
        node = result
        for depth, name in enumerate(path):
            if name == "":
                name = str(sum(1 for k in node if k.isdigit()))
            if depth == len(path) - 1:
                node[name] = value
            else:
                child = node.get(name)
                if not isinstance(child, dict):
                    child = node[name] = {}
                node = child
    return result


@dataclass(frozen=True)
class _Call:
    """An originate-call the simulator accepted."""

    uniqueid: str
    external_id: str
    type: str
    destination: str
    telephone: str
    dnid: str
    agent: str
    wait: bool


class _Refused(Exception):
    """The PBX answers {"has_error": true, "messages": [this]}."""


def _reply(*, results: list[str] | None = None, error: str | None = None) -> JSONResponse:
    return JSONResponse(
        {
            "has_error": error is not None,
            "messages": [error] if error is not None else [],
            "results": results or [],
        }
    )


class While1Simulator(Simulator):
    """While1's originate-call in memory.

    An accepted call rings its agent (``set_agent``: answer by default), then the customer
    (``set_customer``: answer by default), one step every ``step_delay`` seconds, and
    reports each stage to ``event_url`` as the PBX does: GET dial_answer when the customer
    answers, GET outgoing_end (with a ``fail_reason`` when it failed) when it ends.
    State tests may read: ``originations`` (every request's parameters as parsed),
    ``events_sent`` (each event's parameters), ``event_replies`` (their HTTP statuses,
    None when unreachable), ``requests`` (requests by path) and ``destinations``.
    """

    def __init__(
        self,
        api_username: str,
        api_password: str,
        api_key: str,
        *,
        project_id: int = 1,
        event_url: str | None = None,
        step_delay: float = 0.05,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__("While1", http=http, step_delay=step_delay)
        self._username = api_username
        self._password = api_password
        self._api_key = api_key
        self.project_id = project_id
        self.event_url = event_url
        self.destinations: dict[str, set[str]] = {
            kind: set(names) for kind, names in DEFAULT_DESTINATIONS.items()
        }
        self.agents: dict[str, AgentBehaviour] = {}
        self.customers: dict[str, CustomerBehaviour] = {}
        self.originations: list[dict[str, Any]] = []
        self.events_sent: list[dict[str, str]] = []
        self.event_replies: list[int | None] = []
        self._sequence = itertools.count(1)
        self.app = self._starlette([Route(PATH, self._originate, methods=["GET", "POST"])])

    # -- public controls ---------------------------------------------------------------

    def set_agent(self, destination: str, behaviour: AgentBehaviour = "answer") -> None:
        """How the user, queue or context ``destination`` takes the calls rung to it."""
        if behaviour not in AGENT_BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {sorted(AGENT_BEHAVIOURS)}")
        self.agents[destination] = behaviour

    def set_customer(self, caller_id: str, behaviour: CustomerBehaviour = "answer") -> None:
        """How the customer at ``caller_id`` (as the request wrote it) takes the call."""
        if behaviour not in CUSTOMER_BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {sorted(CUSTOMER_BEHAVIOURS)}")
        self.customers[caller_id] = behaviour

    # -- originate-call ----------------------------------------------------------------

    async def _originate(self, request: Request) -> JSONResponse:
        params = parse_php_pairs(await self._pairs(request))
        self.originations.append(params)
        try:
            self._authenticate(params)
            call = self._check(params)
        except _Refused as refused:
            return _reply(error=str(refused))
        behaviour = self.agents.get(call.destination, "answer")
        if behaviour == "offline":
            return _reply(error=NOT_LOGGED_IN)
        if call.wait:
            # async=0: the request stays open until the agent answers, refuses or
            # lets it ring out.
            await self._step()
            if behaviour == "reject":
                return _reply(error=REJECTED)
            if behaviour == "no_answer":
                return _reply(error=TIMED_OUT)
        self._background.spawn(self._play(call, behaviour))
        return _reply(results=[f"Call successfully originated for {call.type}: {call.destination}"])

    @staticmethod
    async def _pairs(request: Request) -> list[tuple[str, str]]:
        """$_REQUEST: the query's fields, then a POSTed form's."""
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        if request.method != "POST":
            return pairs
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            body = (await request.body()).decode("utf-8", errors="replace")
            pairs += parse_qsl(body, keep_blank_values=True)
        elif content_type.startswith("multipart/form-data"):
            form = await request.form()
            pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        return pairs

    def _authenticate(self, params: Mapping[str, Any]) -> None:
        given = params.get("api_hash")
        unsigned = {k: v for k, v in params.items() if k != "api_hash"}
        expected = hashlib.md5(  # noqa: S324 - the vendor's scheme
            (php_query(unsigned) + self._api_key).encode("utf-8")
        ).hexdigest()
        if not (
            same_secret(params.get("api_username"), self._username)
            and same_secret(params.get("api_password"), self._password)
            and same_secret(given.lower() if isinstance(given, str) else None, expected)
        ):
            raise _Refused(INVALID_CREDENTIALS)

    def _check(self, params: Mapping[str, Any]) -> _Call:
        data = params.get("data")
        if not isinstance(data, dict):
            raise _Refused("data is mandatory")
        for name in MANDATORY:
            value = data.get(name)
            if not isinstance(value, str) or not value.strip():
                raise _Refused(f"{name} is mandatory")
        if data["project_id"].strip() != str(self.project_id):
            raise _Refused("Invalid project. Check if pbx project exists")
        kind = data["type"].strip()
        if kind not in TYPES:
            raise _Refused(f"Invalid type. Allowed types: {', '.join(TYPES)}")
        wait = data.get("async", "1")
        if wait not in ("0", "1"):
            raise _Refused("Invalid async value. Allowed values: 0, 1")
        if not _CALLER_ID.fullmatch(data["caller_id"].strip()):
            raise _Refused("Invalid caller_id. Check the destination phone number")
        if "vars" in data and not isinstance(data["vars"], dict):
            raise _Refused("vars must be an array")
        destination = data["destination"].strip()
        if destination not in self.destinations.get(kind, set()):
            raise _Refused(INVALID_DESTINATION[kind])
        if kind in ("user", "extension", "user_email"):
            agent = destination
        else:  # a queue or a context: the first user picks up
            agent = min(self.destinations["user"], default="")
        outbound = data.get("outbound_number")
        return _Call(
            uniqueid=f"{int(time.time())}.{next(self._sequence)}",
            external_id=data["external_id"],
            type=kind,
            destination=destination,
            telephone=data["caller_id"].strip(),
            dnid=outbound if isinstance(outbound, str) else "",
            agent=agent,
            wait=wait == "0",
        )

    # -- the call and its events -------------------------------------------------------

    async def _play(self, call: _Call, agent: AgentBehaviour) -> None:
        if not call.wait:  # async=0 answered once the agent did
            await self._step()
            if agent in AGENT_FAIL:
                await self._event(call, "outgoing_end", AGENT_FAIL[agent])
                return
        customer = self.customers.get(call.telephone, "answer")
        if customer in CUSTOMER_FAIL:
            await self._step()
            await self._event(call, "outgoing_end", CUSTOMER_FAIL[customer])
            return
        await self._event(call, "dial_answer")
        await self._step()
        await self._event(call, "outgoing_end")

    async def _event(self, call: _Call, event: str, fail_reason: str = "") -> None:
        if self.event_url is None:
            return
        params = {
            "event": event,
            "uniqueid": call.uniqueid,
            "external_id": call.external_id,
            "telephone": call.telephone,
            "dnid": call.dnid,
            "agent": call.agent,
            "queue": call.destination if call.type == "queue" else "",
            "fail_reason": fail_reason,
        }
        # The event URL carries its own query (the token): merged, not replaced.
        url = httpx.URL(self.event_url).copy_merge_params(params)
        code: int | None = None
        try:
            code = (await self._http.get(url)).status_code
        except Exception as exc:  # a broken receiver must not stop the call
            log.warning("While1 simulator event %s not delivered: %s", event, type(exc).__name__)
        self.events_sent.append(params)
        self.event_replies.append(code)
