"""The RobocallDetails type: what a robocall vendor says of a call beyond the Call fields."""

from __future__ import annotations

from datetime import datetime

import strawberry

from callboard.domain import robocalls as domain
from callboard.schema.field_copy import copied

__all__ = ["RobocallDetails", "TemplateVariable"]


@strawberry.type(description="A template variable as the vendor filled it for this phone.")
class TemplateVariable:
    name: str
    value: str


@strawberry.type(description="A robocall as its vendor last described it (Zvonobot).")
class RobocallDetails:
    vendor_status: str | None = strawberry.field(
        description="The vendor's own status: created, processed, started, answered, "
        "finished, canceled."
    )
    planned_at: datetime | None
    ivr_digit: int | None = strawberry.field(
        description="The key pressed; -1: the callee stayed on the line."
    )
    ivr_answers: list[str] = strawberry.field(description="The callee's answers, in order.")
    blocked: bool | None = strawberry.field(description="Added to the black list by the IVR.")
    manager_status: str | None = strawberry.field(description="The forwarded leg's status.")
    manager_started_at: datetime | None
    manager_answered_at: datetime | None
    hangup_cause: str | None
    cost: float | None = strawberry.field(description="What the call cost, in rubles.")
    template_id: int | None
    template_variables: list[TemplateVariable]
    smart_delay: int | None = strawberry.field(
        description="Minutes before the unanswered are called again."
    )
    previous_call_id: str | None = strawberry.field(
        description="The vendor id of the call this one repeats (smart delay)."
    )
    next_call_id: str | None = strawberry.field(
        description="The vendor id of the call repeating this one (smart delay)."
    )

    @classmethod
    def of(cls, details: domain.RobocallDetails) -> RobocallDetails:
        return copied(
            cls,
            details,
            ivr_answers=list(details.ivr_answers),
            template_variables=[
                TemplateVariable(name=k, value=v) for k, v in details.template_variables.items()
            ],
        )
