"""Mutation payloads: the result, and `userErrors` for what the client can fix."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry

from callboard.schema.calls import Call
from callboard.schema.contact import Contact
from callboard.schema.enums import AgentAnswer
from callboard.schema.user_error import USER_ERRORS, UserError

__all__ = ["ContactPayload", "HangupPayload", "PlaceCallPayload", "attempt"]

T = TypeVar("T")


async def attempt(work: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """The result, or the user error that stopped it; other errors go up to the edge."""
    try:
        return await work, []
    except USER_ERRORS as error:
        return None, [UserError.of(error)]


@strawberry.type
class PlaceCallPayload:
    call: Call | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    agent_answer: AgentAnswer | None = strawberry.field(
        default=None,
        description="With waitForAnswer: ANSWERED, REJECTED or TIMED_OUT (then the call is "
        "kept with that outcome and userErrors carries the PBX's words); null otherwise.",
    )


@strawberry.type
class HangupPayload:
    call: Call | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactPayload:
    contact: Contact | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
