"""What a robocall vendor offers: its templates and the languages its voices speak."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from callboard.domain import robocalls as domain
from callboard.schema.field_copy import copied

__all__ = ["Language", "RobocallTemplate"]


@strawberry.type(description="A robocall template kept at the vendor.")
class RobocallTemplate:
    id: int
    name: str | None
    moderated: bool | None = strawberry.field(description="Only moderated templates can call.")
    text: str | None
    raw: JSON

    @classmethod
    def of(cls, template: domain.RobocallTemplate) -> RobocallTemplate:
        return copied(cls, template, id=template.template_id, raw=JSON(dict(template.raw)))


@strawberry.type(description="A language the vendor's voices speak.")
class Language:
    id: str
    name: str
    code: str = strawberry.field(description="What `StartRobocallInput.language` takes.")
