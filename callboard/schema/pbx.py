"""A PBX's set-up through GraphQL, the roots: black lists, agents, statuses, shops, deal
stages, and messages to agents (LiraX)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from callboard.providers.areas import PbxDirectory
from callboard.resolvers import pbx as resolvers
from callboard.schema.agent_status import AGENT_STATUS_CURSOR, AgentStatus
from callboard.schema.blacklist import Blacklist, BlacklistInput, BlacklistPayload
from callboard.schema.context import Info
from callboard.schema.feed_subscriptions import follow_feed
from callboard.schema.payloads import mutate
from callboard.schema.pbx_directory import Agent, AgentStatusType, DealStage, Shop
from callboard.schema.pbx_requests import AgentMessageInput, AgentMessagePayload, RequestPayload

__all__ = ["PbxMutation", "PbxQuery", "PbxSubscription"]


@strawberry.type
class PbxQuery:
    @strawberry.field(description="The provider's black lists of phones and IP addresses.")
    async def blacklist(self, info: Info, provider: strawberry.ID) -> Blacklist:
        return Blacklist.of(await resolvers.blacklist(info.context.session, provider))

    @strawberry.field(description="The provider's agents (PBX users).")
    async def agents(self, info: Info, provider: strawberry.ID) -> list[Agent]:
        return [Agent.of(a) for a in await resolvers.agents(info.context.session, provider)]

    @strawberry.field(description="The statuses an agent can be in.")
    async def agent_status_types(
        self, info: Info, provider: strawberry.ID
    ) -> list[AgentStatusType]:
        found = await resolvers.agent_status_types(info.context.session, provider)
        return [AgentStatusType(id=strawberry.ID(s.id), title=s.title) for s in found]

    @strawberry.field(description="Each agent's current status, as the PBX last reported it.")
    async def agent_statuses(self, info: Info, provider: strawberry.ID) -> list[AgentStatus]:
        current = await resolvers.agent_statuses(info.context.session, provider)
        return [AgentStatus.of(s) for s in current]

    @strawberry.field(description="The provider's shops (lines placeCall can use: shopId).")
    async def shops(self, info: Info, provider: strawberry.ID) -> list[Shop]:
        found = await resolvers.shops(info.context.session, provider)
        return [Shop(id=strawberry.ID(s.id), name=s.name) for s in found]

    @strawberry.field(description="Deal stages in funnel order.")
    async def deal_stages(self, info: Info, provider: strawberry.ID) -> list[DealStage]:
        found = await resolvers.deal_stages(info.context.session, provider)
        return [DealStage(id=s.id, title=s.title) for s in found]


@strawberry.type
class PbxMutation:
    @strawberry.mutation(
        description="Ask the PBX to report every agent's status again (LiraX initStatuses); "
        "the statuses then arrive in agentStatusChanged and agentStatuses."
    )
    async def request_agent_statuses(self, info: Info, provider: strawberry.ID) -> RequestPayload:
        # The provider is found inside the work: one it cannot use is a userError too.
        work = resolvers.request_agent_statuses(info.context.session, provider)
        return await mutate(RequestPayload, work, lambda _: RequestPayload(requested=True))

    @strawberry.mutation(description="Black-list a phone or an IP address.")
    async def add_to_blacklist(self, info: Info, input: BlacklistInput) -> BlacklistPayload:
        return await _blacklist(info, input, listed=True)

    @strawberry.mutation(description="Take a phone or an IP address off the black list.")
    async def remove_from_blacklist(self, info: Info, input: BlacklistInput) -> BlacklistPayload:
        return await _blacklist(info, input, listed=False)

    @strawberry.mutation(description="A message to an agent in the corporate messenger.")
    async def send_agent_message(self, info: Info, input: AgentMessageInput) -> AgentMessagePayload:
        work = resolvers.send_agent_message(
            info.context.session,
            input.provider,
            agent=input.agent,
            sender=input.from_,
            text=input.text,
        )
        return await mutate(AgentMessagePayload, work, lambda _: AgentMessagePayload(sent=True))


@strawberry.type
class PbxSubscription:
    @strawberry.subscription(
        description="Agents' statuses: first each agent's current one, then every change. "
        "With `after` (a status's `cursor`), the changes stored since that one come "
        "instead of the current statuses, then the live ones, none twice."
    )
    def agent_status_changed(
        self, info: Info, provider: strawberry.ID | None = None, after: strawberry.ID | None = None
    ) -> AsyncGenerator[AgentStatus, None]:
        return follow_feed(
            info,
            provider,
            after,
            cursor_type=AGENT_STATUS_CURSOR,
            needs=PbxDirectory,
            changes=resolvers.agent_status_changes,
            shown=AgentStatus.of,
        )


async def _blacklist(info: Info, input: BlacklistInput, *, listed: bool) -> BlacklistPayload:
    work = resolvers.set_blacklisted(
        info.context.session, input.provider, phone=input.phone, ip=input.ip, listed=listed
    )
    return await mutate(BlacklistPayload, work, BlacklistPayload.of)
