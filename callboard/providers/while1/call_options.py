"""While1's own options for placing a call, read from the request's `extra`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from callboard.domain.calls import AgentType
from callboard.providers.call_extra import extra_flag, extra_mapping, extra_value

__all__ = ["While1CallOptions"]


@dataclass(frozen=True, slots=True)
class While1CallOptions:
    """What originate-call takes beyond the agent and the customer."""

    agent_type: AgentType | None = None  # what `agent` names (vendor default: user)
    caller_id_name: str | None = None  # the customer's name shown to the agent
    outbound_number: str | None = None  # the number the customer sees
    outbound_trunk: str | None = None  # the trunk the call leaves through
    variables: Mapping[str, str] = field(default_factory=dict)  # the PBX context's vars
    wait_for_answer: bool = False  # async=0: answer once the agent answers

    @classmethod
    def from_extra(cls, extra: Mapping[str, object]) -> While1CallOptions:
        """The options the client set (others are other vendors'); a wrong type refused."""
        return cls(
            agent_type=extra_value(extra, "agent_type", AgentType),
            caller_id_name=extra_value(extra, "caller_id_name", str),
            outbound_number=extra_value(extra, "outbound_number", str),
            outbound_trunk=extra_value(extra, "outbound_trunk", str),
            variables=extra_mapping(extra, "variables"),
            wait_for_answer=extra_flag(extra, "wait_for_answer"),
        )
