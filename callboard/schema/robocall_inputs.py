"""What starts a robocall campaign: the message, template variables, the IVR tree, the
schedule and the vendor options."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from callboard.domain.robocalls import Voice, Weekday
from callboard.schema.input_limits import MAX_ROBOCALL_PHONES

__all__ = [
    "IvrNodeInput",
    "PhoneVariablesInput",
    "RobocallMessageInput",
    "StartRobocallInput",
    "TemplateVariableInput",
]

strawberry.enum(Voice, name="Voice")
strawberry.enum(Weekday, name="Weekday")


@strawberry.input(description="What a robocall plays: a record, a text, or a vendor template.")
class RobocallMessageInput:
    record_id: int | None = strawberry.field(default=None, description="An audio record's id.")
    text: str | None = strawberry.field(
        default=None, description="Read by a synthetic voice (Zvonobot: up to 1024 characters)."
    )
    voice: Voice | None = strawberry.field(
        default=None, description="For `text`; FEMALE by default."
    )
    template_id: int | None = strawberry.field(
        default=None,
        description="A vendor template (see `robocallTemplates`): it brings the message and the "
        "options; per-phone `variables` fill it.",
    )


@strawberry.input(description="One template variable, by its placeholder name.")
class TemplateVariableInput:
    name: str = strawberry.field(description="The placeholder, as `name` or `{name}`.")
    value: str


@strawberry.input(description="A template's variables for one phone.")
class PhoneVariablesInput:
    phone: str
    values: list[TemplateVariableInput]


@strawberry.input(description="One IVR branch: what a key or word triggers.")
class IvrNodeInput:
    digit: int | None = strawberry.field(
        default=None,
        description="0-9. Without digit, key words or anyWord: what happens if the callee "
        "stays on the line.",
    )
    key_words: list[str] | None = strawberry.field(default=None, description="Spoken answers.")
    any_word: bool | None = strawberry.field(
        default=None, description="Any spoken answer (a branch without digit and key words)."
    )
    recognition_timeout: int | None = strawberry.field(
        default=None, description="Seconds to wait for a spoken answer, 1-15 (with anyWord)."
    )
    recognize: bool | None = None
    block: bool | None = strawberry.field(default=None, description="Black-list the callee.")
    message: RobocallMessageInput | None = strawberry.field(
        default=None, description="What this branch plays (a record or a text)."
    )
    manager_phone: str | None = strawberry.field(
        default=None, description="Forward the call to this phone."
    )
    sms_text: str | None = strawberry.field(default=None, description="Up to 70 characters.")
    sms_template_id: int | None = None
    sms_channel: str | None = None
    email_timeout: int | None = strawberry.field(default=None, description="Minutes.")
    notify: bool = strawberry.field(
        default=False,
        description="Report the callee's answer on this branch as an IVR_INPUT call event.",
    )
    webhook_parameters: JSON | None = strawberry.field(
        default=None, description="Your own fields, added to the IVR_INPUT event's raw."
    )
    webhook_headers: JSON | None = None
    ivrs: list[IvrNodeInput] | None = strawberry.field(
        default=None, description="The branches after this one."
    )


@strawberry.input(description="A robocall campaign: one message to each phone.")
class StartRobocallInput:
    provider: strawberry.ID
    phones: list[str] = strawberry.field(
        description=f"Up to {MAX_ROBOCALL_PHONES:,} phones; Callboard splits them into "
        "requests the vendor accepts."
    )
    outgoing_phone: str | None = strawberry.field(
        default=None, description="The caller id: a number confirmed at the vendor."
    )
    message: RobocallMessageInput
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key never starts the campaign twice."
    )
    duty_phone: bool = strawberry.field(
        default=False, description="Let the vendor pick one of its duty numbers as caller id."
    )
    variables: list[PhoneVariablesInput] | None = strawberry.field(
        default=None, description="With a template: the variables of each phone."
    )
    ivrs: list[IvrNodeInput] | None = None
    planned_at: datetime | None = strawberry.field(default=None, description="When to call.")
    start_time: str | None = strawberry.field(
        default=None, description="Calling window start, HH:MM."
    )
    end_time: str | None = strawberry.field(default=None, description="Calling window end, HH:MM.")
    weekdays: list[Weekday] | None = strawberry.field(
        default=None, description="Days to call on (with the window); not with excludeWeekends."
    )
    exclude_weekends: bool | None = None
    subscriber_time_zone: bool | None = strawberry.field(
        default=None, description="Read plannedAt and the window in each callee's time zone."
    )
    smart_delay: int | None = strawberry.field(
        default=None, description="Call the unanswered again after this many minutes (15-90)."
    )
    record: bool | None = strawberry.field(default=None, description="Record the calls.")
    answer_timeout: int | None = strawberry.field(
        default=None, description="Seconds to wait for an answer (15-60; vendor default 30)."
    )
    language: str | None = strawberry.field(default=None, description="e.g. ru-RU.")
    voice_detection: bool | None = strawberry.field(
        default=None, description="Let the callee interrupt the robot."
    )
    end_of_speech: bool | None = strawberry.field(
        default=None, description="Detect the end of the callee's speech."
    )
    manager_delivery_phone: bool | None = strawberry.field(
        default=None, description="Show the caller id to the manager a call is forwarded to."
    )
    webhook_parameters: JSON | None = strawberry.field(
        default=None, description="Your own fields, added to the call's status payloads (raw)."
    )
    webhook_headers: JSON | None = None
