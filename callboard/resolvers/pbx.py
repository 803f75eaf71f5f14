"""A PBX's own set-up through Callboard: black lists, agents, shops, stages, messages,
and its agents' statuses followed live."""

from __future__ import annotations

from collections.abc import AsyncIterator

from callboard.auth import Caller
from callboard.domain.capabilities import Capability
from callboard.domain.errors import BadInput
from callboard.domain.feeds import AGENT_STATUSES, FeedEvent
from callboard.domain.pbx import AgentStatus, Blacklist
from callboard.domain.phones import normalize_phone
from callboard.events.bus import FeedFilter
from callboard.providers.base import Provider
from callboard.resolvers.providers import provider_for
from callboard.runtime import Runtime

__all__ = ["agent_status_changes", "directory_of", "send_agent_message", "set_blacklisted"]


def directory_of(runtime: Runtime, caller: Caller, provider_id: str) -> Provider:
    return provider_for(runtime, caller, provider_id, Capability.DIRECTORY)


async def set_blacklisted(
    runtime: Runtime,
    caller: Caller,
    provider_id: str,
    *,
    phone: str | None,
    ip: str | None,
    listed: bool,
) -> Blacklist:
    """Add or remove one phone or one IP address; the black list as it is afterwards."""
    provider = provider_for(runtime, caller, provider_id, Capability.BLACKLIST)
    if (phone is None) == (ip is None):
        raise BadInput("Give either `phone` or `ip`, one of them.", field="phone")
    if phone is not None:
        phone = normalize_phone(phone, runtime.settings.server.default_region, field="phone")
    await provider.set_blacklisted(phone=phone, ip=ip, listed=listed)
    return await provider.blacklist()


async def send_agent_message(
    runtime: Runtime, caller: Caller, provider_id: str, *, agent: str, sender: str, text: str
) -> None:
    provider = provider_for(runtime, caller, provider_id, Capability.AGENT_MESSAGES)
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
