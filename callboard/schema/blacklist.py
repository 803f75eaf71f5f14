"""A PBX's black list of phones and IP addresses: the type, the change's input and payload."""

from __future__ import annotations

import strawberry

from callboard.domain import pbx as domain
from callboard.schema.user_error import UserError

__all__ = ["Blacklist", "BlacklistInput", "BlacklistPayload"]


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

    @classmethod
    def of(cls, blacklist: domain.Blacklist) -> BlacklistPayload:
        return cls(blacklist=Blacklist.of(blacklist))
