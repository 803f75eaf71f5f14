"""Callboard's call request as While1's originate-call parameters, and While1's reply as a
placed call or a typed error (pure: no I/O).

The page documents one reply message ("Invalid Queue. Check if pbx queue exists"); what
the others say is not documented, so they are read by the words below (assumptions, kept
here in one place), and a message none of them matches is shown to the user as While1
wrote it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import phonenumbers

from callboard.domain.calls import AgentAnswer, CallDirection, CallStatus
from callboard.domain.errors import BadInput, ProviderMisconfigured, ProviderRejected
from callboard.domain.phones import digits_only, parse_vendor_phone
from callboard.domain.provider_requests import PlaceCallRequest, PlacedCall
from callboard.providers.while1.call_options import While1CallOptions

__all__ = [
    "CALLER_ID_FORMATS",
    "caller_id",
    "messages",
    "originate_params",
    "placed_call",
]

CALLER_ID_FORMATS: tuple[str, ...] = ("e164", "digits", "national")
DEFAULT_TYPE = "user"  # the page: `type` is mandatory; Callboard's default is an agent

# -- the words While1's messages are read by (assumptions) --------------------------------

# With async=0 the PBX answers once the agent picked up, refused, or let it ring out.
AGENT_REFUSED_WORDS = ("reject", "declin", "busy", "refus")
AGENT_TIMED_OUT_WORDS = ("timeout", "timed out", "time out", "no answer", "not answer")
# Callboard's own credentials: the operator's to fix, never the API user's.
CREDENTIAL_WORDS = (
    "credential",
    "hash",
    "authenticat",
    "unauthori",
    "password",
    "username",
    "api key",
    "api_key",
    "api user",
    "api_user",
)
PROJECT_WORDS = ("project",)
# Which input a refusal is about, first match wins: the more specific words come first
# ("caller_id_name" before "caller_id", "type" before "user" in "Allowed types: user").
FIELD_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("outbound_number", "outbound number"), "outboundNumber"),
    (("outbound_trunk", "outbound trunk", "trunk"), "outboundTrunk"),
    (("caller_id_name", "caller id name", "callerid name"), "callerIdName"),
    (("caller_id", "caller id", "callerid", "phone", "telephone"), "to"),
    (("type",), "agentType"),
    (("vars", "variable"), "variables"),
    (("queue", "user", "context", "destination", "extension", "agent", "logged"), "agent"),
)

# Keys PHP would read as nested arrays or not at all: the PBX would see other variables.
_BAD_VARIABLE = re.compile(r"[\[\]\s]|^$")


_AGENT_ANSWERS = (
    (AGENT_REFUSED_WORDS, CallStatus.REJECTED, AgentAnswer.REJECTED),
    (AGENT_TIMED_OUT_WORDS, CallStatus.NO_ANSWER, AgentAnswer.TIMED_OUT),
)


def caller_id(to: str, fmt: str, region: str) -> str:
    """`to` (E.164) as the PBX's outbound rules want it in `caller_id`.

    "national" writes numbers of the PBX's own country (`region`) with the national
    prefix ("0721234567" in RO); a number of another country has no national form the
    PBX could dial, so it is written in E.164.
    """
    if fmt == "e164":
        return to
    if fmt == "digits":
        return digits_only(to)
    try:
        number = phonenumbers.parse(to, None)
    except phonenumbers.NumberParseException:
        raise BadInput(f"'{to}' is not a phone number in E.164.", field="to") from None
    if phonenumbers.region_code_for_number(number) != region.upper():
        return to
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(c for c in national if c.isdigit())


def originate_params(
    request: PlaceCallRequest,
    options: While1CallOptions,
    *,
    username: str,
    password: str,
    project_id: int,
    external_id: str,
    caller_id_format: str,
    region: str,
) -> dict[str, Any]:
    """The page's parameters, in the page's order (the hash is over them as sent)."""
    destination = request.agent.strip()
    if not destination:
        raise BadInput(
            "Name the While1 user, queue or context to ring first in `agent` "
            "(e.g. 101 or test-queue).",
            field="agent",
        )
    data: dict[str, Any] = {
        "project_id": project_id,
        "caller_id": caller_id(request.to, caller_id_format, region),
        "caller_id_name": (options.caller_id_name or "").strip() or request.to,
        "type": options.agent_type.value if options.agent_type else DEFAULT_TYPE,
        "destination": destination,
        "external_id": external_id,
        "async": 0 if options.wait_for_answer else 1,
    }
    if options.outbound_number and options.outbound_number.strip():
        data["outbound_number"] = options.outbound_number.strip()
    if options.outbound_trunk and options.outbound_trunk.strip():
        data["outbound_trunk"] = options.outbound_trunk.strip()
    if options.variables:
        for index, name in enumerate(options.variables):
            if _BAD_VARIABLE.search(name):
                raise BadInput(
                    f"'{name}' cannot be a PBX variable name: use letters, digits and "
                    "underscores (no spaces or brackets).",
                    field=f"variables[{index}].name",
                )
        data["vars"] = dict(options.variables)
    return {"api_username": username, "api_password": password, "data": data}


def messages(reply: Mapping[str, Any]) -> list[str]:
    """The reply's `messages` as text, however the PBX shaped them."""
    return _texts(reply.get("messages")) or _texts(reply.get("message") or reply.get("error"))


