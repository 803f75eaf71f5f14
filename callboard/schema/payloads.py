"""Mutation payloads: the result, and `userErrors` for what the client can fix."""

from __future__ import annotations

import strawberry

from callboard.schema.calls import Call
from callboard.schema.contact import Contact
from callboard.schema.user_error import UserError

__all__ = ["ContactPayload", "HangupPayload", "PlaceCallPayload"]


@strawberry.type
class PlaceCallPayload:
    call: Call | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class HangupPayload:
    call: Call | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactPayload:
    contact: Contact | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
