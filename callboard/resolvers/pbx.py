"""A PBX's own set-up through Callboard: black lists, agents, shops, stages, messages,
and its agents' statuses followed live."""

from __future__ import annotations

from collections.abc import AsyncIterator

from callboard.domain.errors import BadInput, CallboardError
from callboard.domain.feeds import AGENT_STATUSES, FeedEvent
from callboard.domain.pbx import (
    Agent,
    AgentStatus,
    AgentStatusType,
    Blacklist,
    DealStage,
    Shop,
)
from callboard.domain.phones import normalize_phone
from callboard.events.bus import FeedFilter
from callboard.providers.areas import KeepsBlacklist, MessagesAgents, PbxDirectory
from callboard.resolvers.session import Session
from callboard.runtime import Runtime

__all__ = [
    "agent_status_changes",
    "agent_status_types",
    "agent_statuses",
    "agents",
    "blacklist",
    "deal_stages",
    "request_agent_statuses",
    "send_agent_message",
    "set_blacklisted",
    "shops",
    "status_catalogue",
]


def _directory(session: Session, provider_id: str) -> PbxDirectory:
    return session.provider(provider_id, PbxDirectory)


async def blacklist(session: Session, provider_id: str) -> Blacklist:
    return await session.provider(provider_id, KeepsBlacklist).blacklist()


async def agents(session: Session, provider_id: str) -> list[Agent]:
    return await _directory(session, provider_id).agents()


async def agent_status_types(session: Session, provider_id: str) -> list[AgentStatusType]:
    return await _directory(session, provider_id).agent_status_types()


async def agent_statuses(session: Session, provider_id: str) -> list[AgentStatus]:
    """Each agent's current status as the PBX last reported it (kept, not asked for)."""
    found = _directory(session, provider_id)
    return await session.runtime.store.agent_statuses.current([found.id])


async def shops(session: Session, provider_id: str) -> list[Shop]:
    return await _directory(session, provider_id).shops()


async def deal_stages(session: Session, provider_id: str) -> list[DealStage]:
    return await _directory(session, provider_id).deal_stages()


async def request_agent_statuses(session: Session, provider_id: str) -> None:
    """Ask the PBX to report every agent's status again; they arrive as webhooks."""
    await _directory(session, provider_id).request_agent_statuses()


async def status_catalogue(runtime: Runtime, provider_id: str) -> list[AgentStatusType] | None:
    """The statuses a provider's agents can be in; None where it has no directory or
    cannot be read now (a status shown with it is still right without its title)."""
    provider = runtime.providers.get(provider_id)
    if not isinstance(provider, PbxDirectory):
        return None
    try:
        return await provider.agent_status_types()
    except CallboardError:
        return None


async def set_blacklisted(
    session: Session,
    provider_id: str,
    *,
    phone: str | None,
    ip: str | None,
    listed: bool,
) -> Blacklist:
    """Add or remove one phone or one IP address; the black list as it is afterwards."""
    provider = session.provider(provider_id, KeepsBlacklist)
    if (phone is None) == (ip is None):
        raise BadInput("Give either `phone` or `ip`, one of them.", field="phone")
    if phone is not None:
        phone = normalize_phone(phone, session.region, field="phone")
    await provider.set_blacklisted(phone=phone, ip=ip, listed=listed)
    return await provider.blacklist()


async def send_agent_message(
    session: Session, provider_id: str, *, agent: str, sender: str, text: str
) -> None:
    provider = session.provider(provider_id, MessagesAgents)
    await provider.send_agent_message(agent.strip(), sender.strip(), text)


async def agent_status_changes(
    runtime: Runtime, provider_ids: frozenset[str], after: int | None
) -> AsyncIterator[FeedEvent[AgentStatus]]:
    """Without `after`: each agent's current status, then every change since; with it,
    the changes stored after that cursor, then live ones. Every item carries its cursor."""
    if after is None:
        # The snapshot and the id of the newest change it includes come from one read:
        # following the feed after that id misses nothing and repeats nothing.
        current, after = await runtime.store.agent_statuses.snapshot(provider_ids)
        for status in current:
            yield FeedEvent(after, AGENT_STATUSES, status.provider_id, status)
    where = FeedFilter(provider_ids=provider_ids)
    async for change in runtime.bus.subscribe_feed(AGENT_STATUSES, where, after):
        yield change