def placed_call(
    reply: Mapping[str, Any],
    request: PlaceCallRequest,
    options: While1CallOptions,
    *,
    external_id: str,
    http_status: int = 200,
    region: str,
    who: str = "While1",
) -> PlacedCall:
    """The call While1 started, the agent's answer when Callboard waited for it, or the
    error the refusal means."""
    wait = options.wait_for_answer
    raw = {**reply, "external_id": external_id, "async": 0 if wait else 1}
    base = PlacedCall(
        provider_call_id=external_id,
        status=CallStatus.RINGING if wait else CallStatus.DIALING,
        direction=CallDirection.OUTBOUND,
        from_number=parse_vendor_phone(options.outbound_number, region),
        to_number=request.to,
        agent=request.agent.strip(),
        raw=raw,
    )
    if not _flag(reply.get("has_error")) and http_status < 400:
        # async=1: the agent is being rung; async=0: the agent answered, the customer
        # is being rung.
        if wait:
            return dataclasses.replace(base, agent_answer=AgentAnswer.ANSWERED)
        return base
    said = messages(reply)
    text = "; ".join(said) or f"refused the call (HTTP {http_status})"
    lower = text.lower()
    if _any(lower, CREDENTIAL_WORDS):
        raise misconfigured(who, http_status)
    if _any(lower, PROJECT_WORDS):
        raise ProviderMisconfigured(
            f"{who} refused the project: check `project_id` in this provider's "
            f"configuration (While1 said: {text}).",
            vendor_code="has_error",
        )
    # Waited for (async=0), the agent's refusal or silence is an answer, not an error.
    for words, status, answer in _AGENT_ANSWERS:
        if wait and _any(lower, words):
            return dataclasses.replace(base, status=status, agent_answer=answer, refusal=text)
    raise ProviderRejected(f"While1: {text}", vendor_code="has_error", field=_field(lower))


def misconfigured(who: str, http_status: int) -> ProviderMisconfigured:
    """While1 refused Callboard's own credentials (never quoted)."""
    return ProviderMisconfigured(
        f"{who} refused Callboard's API credentials (HTTP {http_status}): check "
        "`api_username`, `api_password` and `api_key` in this provider's configuration.",
        vendor_code=str(http_status) if http_status >= 400 else "has_error",
    )


def _field(lower: str) -> str | None:
    for words, field in FIELD_WORDS:
        if _any(lower, words):
            return field
    return None


def _any(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return [str(value)]


def _flag(value: Any) -> bool:
    """has_error as JSON true/false, 0/1 or their strings."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    return bool(value)
