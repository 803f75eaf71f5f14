"""The GraphQL enums: the domain's own enums, exposed under the names API.md fixes."""

from __future__ import annotations

import enum

import strawberry

from callboard.domain.call_outcomes import MEANINGS
from callboard.domain.calls import AgentAnswer, AgentType, CallDirection, CallEventKind, CallStatus
from callboard.domain.capabilities import Capability

__all__ = [
    "AgentAnswer",
    "AgentType",
    "CallDirection",
    "CallEventKind",
    "CallHistoryFilter",
    "CallStatus",
    "Capability",
    "ProviderKind",
]

# The domain's enums are the GraphQL ones: registering them keeps one list of values.
strawberry.enum(
    CallStatus,
    name="CallStatus",
    description="Where a call stands, in one vocabulary for every vendor (QUEUED to "
    "IN_PROGRESS live, the rest final):\n"
    + "\n".join(f"- {status.value}: {meaning}" for status, meaning in MEANINGS.items()),
)
strawberry.enum(CallDirection, name="CallDirection")
strawberry.enum(CallEventKind, name="CallEventKind")
strawberry.enum(Capability, name="Capability")
strawberry.enum(
    AgentType, name="AgentType", description="What placeCall's `agent` names (While1 `type`)."
)
strawberry.enum(
    AgentAnswer,
    name="AgentAnswer",
    description="How the agent answered, when placeCall waited for them (waitForAnswer).",
)


@strawberry.enum(description="The field callHistory's filterValue is matched against.")
class CallHistoryFilter(enum.Enum):
    ANI = "call_ani"
    DNIS = "call_dnis"
    ANI_DNIS = "call_ani_dnis"
    ORIGIN_IP = "call_originip"
    DESTINATION = "call_destination"
    ORIGINATION = "call_origination"
    UTM_SOURCE = "call_utm_source"
    UTM_MEDIUM = "call_utm_medium"
    UTM_CAMPAIGN = "call_utm_campaign"
    UTM_TERM = "call_utm_term"


@strawberry.enum(description="The vendor behind a provider; OTHER for a third-party kind.")
class ProviderKind(enum.Enum):
    LIRAX = "lirax"
    ZVONOBOT = "zvonobot"
    TWIN24 = "twin24"
    LINER = "liner"
    WHILE1 = "while1"
    OTHER = "other"

    @classmethod
    def of(cls, kind: str) -> ProviderKind:
        try:
            return cls(kind)
        except ValueError:
            return cls.OTHER
