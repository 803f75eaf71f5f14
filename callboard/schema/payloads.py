"""Mutation payloads: the result, and `userErrors` for what the client can fix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from callboard.schema.calls import Call
from callboard.schema.contact import Contact
from callboard.schema.enums import AgentAnswer
from callboard.schema.user_error import USER_ERRORS, UserError

__all__ = ["ContactPayload", "HangupPayload", "PlaceCallPayload", "mutate"]

T = TypeVar("T")
P = TypeVar("P")


async def mutate(payload: Callable[..., P], work: Awaitable[T], done: Callable[[T], P]) -> P:
    """A mutation's payload: `done(result)` when the work succeeds; when a user error stops
    it, `payload(user_errors=[...])` with every other field at its default (every payload
    type has defaults for that). Other errors go up to the edge as GraphQL errors."""
    try:
        result = await work
    except USER_ERRORS as error:
        return payload(user_errors=[UserError.of(error)])
    return done(result)


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
