"""The PBX: its black list, its directory (agents, their statuses, shops, deal stages)
and messages to agents."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.domain.pbx import Agent, AgentStatusType, Blacklist, DealStage, Shop
from callboard.providers.areas.area import Area

__all__ = ["KeepsBlacklist", "MessagesAgents", "PbxDirectory"]


class KeepsBlacklist(Area):
    capability = Capability.BLACKLIST
    operations: ClassVar[tuple[str, ...]] = ("blacklist", "addToBlacklist", "removeFromBlacklist")

    @abstractmethod
    async def blacklist(self) -> Blacklist: ...

    @abstractmethod
    async def set_blacklisted(
        self, *, phone: str | None = None, ip: str | None = None, listed: bool
    ) -> None:
        """Add (`listed`) or remove one phone (E.164) or one IP address (normalized)."""


class PbxDirectory(Area):
    capability = Capability.DIRECTORY
    operations: ClassVar[tuple[str, ...]] = (
        "agents",
        "agentStatusTypes",
        "agentStatuses",
        "agentStatusChanged",
        "requestAgentStatuses",
        "shops",
        "dealStages",
    )

    @abstractmethod
    async def agents(self) -> list[Agent]: ...

    @abstractmethod
    async def agent_status_types(self) -> list[AgentStatusType]: ...

    @abstractmethod
    async def shops(self) -> list[Shop]: ...

    @abstractmethod
    async def deal_stages(self) -> list[DealStage]: ...

    @abstractmethod
    async def request_agent_statuses(self) -> None:
        """Ask the PBX to report every agent's status again (through its webhooks)."""


class MessagesAgents(Area):
    capability = Capability.AGENT_MESSAGES
    operations: ClassVar[tuple[str, ...]] = ("sendAgentMessage",)

    @abstractmethod
    async def send_agent_message(self, agent: str, sender: str, text: str) -> None: ...
