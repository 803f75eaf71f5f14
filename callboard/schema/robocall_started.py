"""What startRobocall answers: the calls the vendor accepted, notices, user errors."""

from __future__ import annotations

import strawberry

from callboard.domain import robocalls as domain
from callboard.resolvers.robocalls import RobocallStarted
from callboard.schema.calls import Call
from callboard.schema.user_error import UserError

__all__ = ["Notice", "StartRobocallPayload"]


@strawberry.type(description="Something to know about a request that went ahead anyway.")
class Notice:
    code: str = strawberry.field(description="MODERATION_PENDING, DUPLICATE_PHONES, ...")
    message: str
    field: str | None

    @classmethod
    def of(cls, notice: domain.Notice) -> Notice:
        return cls(code=notice.code, message=notice.message, field=notice.field)


@strawberry.type
class StartRobocallPayload:
    calls: list[Call] = strawberry.field(
        default_factory=list,
        description="One call per phone the vendor accepted (QUEUED until it dials).",
    )
    record_cost: float | None = strawberry.field(
        default=None, description="What generating the texts' audio cost, in rubles."
    )
    notices: list[Notice] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: RobocallStarted) -> StartRobocallPayload:
        """The calls the vendor accepted; a user error for each phone it did not."""
        return cls(
            calls=[Call.of(c) for c in result.started.calls],
            record_cost=result.started.record_cost,
            notices=[Notice.of(n) for n in result.notices],
            user_errors=[UserError.of(e) for e in result.started.failures],
        )
