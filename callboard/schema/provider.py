"""The Provider type: one configured vendor account, and what it can do."""

from __future__ import annotations

import strawberry

from callboard.providers.base import Provider as DomainProvider
from callboard.schema.capabilities import operations_of
from callboard.schema.enums import Capability, ProviderKind

__all__ = ["Provider"]


@strawberry.type(description="One configured vendor account behind Callboard.")
class Provider:
    id: strawberry.ID
    kind: ProviderKind
    kind_name: str = strawberry.field(
        description="The kind as configured (`kind = ...`): lirax, zvonobot, twin24, liner, "
        "while1, or the name of a kind another package installs (`kind` is then OTHER)."
    )
    capabilities: list[Capability] = strawberry.field(
        description="What this backend can do; clients hide what it can't."
    )
    operations: list[str] = strawberry.field(
        description="The GraphQL operations (root fields, or Type.field) it serves."
    )

    @classmethod
    def of(cls, provider: DomainProvider) -> Provider:
        return cls(
            id=strawberry.ID(provider.id),
            kind=ProviderKind.of(provider.kind),
            kind_name=provider.kind,
            capabilities=sorted(provider.capabilities, key=lambda c: c.name),
            operations=operations_of(provider.capabilities),
        )
