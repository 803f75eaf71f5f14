"""A PBX's set-up through GraphQL: black lists, agents, statuses, shops, deal stages, and
messages to agents (LiraX)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from callboard.domain import pbx as domain
from callboard.domain.capabilities import Capability
from callboard.domain.errors import CallboardError
from callboard.domain.pbx import AgentState
from callboard.resolvers import pbx as resolvers
from callboard.resolvers.providers import provider_for, scope_of
from callboard.schema.context import Info
from callboard.schema.ids import decode_cursor, encode_id
from callboard.schema.payloads import attempt
from callboard.schema.user_error import UserError

__all__ = ["PbxMutation", "PbxQuery", "PbxSubscription"]

strawberry.enum(AgentState, name="AgentState")

_CURSOR = "AgentStatusEvent"  # the type name inside agentStatusChanged's cursors


@strawberry.type(description="A PBX user (LiraX getUsers).")
class Agent:
    id: strawberry.ID
    name: str
    extension: str | None
    active: bool


@strawberry.type(description="A status an agent can be in (LiraX getUserStatuses).")
class AgentStatusType:
    id: strawberry.ID
    title: str


@strawberry.type(description="An agent's status as the PBX last reported it (LiraX staton).")
class AgentStatus:
    provider: strawberry.ID
    agent: str = strawberry.field(description="The agent's extension.")
    state: AgentState
    status_id: strawberry.ID = strawberry.field(description="The PBX's own status id.")
    updated_at: datetime
    cursor: strawberry.ID | None = strawberry.field(
        default=None,
        description="Pass as `after` to agentStatusChanged to resume after this status; "
        "null outside subscriptions.",
    )

    @strawberry.field(description="The status's name in the PBX; null if it cannot be read.")
    async def title(self, info: Info) -> str | None:
        provider = info.context.runtime.providers.get(self.provider)
        if provider is None or Capability.DIRECTORY not in provider.capabilities:
            return None
        try:
            catalogue = await provider.agent_status_types()
        except CallboardError:
            return None  # the vendor is down: the status itself is still right
        return next((s.title for s in catalogue if s.id == self.status_id), None)

    @classmethod
    def of(cls, status: domain.AgentStatus, cursor: int | None = None) -> AgentStatus:
        return cls(
            provider=strawberry.ID(status.provider_id),
            agent=status.agent,
            state=status.state,
            status_id=strawberry.ID(status.status_id),
            updated_at=status.updated_at,
            cursor=strawberry.ID(encode_id(_CURSOR, cursor)) if cursor is not None else None,
        )


@strawberry.type
class Shop:
    id: strawberry.ID
    name: str


@strawberry.type(description="A deal stage; lists come in funnel order.")
class DealStage:
    id: int
    title: str


@strawberry.type
class Blacklist:
    phones: list[str] = strawberry.field(description="E.164 where the number parses.")
    ips: list[str]

    @classmethod
    def of(cls, blacklist: domain.Blacklist) -> Blacklist:
        return cls(phones=list(blacklist.phones), ips=list(blacklist.ips))


@strawberry.input(description="One phone or one IP address (not both).")
class BlacklistInput:
    provider: strawberry.ID
    phone: str | None = None
    ip: str | None = strawberry.field(default=None, description="IPv4 or IPv6.")


@strawberry.type
class BlacklistPayload:
    blacklist: Blacklist | None = strawberry.field(
        default=None, description="The black list after the change."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AgentMessageInput:
    provider: strawberry.ID
    agent: str = strawberry.field(description="The extension of the agent to message.")
    from_: str = strawberry.field(
        name="from", description="Who the message is from: a contact's name or phone."
    )
    text: str


@strawberry.type
class AgentMessagePayload:
    sent: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PbxQuery:
    @strawberry.field(description="The provider's black lists of phones and IP addresses.")
    async def blacklist(self, info: Info, provider: strawberry.ID) -> Blacklist:
        ctx = info.context
        found = provider_for(ctx.runtime, ctx.client, provider, Capability.BLACKLIST)
        return Blacklist.of(await found.blacklist())

    @strawberry.field(description="The provider's agents (PBX users).")
    async def agents(self, info: Info, provider: strawberry.ID) -> list[Agent]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        return [
            Agent(id=strawberry.ID(a.id), name=a.name, extension=a.extension, active=a.active)
            for a in await found.agents()
        ]

    @strawberry.field(description="The statuses an agent can be in.")
    async def agent_status_types(
        self, info: Info, provider: strawberry.ID
    ) -> list[AgentStatusType]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        return [
            AgentStatusType(id=strawberry.ID(s.id), title=s.title)
            for s in await found.agent_status_types()
        ]

    @strawberry.field(description="Each agent's current status, as the PBX last reported it.")
    async def agent_statuses(self, info: Info, provider: strawberry.ID) -> list[AgentStatus]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        current = await info.context.runtime.store.agent_statuses.current([found.id])
        return [AgentStatus.of(s) for s in current]

    @strawberry.field(description="The provider's shops (lines placeCall can use: shopId).")
    async def shops(self, info: Info, provider: strawberry.ID) -> list[Shop]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        return [Shop(id=strawberry.ID(s.id), name=s.name) for s in await found.shops()]

    @strawberry.field(description="Deal stages in funnel order.")
    async def deal_stages(self, info: Info, provider: strawberry.ID) -> list[DealStage]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        return [DealStage(id=s.id, title=s.title) for s in await found.deal_stages()]


@strawberry.type
class RequestPayload:
    requested: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PbxMutation:
    @strawberry.mutation(
        description="Ask the PBX to report every agent's status again (LiraX initStatuses); "
        "the statuses then arrive in agentStatusChanged and agentStatuses."
    )
    async def request_agent_statuses(self, info: Info, provider: strawberry.ID) -> RequestPayload:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        _, errors = await attempt(found.request_agent_statuses())
        return RequestPayload(requested=not errors, user_errors=errors)

    @strawberry.mutation(description="Black-list a phone or an IP address.")
    async def add_to_blacklist(self, info: Info, input: BlacklistInput) -> BlacklistPayload:
        return await _blacklist(info, input, listed=True)

    @strawberry.mutation(description="Take a phone or an IP address off the black list.")
    async def remove_from_blacklist(self, info: Info, input: BlacklistInput) -> BlacklistPayload:
        return await _blacklist(info, input, listed=False)

    @strawberry.mutation(description="A message to an agent in the corporate messenger.")
    async def send_agent_message(self, info: Info, input: AgentMessageInput) -> AgentMessagePayload:
        _, errors = await attempt(
            resolvers.send_agent_message(
                info.context.runtime,
                info.context.client,
                input.provider,
                agent=input.agent,
                sender=input.from_,
                text=input.text,
            )
        )
        return AgentMessagePayload(sent=not errors, user_errors=errors)


@strawberry.type
class PbxSubscription:
    @strawberry.subscription(
        description="Agents' statuses: first each agent's current one, then every change. "
        "With `after` (a status's `cursor`), the changes stored since that one come "
        "instead of the current statuses, then the live ones, none twice."
    )
    async def agent_status_changed(
        self, info: Info, provider: strawberry.ID | None = None, after: str | None = None
    ) -> AsyncGenerator[AgentStatus, None]:
        runtime, caller = info.context.runtime, info.context.client
        providers = scope_of(runtime, caller, provider)
        cursor = decode_cursor(_CURSOR, after, maximum=runtime.store.max_id)
        async for change in resolvers.agent_status_changes(runtime, providers, cursor):
            yield AgentStatus.of(change.item, change.id)


async def _blacklist(info: Info, input: BlacklistInput, *, listed: bool) -> BlacklistPayload:
    result, errors = await attempt(
        resolvers.set_blacklisted(
            info.context.runtime,
            info.context.client,
            input.provider,
            phone=input.phone,
            ip=input.ip,
            listed=listed,
        )
    )
    return BlacklistPayload(blacklist=Blacklist.of(result) if result else None, user_errors=errors)
