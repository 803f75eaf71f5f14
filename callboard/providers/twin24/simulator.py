"""A fake Twin24: its JWT login, the incomingRules batch (checked against the page's field
table), and the webhooks it posts for calls to the numbers added.

Twin24 documents no webhook payload; NOTES.md says the incoming-call webhook comes twice
per call (the second time with the recording path), names the event types CALL_REDIRECTED,
CALL_ENDED and CANDIDATE_CHANGED, and says anything not answered 200 is resent with backoff.
The shapes below are therefore OUR ASSUMPTION, posted to every URL of the number's rule:

    incoming-call hook (no type), when the call comes in:
        {"callId": "<uuid>", "number": "71234567001", "caller": "79123456789",
         "name": "<the number's name>", "date": "2024-06-03T21:00:00+03:00"}
    when the robot takes it (an answered call to a number whose action is robot):
        {"type": "CALL_REDIRECTED", "callId", "number", "caller", "botId",
         "timestamp": <Unix seconds>}
    when it ends:
        {"type": "CALL_ENDED", "callId", "number", "caller",
         "status": "answered" | "no_answer", "duration": <seconds talked>,
         "timestamp": <Unix seconds>}
    the incoming-call hook again once the recording is ready (answered calls, `record`,
    rule's callRecord not "off"): the first one's fields plus
        "recordPath": "https://twin24-sim.invalid/records/<callId>.mp3", "duration"
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callboard.providers.simulator_base import Simulator, json_object, same_secret

__all__ = ["AUTH_PATH", "BATCH_PATH", "Delivery", "Twin24Simulator"]

log = logging.getLogger(__name__)

AUTH_PATH = "/api/v1/auth/login"
BATCH_PATH = "/cis/api/v1/telephony/incomingRules/create/batch"
FILES_BASE = "https://twin24-sim.invalid/records"
DEFAULT_TTL = 86400
MOSCOW = timezone(timedelta(hours=3))
NUMBER_EXISTS = "number already exists"

# The page's field table: allowed values, and the fixed ones.
CALL_RECORD = ("all", "off")
ACTIONS = ("robot", "end")
CID_AS_NAME = ("default", "num_caller", "num_name", "num_called")
CID_AS_NUMBER = ("default", "caller", "called")
ROBOT_FIXED: Mapping[str, Any] = {
    "reserveAction": "default",
    "reserveActionData": None,
    "reserveCidAsName": "original",
    "reserveCidAsNumber": "original",
}
NOTIFICATION_FIXED: Mapping[str, Any] = {
    "type": "off",
    "condition": "unanswer",
    "emailReceivers": [],
    "smsReceivers": [],
}
CONNECTION_TEXTS = ("authUser", "fromDomain", "login", "password")
_NUMBER = re.compile(r"[1-9][0-9]{9,14}")
_MISSING = object()

Fail = Callable[[str, str], None]  # records a validation error: (field, message)


@dataclass(frozen=True)
class Delivery:
    """One webhook POST the simulator attempted, and what came back."""

    url: str
    body: dict[str, Any]
    status_code: int | None  # None: the receiver could not be reached
    try_number: int  # 1 for the first post, up to max_tries
    error: str | None = None


class _Invalid(Exception):
    """The body breaks the field table: 422 with Laravel's `errors` bag."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid")
        self.errors = errors


