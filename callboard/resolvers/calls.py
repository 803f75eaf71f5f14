"""Placing, connecting, hanging up and listing calls."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from callboard.domain.calls import (
    AgentAnswer,
    Call,
    CallDirection,
    CallEventKind,
    CallSignal,
    CallStatus,
)
from callboard.domain.errors import BadInput, CallboardError, NotFound
from callboard.domain.history import HistoryQuery
from callboard.domain.phones import normalize_phone
from callboard.domain.provider_requests import (
    ConnectPartiesRequest,
    PlaceCallRequest,
    PlacedCall,
    StartedCalls,
)
from callboard.providers.areas import ConnectsParties, HangsUpCalls, PlacesCalls, ReadsCallHistory
from callboard.providers.base import Provider
from callboard.resolvers.once import run_once
from callboard.resolvers.session import Session
from callboard.runtime import Runtime
from callboard.store.call_filter import CallFilter, ChangePosition

__all__ = [
    "CallPage",
    "PlaceOutcome",
    "StartOutcome",
    "call_filter",
    "call_history",
    "connect_parties",
    "count_calls",
    "hangup_call",
    "list_calls",
    "place_call",
    "start_calls",
]

log = logging.getLogger(__name__)

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class CallPage:
    calls: list[Call]
    has_next: bool


async def place_call(
    session: Session,
    *,
    provider_id: str,
    request: PlaceCallRequest,
    idempotency_key: str | None = None,
) -> PlaceOutcome:
    provider = session.provider(provider_id, PlacesCalls)
    region = session.region
    extra = dict(request.extra)
    outbound = extra.get("outbound_number")
    if isinstance(outbound, str):  # another type is the vendor's options' to refuse
        if outbound.strip():
            extra["outbound_number"] = normalize_phone(outbound, region, field="outboundNumber")
        else:
            del extra["outbound_number"]
    request = dataclasses.replace(
        request,
        agent=request.agent.strip(),
        to=normalize_phone(request.to, region, field="to"),
        external_id=(request.external_id or "").strip() or None,
        extra=extra,
    )
    return await _start(
        session,
        provider,
        "placeCall",
        asdict(request),
        idempotency_key,
        lambda: _place(session, provider, request),
    )


async def _place(session: Session, provider: PlacesCalls, request: PlaceCallRequest) -> PlacedCall:
    """Place the call; checked first (after the idempotency key, so a retry with it gets
    its first call back): a client's id already naming a call would merge the two, as the
    vendor's events of both would name the same id."""
    if request.external_id is not None:
        taken = await session.runtime.store.call_lookups.named(provider.id, request.external_id)
        if taken is not None:
            raise BadInput(
                f"externalId '{request.external_id}' already names another call of provider "
                f"'{provider.id}': give each call its own id.",
                field="externalId",
            )
    return await provider.place_call(request)


async def connect_parties(
    session: Session,
    *,
    provider_id: str,
    request: ConnectPartiesRequest,
    idempotency_key: str | None = None,
) -> PlaceOutcome:
    provider = session.provider(provider_id, ConnectsParties)
    region = session.region
    first = normalize_phone(request.first, region, field="first")
    second = request.second.strip()
    if "://" not in second:  # a phone, or the URL of a sound to play (LiraX's to2)
        second = normalize_phone(second, region, field="second")
    request = ConnectPartiesRequest(
        **{**asdict(request), "agent": request.agent.strip(), "first": first, "second": second}
    )
    return await _start(
        session,
        provider,
        "connectParties",
        asdict(request),
        idempotency_key,
        lambda: provider.connect_parties(request),
    )


async def hangup_call(session: Session, call_id: str) -> Call:
    call = (await session.runtime.store.calls.get_many([call_id]))[0]
    if call is None or not session.can_see(call.provider_id):
        raise NotFound("No call with this id.", field="id")
    provider = session.provider(call.provider_id, HangsUpCalls)
    await provider.hangup_call(call)
    return call


def call_filter(
    session: Session,
    *,
    provider_id: str | None,
    phone: str | None,
    status: CallStatus | None,
    direction: CallDirection | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
    updated_after: datetime | None = None,
) -> CallFilter:
    """What a `calls` query selects, in the caller's scope: its pages and its count."""
    if provider_id is not None:
        providers = [session.provider(provider_id).id]
    else:
        providers = sorted(session.scope())
    if phone is not None:
        phone = normalize_phone(
            phone, session.runtime.settings.server.default_region, field="phone"
        )
    return CallFilter(
        provider_ids=tuple(providers),
        phone=phone,
        status=status,
        direction=direction,
        started_after=started_after,
        started_before=started_before,
        updated_after=updated_after,
    )


