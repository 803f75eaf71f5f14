"""What is asked of a PBX without a record to show: a message to an agent, a status report."""

from __future__ import annotations

import strawberry

from callboard.schema.user_error import UserError

__all__ = ["AgentMessageInput", "AgentMessagePayload", "RequestPayload"]


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
class RequestPayload:
    requested: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)