class Twin24Simulator(Simulator):
    """Twin24's login and incomingRules batch in memory, and calls to the numbers added.

    Tokens are HS256 JWTs with an `exp` claim, valid for the `ttl` asked at login (or
    ``token_ttl``); ``token`` is a static token also accepted. ``ring`` plays an incoming
    call, one step every ``step_delay`` seconds; each webhook is resent on any answer but
    200 after ``resend_delay``, doubling, up to ``max_tries`` tries. State tests may read:
    ``logins``, ``rules`` (one per number), ``deliveries``, ``requests`` (by path).
    """

    def __init__(
        self,
        *,
        email: str,
        password: str,
        token: str | None = None,
        token_ttl: int | None = None,
        step_delay: float = 0.05,
        resend_delay: float = 0.05,
        max_tries: int = 3,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__("Twin24", http=http, step_delay=step_delay)
        self._email = email
        self._password = password
        self._static = token
        self.token_ttl = token_ttl
        self.resend_delay = resend_delay
        self.max_tries = max_tries
        self._signing_key = secrets.token_bytes(32)
        self._issued: dict[str, float] = {}  # token -> when it expires (Unix)
        self.logins = 0
        self.rules: list[dict[str, Any]] = []
        self.deliveries: list[Delivery] = []
        self.app = self._starlette(
            [
                Route(AUTH_PATH, self._login, methods=["POST"]),
                Route(BATCH_PATH, self._batch, methods=["POST"]),
                Route("/_sim/ring", self._sim_ring, methods=["POST"]),
            ]
        )

    # -- public controls ---------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (the static one does not)."""
        for token in self._issued:
            self._issued[token] = 0.0

    def rule(self, number: str) -> dict[str, Any] | None:
        """The rule of a number (11 digits, with or without "+"), if it was added."""
        digits = number.strip().removeprefix("+")
        return next((r for r in self.rules if r["number"] == digits), None)

    async def ring(
        self,
        number: str,
        caller: str,
        *,
        answer: bool = True,
        record: bool = True,
        unanswered: str = "no_answer",
    ) -> str:
        """Call a number added before, from ``caller``; the call's id. The call plays out
        in the background: ``answer`` False, or a rule whose action is "end", leaves it
        unanswered, ending with the status word ``unanswered`` ("busy", "congestion",
        "cancel", "rejected"...); ``record`` makes an answered call's recording (unless the
        rule's callRecord is "off")."""
        found = self.rule(number)
        if found is None:
            raise ValueError(f"no rule for {number}; add the number first")
        call_id = str(uuid.uuid4())
        self._background.spawn(
            self._play(found, call_id, caller.strip().removeprefix("+"), answer, record, unanswered)
        )
        return call_id

    # -- the vendor's endpoints ----------------------------------------------------------

    async def _login(self, request: Request) -> Response:
        body = await json_object(request)
        if body is None:
            return _message(400, "Malformed JSON body")
        errors: dict[str, list[str]] = {}
        for key in ("email", "password"):
            if not isinstance(body.get(key), str) or not body[key]:
                errors[key] = [f"The {key} field is required."]
        ttl = body.get("ttl", DEFAULT_TTL)
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
            errors["ttl"] = ["The ttl must be a positive integer."]
        if errors:
            return _invalid(errors)
        if not (
            same_secret(body["email"], self._email)
            and same_secret(body["password"], self._password)
        ):
            return _message(401, "Invalid credentials")
        self.logins += 1
        ttl = self.token_ttl if self.token_ttl is not None else ttl
        return JSONResponse({"token": self._issue(body["email"], ttl), "expiresIn": ttl})

    async def _batch(self, request: Request) -> Response:
        if not self._authorized(request.headers.get("authorization", "")):
            return _message(401, "Unauthorized")
        body = await json_object(request)
        if body is None:
            return _message(400, "Malformed JSON body")
        try:
            _check_batch(body)
        except _Invalid as exc:
            return _invalid(exc.errors)
        for i, number in enumerate(body["numbers"]):
            if self.rule(number) is not None:
                return JSONResponse(
                    {"message": NUMBER_EXISTS, "errors": {f"numbers.{i}": [NUMBER_EXISTS]}},
                    status_code=400,
                )
        created = int(time.time())
        for name, number, connection in zip(
            body["names"], body["numbers"], body["connectionOptionsList"], strict=True
        ):
            self.rules.append(
                {
                    "number": number,
                    "name": name,
                    "connectionOptions": dict(connection),
                    "incomingCallsOptions": dict(body["incomingCallsOptions"]),
                    "additionalOptions": dict(body.get("additionalOptions") or {}),
                    "notificationOptions": dict(body["notificationOptions"]),
                    "webhookUrls": list(body.get("webhookUrls") or []),
                    "createdAt": created,
                }
            )
        return Response(status_code=200)  # the page: "200 without a body"

    def _issue(self, email: str, ttl: int) -> str:
        now = int(time.time())
        claims = {"sub": email, "iat": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
        signing_input = f"{_b64json({'alg': 'HS256', 'typ': 'JWT'})}.{_b64json(claims)}"
        signature = hmac.new(self._signing_key, signing_input.encode(), hashlib.sha256)
        token = f"{signing_input}.{_b64(signature.digest())}"
        self._issued[token] = float(now + ttl)
        return token

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if self._static is not None and same_secret(token, self._static):
            return True
        return self._issued.get(token, 0.0) > time.time()

    # -- calls ---------------------------------------------------------------------------

    async def _play(
        self,
        rule: Mapping[str, Any],
        call_id: str,
        caller: str,
        answer: bool,
        record: bool,
        unanswered: str,
    ) -> None:
        started = time.time()
        party = {"callId": call_id, "number": rule["number"], "caller": caller}
        incoming = {**party, "name": rule["name"], "date": _iso(started)}
        await self._deliver(rule, incoming)
        await self._step()
        options = rule["incomingCallsOptions"]
        answered = answer and options.get("action") == "robot"
        talked = 0
        if answered:
            taken = time.time()
            redirected = {"type": "CALL_REDIRECTED", **party, "botId": options.get("botId")}
            await self._deliver(rule, {**redirected, "timestamp": int(taken)})
            await self._step()
            talked = max(1, round(time.time() - taken))
        ended = {
            "type": "CALL_ENDED",
            **party,
            "status": "answered" if answered else unanswered,
            "duration": talked,
            "timestamp": int(time.time()),
        }
        await self._deliver(rule, ended)
        if answered and record and rule["additionalOptions"].get("callRecord") != "off":
            await self._step()
            recorded = {**incoming, "recordPath": f"{FILES_BASE}/{call_id}.mp3"}
            await self._deliver(rule, {**recorded, "duration": talked})

    async def _deliver(self, rule: Mapping[str, Any], body: dict[str, Any]) -> None:
        """The first try now, so a call's webhooks go out in order; resends later."""
        for url in rule["webhookUrls"]:
            await self._deliver_with_resends(
                functools.partial(self._try, url, body),
                tries=self.max_tries,
                delay=self.resend_delay,
                backoff=2,  # Twin24's backoff, compressed
            )

    async def _try(self, url: str, body: dict[str, Any], try_number: int) -> bool:
        code: int | None = None
        error: str | None = None
        try:
            code = (await self._http.post(url, json=body)).status_code
        except Exception as exc:  # a broken receiver must not stop the call
            error = type(exc).__name__
        self.deliveries.append(Delivery(url, dict(body), code, try_number, error))
        return code == 200

    # -- control endpoint (ours, not Twin24's) -------------------------------------------

    async def _sim_ring(self, request: Request) -> Response:
        body = await json_object(request)
        if body is None:
            return JSONResponse({"error": "give a JSON object"}, status_code=400)
        number, caller = body.get("number"), body.get("caller")
        answer, record = body.get("answer", True), body.get("record", True)
        if not (isinstance(number, str) and isinstance(caller, str)):
            return JSONResponse({"error": "give number and caller"}, status_code=400)
        if not (isinstance(answer, bool) and isinstance(record, bool)):
            return JSONResponse({"error": "answer and record are booleans"}, status_code=400)
        try:
            call_id = await self.ring(number, caller, answer=answer, record=record)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse({"callId": call_id})


def _check_batch(body: Mapping[str, Any]) -> None:
    """The page's field table, as a Laravel validator would apply it."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, text: str) -> None:
        errors.setdefault(field, []).append(text)

    additional = body.get("additionalOptions")
    if additional is not None and not isinstance(additional, dict):
        fail("additionalOptions", "The additionalOptions must be an object.")
    elif isinstance(additional, dict):
        if "callRecord" in additional and additional["callRecord"] not in CALL_RECORD:
            fail("additionalOptions.callRecord", "The selected callRecord is invalid.")
        if not isinstance(additional.get("comment", ""), str | None):
            fail("additionalOptions.comment", "The comment must be a string.")
    _check_incoming_options(body.get("incomingCallsOptions"), fail)
    notification = body.get("notificationOptions")
    if not isinstance(notification, dict):
        fail("notificationOptions", "The notificationOptions field is required.")
    else:
        for key, value in NOTIFICATION_FIXED.items():
            if notification.get(key, _MISSING) != value:
                fail(f"notificationOptions.{key}", f"The {key} must be {json.dumps(value)}.")
    urls = body.get("webhookUrls")
    if urls is not None and not isinstance(urls, list):
        fail("webhookUrls", "The webhookUrls must be an array.")
    for i, url in enumerate(urls if isinstance(urls, list) else []):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            fail(f"webhookUrls.{i}", f"The webhookUrls.{i} must be a valid URL.")
    lists = {}
    for key in ("names", "numbers", "connectionOptionsList"):
        value = body.get(key)
        if not isinstance(value, list) or not value:
            fail(key, f"The {key} field is required.")
        else:
            lists[key] = value
    for i, name in enumerate(lists.get("names", [])):
        if not isinstance(name, str) or not name.strip():
            fail(f"names.{i}", f"The names.{i} field is required.")
    seen: set[str] = set()
    for i, number in enumerate(lists.get("numbers", [])):
        if not isinstance(number, str) or not _NUMBER.fullmatch(number):
            fail(f"numbers.{i}", f"The numbers.{i} format is invalid.")
        elif number in seen:
            fail(f"numbers.{i}", f"The numbers.{i} field has a duplicate value.")
        else:
            seen.add(number)
    for i, connection in enumerate(lists.get("connectionOptionsList", [])):
        _check_connection(connection, f"connectionOptionsList.{i}", fail)
    if "numbers" in lists:
        for key in ("names", "connectionOptionsList"):
            if key in lists and len(lists[key]) != len(lists["numbers"]):
                fail(key, f"The {key} must have as many items as numbers.")
    if errors:
        raise _Invalid(errors)


def _check_incoming_options(options: Any, fail: Fail) -> None:
    if not isinstance(options, dict):
        fail("incomingCallsOptions", "The incomingCallsOptions field is required.")
        return
    action = options.get("action")
    if action not in ACTIONS:
        fail("incomingCallsOptions.action", "The selected action is invalid.")
    if action != "robot":
        return
    bot = options.get("botId")
    if not isinstance(bot, str) or not bot:
        fail("incomingCallsOptions.botId", "The botId field is required when action is robot.")
    if options.get("cidAsName") not in CID_AS_NAME:
        fail("incomingCallsOptions.cidAsName", "The selected cidAsName is invalid.")
    if options.get("cidAsNumber") not in CID_AS_NUMBER:
        fail("incomingCallsOptions.cidAsNumber", "The selected cidAsNumber is invalid.")
    for key, value in ROBOT_FIXED.items():
        if options.get(key, _MISSING) != value:
            fail(f"incomingCallsOptions.{key}", f"The {key} must be {json.dumps(value)}.")


def _check_connection(connection: Any, where: str, fail: Fail) -> None:
    if not isinstance(connection, dict):
        fail(where, f"The {where} must be an object.")
        return
    provider = connection.get("providerId")
    if not isinstance(provider, str) or not provider:
        fail(f"{where}.providerId", "The providerId field is required.")
    as_did = connection.get("numberAsDid")
    if not isinstance(as_did, bool):
        fail(f"{where}.numberAsDid", "The numberAsDid field must be true or false.")
    did = connection.get("did")
    if as_did is False and (not isinstance(did, str) or not did):
        fail(f"{where}.did", "The did field is required when numberAsDid is false.")
    for key in CONNECTION_TEXTS:
        if not isinstance(connection.get(key, ""), str | None):
            fail(f"{where}.{key}", f"The {key} must be a string.")
    force = connection.get("forceOutOverChannel", False)
    if not isinstance(force, bool):
        fail(f"{where}.forceOutOverChannel", "The forceOutOverChannel must be true or false.")


def _message(status: int, text: str) -> Response:
    return JSONResponse({"message": text}, status_code=status)


def _invalid(errors: dict[str, list[str]]) -> Response:
    first = next(iter(errors.values()))[0]
    more = sum(len(v) for v in errors.values()) - 1
    message = f"{first} (and {more} more errors)" if more else first
    return JSONResponse({"message": message, "errors": errors}, status_code=422)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64json(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, MOSCOW).isoformat(timespec="seconds")
