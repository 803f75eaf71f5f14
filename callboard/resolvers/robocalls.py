"""Robocalls: starting campaigns, reading their calls from the vendor, moving and
cancelling planned ones, and what a robocall vendor keeps beside them."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

from aiodataloader import DataLoader

from callboard.domain.calls import Call, CallEventKind, CallSignal, CallStatus
from callboard.domain.directory import AudioRecord, ModerationStatus
from callboard.domain.errors import BadInput, NotFound
from callboard.domain.phones import normalize_phone
from callboard.domain.provider_requests import AudioFile
from callboard.domain.robocalls import (
    Balance,
    IvrNode,
    Language,
    Notice,
    RobocallDetails,
    RobocallRequest,
    RobocallTemplate,
)
from callboard.providers.areas import KeepsAudioRecords, ReportsBalance, Robocalls, VerifiesPhones
from callboard.providers.base import Provider
from callboard.resolvers.calls import StartOutcome, start_calls
from callboard.resolvers.session import Session
from callboard.runtime import Runtime

__all__ = [
    "RobocallKey",
    "RobocallStarted",
    "audio_records",
    "balance",
    "cancel_robocalls",
    "create_audio_record",
    "fetch_robocalls",
    "languages",
    "load_robocalls",
    "remove_audio_records",
    "reschedule_robocalls",
    "robocall_details",
    "robocall_templates",
    "start_robocall",
    "verify_phone",
]


# Keys of the robocall loader: (provider id, the vendor's call id, made from a template).
RobocallKey = tuple[str, str, bool]
MAX_IDS_PER_QUERY = 20_000


@dataclasses.dataclass(frozen=True, slots=True)
class RobocallStarted:
    started: StartOutcome
    notices: list[Notice]


async def start_robocall(
    session: Session,
    provider_id: str,
    request: RobocallRequest,
    idempotency_key: str | None,
) -> RobocallStarted:
    provider = session.provider(provider_id, Robocalls)
    request, notices = _normalized(request, session.region)
    notices += await _record_notices(session.runtime, provider, request)
    notices += provider.robocall_notices(request)
    started = await start_calls(
        session,
        provider,
        "startRobocall",
        asdict(request),
        idempotency_key,
        lambda: provider.start_robocall(request),
    )
    return RobocallStarted(started, notices)


def _normalized(request: RobocallRequest, region: str) -> tuple[RobocallRequest, list[Notice]]:
    """Every phone in E.164 (each field named on error), duplicates called once."""
    if not request.phones:
        raise BadInput("Give at least one phone to call.", field="phones")
    phones = [normalize_phone(p, region, field=f"phones.{i}") for i, p in enumerate(request.phones)]
    unique = tuple(dict.fromkeys(phones))
    notices = []
    if len(unique) < len(phones):
        notices.append(
            Notice(
                "DUPLICATE_PHONES",
                f"{len(phones) - len(unique)} phone(s) were listed more than once; each is "
                "called once.",
                "phones",
            )
        )
    variables = {}
    for phone, values in request.variables.items():
        number = normalize_phone(phone, region, field="variables")
        if number not in unique:
            raise BadInput(
                f"Variables are given for {phone}, which is not called.", field="variables"
            )
        variables[number] = values
    outgoing = (
        normalize_phone(request.outgoing_phone, region, field="outgoingPhone")
        if request.outgoing_phone
        else None
    )
    return (
        dataclasses.replace(
            request,
            phones=unique,
            outgoing_phone=outgoing,
            variables=variables,
            ivrs=_normalized_nodes(request.ivrs, region, "ivrs"),
        ),
        notices,
    )


def _normalized_nodes(nodes: Sequence[IvrNode], region: str, where: str) -> tuple[IvrNode, ...]:
    return tuple(
        dataclasses.replace(
            node,
            manager_phone=normalize_phone(
                node.manager_phone, region, field=f"{where}.{i}.managerPhone"
            )
            if node.manager_phone
            else None,
            children=_normalized_nodes(node.children, region, f"{where}.{i}.ivrs"),
        )
        for i, node in enumerate(nodes)
    )


async def _record_notices(
    runtime: Runtime, provider: Provider, request: RobocallRequest
) -> list[Notice]:
    """Records Callboard saw under moderation: their calls would not start."""
    used = _record_ids(request)
    if not used:
        return []
    known = await runtime.store.audio_records.get_many(provider.id, list(used))
    notices = []
    for (record_id, field), record in zip(used.items(), known, strict=True):
        if record is None or record.moderation_status is None:
            continue
        if record.moderation_status is ModerationStatus.REJECTED:
            comment = f" ({record.moderator_comment})" if record.moderator_comment else ""
            raise BadInput(
                f"Audio record {record_id} was rejected in moderation{comment}: calls with it "
                "would never start. Use another record.",
                field=field,
            )
        if record.moderation_status is ModerationStatus.PENDING:
            notices.append(
                Notice(
                    "MODERATION_PENDING",
                    f"Audio record {record_id} was still under moderation when Callboard last "
                    "heard of it: calls using it wait in status created until the vendor "
                    "approves it.",
                    field,
                )
            )
    return notices


def _record_ids(request: RobocallRequest) -> dict[str, str]:
    """Record id -> the input field that uses it."""
    used: dict[str, str] = {}
    if request.message.record_id is not None:
        used[str(request.message.record_id)] = "message.recordId"

    def walk(nodes: Sequence[IvrNode], where: str) -> None:
        for i, node in enumerate(nodes):
            if node.message is not None and node.message.record_id is not None:
                used.setdefault(str(node.message.record_id), f"{where}.{i}.message.recordId")
            walk(node.children, f"{where}.{i}.ivrs")

    walk(request.ivrs, "ivrs")
    return used


async def fetch_robocalls(
    runtime: Runtime, provider_id: str, vendor_ids: Sequence[str], *, template: bool
) -> dict[str, Call]:
    """The vendor's current state of these calls, kept in the call log; by vendor id."""
    signals = await _robocaller(runtime, provider_id).robocall_calls(vendor_ids, template=template)
    calls = await runtime.store.calls.record_many(
        provider_id, signals, runtime.bus.publish, only_status_changes=True
    )
    return {s.refs[0]: c for s, c in zip(signals, calls, strict=True) if s.refs}


