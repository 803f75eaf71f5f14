"""A PBX's set-up through GraphQL: black lists, agents, statuses, shops, deal stages, and
messages to agents (LiraX)."""

from __future__ import annotations

import strawberry

from callboard.domain import pbx as domain
from callboard.domain.capabilities import Capability
from callboard.resolvers import pbx as resolvers
from callboard.resolvers.providers import provider_for
from callboard.schema.context import Info
from callboard.schema.payloads import attempt
from callboard.schema.user_error import UserError

__all__ = ["PbxMutation", "PbxQuery"]


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

    @strawberry.field(description="The provider's shops (lines placeCall can use: shopId).")
    async def shops(self, info: Info, provider: strawberry.ID) -> list[Shop]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        return [Shop(id=strawberry.ID(s.id), name=s.name) for s in await found.shops()]

    @strawberry.field(description="Deal stages in funnel order.")
    async def deal_stages(self, info: Info, provider: strawberry.ID) -> list[DealStage]:
        found = resolvers.directory_of(info.context.runtime, info.context.client, provider)
        return [DealStage(id=s.id, title=s.title) for s in await found.deal_stages()]


@strawberry.type
class PbxMutation:
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
