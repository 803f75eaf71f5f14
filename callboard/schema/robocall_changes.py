"""Planned robocalls moved or canceled: the new times asked for, and what the vendor changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import strawberry

from callboard.domain.calls import Call as DomainCall
from callboard.schema.calls import Call
from callboard.schema.ids import encode_id
from callboard.schema.user_error import UserError

__all__ = ["PlannedCallInput", "RescheduleRobocallsInput", "RobocallsPayload", "changed_payload"]


@strawberry.input
class PlannedCallInput:
    id: strawberry.ID = strawberry.field(description="The Call's id.")
    planned_at: datetime


@strawberry.input(description="New times for planned robocalls.")
class RescheduleRobocallsInput:
    calls: list[PlannedCallInput]


@strawberry.type
class RobocallsPayload:
    calls: list[Call] = strawberry.field(
        default_factory=list, description="The calls the vendor changed."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="One per call it did not (already dialled, or gone)."
    )


def changed_payload(
    what: str,
) -> Callable[[tuple[list[DomainCall], list[str]]], RobocallsPayload]:
    """The payload of the calls the vendor changed, a user error for each it did not."""
    why = f"{what}: it has been dialled, or the vendor no longer has it."

    def payload(result: tuple[list[DomainCall], list[str]]) -> RobocallsPayload:
        changed, unchanged = result
        return RobocallsPayload(
            calls=[Call.of(c) for c in changed],
            user_errors=[
                UserError(
                    field="ids", message=f"Call {encode_id('Call', i)} {why}", code="NOT_CHANGED"
                )
                for i in unchanged
            ],
        )

    return payload