async def load_robocalls(
    session: Session,
    loader: DataLoader[RobocallKey, Call | None],
    provider_id: str,
    vendor_ids: Sequence[str],
    *,
    template: bool,
) -> list[Call | None]:
    """Robocalls by vendor id through the request's loader: one vendor request for all."""
    provider = session.provider(provider_id, Robocalls)
    if len(vendor_ids) > MAX_IDS_PER_QUERY:
        raise BadInput(f"Ask for at most {MAX_IDS_PER_QUERY} ids at once.", field="ids")
    return list(await loader.load_many([(provider.id, i.strip(), template) for i in vendor_ids]))


def robocall_details(runtime: Runtime, call: Call) -> RobocallDetails | None:
    provider = runtime.providers.get(call.provider_id)
    return provider.robocall_details(call) if isinstance(provider, Robocalls) else None


def _robocaller(runtime: Runtime, provider_id: str) -> Robocalls:
    """A provider whose robocalls the caller was let at (`session.provider` checked it)."""
    provider = runtime.providers[provider_id]
    assert isinstance(provider, Robocalls), f"{provider_id} serves no robocalls"
    return provider


async def reschedule_robocalls(
    session: Session, plan: Sequence[tuple[str, datetime]]
) -> tuple[list[Call], list[str]]:
    """Move planned calls; the calls moved (as the vendor now has them), and the ids of
    those it did not move."""
    calls = await _robocalls_by_id(session, [call_id for call_id, _ in plan])
    at = dict(plan)
    moved: list[Call] = []
    for provider_id, group in _by_provider(calls).items():
        provider = _robocaller(session.runtime, provider_id)
        moved_ids = set(await provider.reschedule_robocalls([(c, at[c.id]) for c in group]))
        moved += await _refreshed(
            session.runtime, provider_id, [c for c in group if c.provider_call_id in moved_ids]
        )
    moved_set = {c.id for c in moved}
    return moved, [c.id for c in calls if c.id not in moved_set]