async def list_calls(
    runtime: Runtime,
    where: CallFilter,
    *,
    first: int,
    before_seq: int | None,
    after_change: ChangePosition | None = None,
) -> CallPage:
    """A page of the calls `where` selects: newest first, or by change (`updated_after`)."""
    calls, has_next = await runtime.store.calls.page(
        where, first=first, before_seq=before_seq, after_change=after_change
    )
    return CallPage(calls, has_next)


async def count_calls(runtime: Runtime, where: CallFilter) -> int:
    return await runtime.store.calls.count(where)


@dataclass(frozen=True, slots=True)
class StartOutcome:
    """The calls a request started, and what else its payload says (kept with the
    idempotency key, so a retry gets the same answer)."""

    calls: list[Call]
    record_cost: float | None = None
    failures: list[CallboardError] = field(default_factory=list)
    # How the agent answered, when the vendor waited for that (one call: While1 async=0)
    agent_answer: AgentAnswer | None = None
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceOutcome:
    """One call started, and how its agent answered when the vendor waited for that."""

    call: Call
    agent_answer: AgentAnswer | None = None
    refusal: str | None = None  # the vendor's words when the agent did not take it


async def _start(
    session: Session,
    provider: Provider,
    operation: str,
    request: dict[str, Any],
    idempotency_key: str | None,
    send: Callable[[], Awaitable[PlacedCall]],
) -> PlaceOutcome:
    async def send_one() -> StartedCalls:
        return StartedCalls([await send()])

    started = await start_calls(session, provider, operation, request, idempotency_key, send_one)
    return PlaceOutcome(started.calls[0], started.agent_answer, started.refusal)


async def start_calls(
    session: Session,
    provider: Provider,
    operation: str,
    request: dict[str, Any],
    idempotency_key: str | None,
    send: Callable[[], Awaitable[StartedCalls]],
) -> StartOutcome:
    """Ask the vendor to start calls once per idempotency key, and log each as PLACED."""

    async def send_and_log() -> StartOutcome:
        started = await send()
        now = datetime.now(UTC)
        signals = [
            CallSignal(
                refs=(placed.provider_call_id, *placed.refs),
                kind=CallEventKind.PLACED,
                status=placed.status,
                occurred_at=now,
                direction=placed.direction,
                from_number=placed.from_number,
                to_number=placed.to_number,
                agent=placed.agent,
                raw=placed.raw,
                exact_times=placed.vendor_times,
            )
            for placed in started.calls
        ]
        calls = await session.runtime.store.calls.record_many(
            provider.id, signals, session.runtime.bus.publish
        )
        log.info(
            "%s: %s started %d call(s) on %s",
            operation,
            session.caller.name,
            len(calls),
            provider.id,
        )
        single = started.calls[0] if len(started.calls) == 1 else None
        return StartOutcome(
            calls,
            started.record_cost,
            list(started.failures),
            agent_answer=single.agent_answer if single else None,
            refusal=single.refusal if single else None,
        )

    def remember(result: StartOutcome) -> tuple[list[str], dict[str, Any]]:
        return [c.id for c in result.calls], {
            "record_cost": result.record_cost,
            "failures": [dump_error(e) for e in result.failures],
            "agent_answer": result.agent_answer.value if result.agent_answer else None,
            "refusal": result.refusal,
        }

    async def replay(call_ids: list[str], kept: Mapping[str, Any]) -> StartOutcome:
        earlier = await session.runtime.store.calls.get_many(call_ids)
        answer = kept.get("agent_answer")
        return StartOutcome(
            calls=[c for c in earlier if c is not None],
            record_cost=kept.get("record_cost"),
            failures=[ReplayedError(e) for e in kept.get("failures", [])],
            agent_answer=AgentAnswer(answer) if answer else None,
            refusal=kept.get("refusal"),
        )

    return await run_once(
        session,
        idempotency_key,
        [operation, provider.id, request],
        send_and_log,
        remember=remember,
        replay=replay,
    )


def dump_error(error: CallboardError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": error.message,
        "field": error.field,
        "vendor_code": getattr(error, "vendor_code", None),
    }


class ReplayedError(CallboardError):
    """A failure kept with an idempotency key, told again as it was first told."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data["message"], field=data.get("field"))
        self.code = data["code"]
        self.vendor_code: str | None = data.get("vendor_code")


async def call_history(session: Session, provider_id: str, query: HistoryQuery) -> list[Call]:
    """The vendor's record of past calls, kept in the call log as it is read."""
    provider = session.provider(provider_id, ReadsCallHistory)
    signals = await provider.call_history(query)
    return await session.runtime.store.calls.import_finished(provider.id, signals)