async def _refreshed(runtime: Runtime, provider_id: str, calls: Sequence[Call]) -> list[Call]:
    """These calls as the vendor has them now; template calls are read apart, as the
    vendor keeps them apart."""
    parts: dict[bool, list[Call]] = {}
    for call in calls:
        details = robocall_details(runtime, call)
        parts.setdefault(bool(details and details.template_id is not None), []).append(call)
    fresh: dict[str, Call] = {}
    for template, part in parts.items():
        ids = [c.provider_call_id or "" for c in part]
        fresh.update(await fetch_robocalls(runtime, provider_id, ids, template=template))
    return [fresh.get(c.provider_call_id or "", c) for c in calls]


async def cancel_robocalls(
    session: Session, call_ids: Sequence[str]
) -> tuple[list[Call], list[str]]:
    """Remove planned calls: each one removed becomes CANCELED (an event tells listeners)."""
    calls = await _robocalls_by_id(session, call_ids)
    canceled: list[Call] = []
    for provider_id, group in _by_provider(calls).items():
        removed = set(await _robocaller(session.runtime, provider_id).cancel_robocalls(group))
        now = datetime.now(UTC)
        signals = [
            CallSignal(
                refs=(c.provider_call_id or "",),
                kind=CallEventKind.STATUS_CHANGED,
                occurred_at=now,
                status=CallStatus.CANCELED,
                raw={**c.raw, "removedAt": int(now.timestamp())},
                exact_times=True,
            )
            for c in group
            if c.provider_call_id in removed
        ]
        canceled += await session.runtime.store.calls.record_many(
            provider_id, signals, session.runtime.bus.publish
        )
    done = {c.id for c in canceled}
    return canceled, [c.id for c in calls if c.id not in done]


async def _robocalls_by_id(session: Session, call_ids: Sequence[str]) -> list[Call]:
    if not call_ids:
        raise BadInput("Name at least one call.", field="ids")
    unique = list(dict.fromkeys(call_ids))
    found = await session.runtime.store.calls.get_many(unique)
    calls = []
    for call_id, call in zip(unique, found, strict=True):
        if call is None or not session.can_see(call.provider_id):
            raise NotFound(f"No call with id {call_id}.", field="ids")
        session.provider(call.provider_id, Robocalls, field="ids")
        calls.append(call)
    return calls


def _by_provider(calls: Sequence[Call]) -> dict[str, list[Call]]:
    groups: dict[str, list[Call]] = {}
    for call in calls:
        groups.setdefault(call.provider_id, []).append(call)
    return groups


async def robocall_templates(
    session: Session, provider_id: str, *, only_moderated: bool
) -> list[RobocallTemplate]:
    provider = session.provider(provider_id, Robocalls)
    templates = await provider.robocall_templates(only_moderated=only_moderated)
    # Shown, not kept: masked here as the store masks what it keeps.
    return [session.runtime.redact.payload_of(t) for t in templates]


async def languages(session: Session, provider_id: str) -> list[Language]:
    provider = session.provider(provider_id, Robocalls)
    return await provider.languages()


async def create_audio_record(
    session: Session,
    provider_id: str,
    *,
    name: str,
    text: str | None,
    file: AudioFile | None,
) -> AudioRecord:
    provider = session.provider(provider_id, KeepsAudioRecords)
    record = await provider.create_audio_record(name=name, text=text, file=file)
    (kept,) = await session.runtime.store.audio_records.put([record])
    return kept


async def remove_audio_records(
    session: Session, provider_id: str, record_ids: Sequence[str]
) -> list[AudioRecord]:
    provider = session.provider(provider_id, KeepsAudioRecords)
    if not record_ids:
        raise BadInput("Name at least one record.", field="ids")
    removed = await provider.remove_audio_records(record_ids)
    return await session.runtime.store.audio_records.removed(removed)


async def audio_records(session: Session, provider_id: str | None) -> list[AudioRecord]:
    scope = session.scope_of(provider_id, KeepsAudioRecords)
    return await session.runtime.store.audio_records.list(sorted(scope))


async def balance(session: Session, provider_id: str) -> Balance:
    return await session.provider(provider_id, ReportsBalance).balance()


async def verify_phone(
    session: Session, provider_id: str, phone: str, pin: str | None
) -> tuple[str, str]:
    """Start a FlashOnCall verification; the phone (E.164) and the pin it will show."""
    provider = session.provider(provider_id, VerifiesPhones)
    number = normalize_phone(phone, session.region)
    pin = pin if pin is not None else f"{secrets.randbelow(10_000):04d}"
    await provider.verify_phone(number, pin)
    return number, pin.strip()
