"""What a vendor account holds, through GraphQL: audio records and the balance;
and FlashOnCall phone verification."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.file_uploads import Upload

from callboard.domain import directory as domain
from callboard.domain.directory import ModerationStatus
from callboard.domain.errors import BadInput
from callboard.domain.provider_requests import AudioFile
from callboard.resolvers import robocalls as resolvers
from callboard.schema.context import Info
from callboard.schema.field_copy import copied
from callboard.schema.ids import encode_id
from callboard.schema.payloads import mutate
from callboard.schema.user_error import UserError

__all__ = ["AccountMutation", "AccountQuery"]

strawberry.enum(ModerationStatus, name="ModerationStatus")

# Voice records are seconds to minutes of audio: a few megabytes.
MAX_AUDIO_BYTES = 20 * 1024 * 1024


@strawberry.type(description="A message recording kept at a robocall vendor.")
class AudioRecord:
    id: strawberry.ID
    provider: strawberry.ID
    record_id: str = strawberry.field(description="The vendor's id: `message.recordId`.")
    name: str | None
    moderation_status: ModerationStatus | None = strawberry.field(
        description="Calls with a PENDING or REJECTED record do not start. As the vendor "
        "last reported it (it cannot be asked again)."
    )
    moderator_comment: str | None
    text: str | None = strawberry.field(description="What a text-to-speech record says.")
    url: str | None
    cost: float | None = strawberry.field(description="Rubles.")
    created_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def of(cls, record: domain.AudioRecord) -> AudioRecord:
        return copied(
            cls,
            record,
            id=strawberry.ID(encode_id("AudioRecord", f"{record.provider_id}:{record.record_id}")),
            provider=strawberry.ID(record.provider_id),
        )


@strawberry.input(description="A new audio record: a text to synthesize, or an uploaded file.")
class CreateAudioRecordInput:
    provider: strawberry.ID
    name: str
    text: str | None = strawberry.field(default=None, description="Up to 1024 characters.")
    file: Upload | None = strawberry.field(
        default=None,
        description="A sound file, sent as a GraphQL multipart upload (up to 20 MB).",
    )


@strawberry.type
class AudioRecordPayload:
    record: AudioRecord | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AudioRecordsPayload:
    records: list[AudioRecord] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="What is left on a vendor account.")
class Balance:
    provider: strawberry.ID
    account_id: str | None
    amount: float = strawberry.field(description="Rubles.")


@strawberry.input(description="Call a phone from a number ending in `pin` (FlashOnCall).")
class VerifyPhoneInput:
    provider: strawberry.ID
    phone: str
    pin: str | None = strawberry.field(
        default=None,
        description="4 digits; Callboard picks random ones if not given. The person proves "
        "the phone is theirs by typing the last 4 digits of the number that calls.",
    )


@strawberry.type
class VerifyPhonePayload:
    phone: str | None = None
    pin: str | None = strawberry.field(default=None, description="What the person must type back.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountQuery:
    @strawberry.field(description="Audio records created through Callboard, newest first.")
    async def audio_records(
        self, info: Info, provider: strawberry.ID | None = None
    ) -> list[AudioRecord]:
        found = await resolvers.audio_records(info.context.session, provider)
        return [AudioRecord.of(r) for r in found]

    @strawberry.field(description="The account's balance at the vendor (Zvonobot userInfo).")
    async def balance(self, info: Info, provider: strawberry.ID) -> Balance:
        found = await resolvers.balance(info.context.session, provider)
        return Balance(
            provider=provider, account_id=found.account_id, amount=round(found.amount, 2)
        )


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create an audio record (Zvonobot createRecord).")
    async def create_audio_record(
        self, info: Info, input: CreateAudioRecordInput
    ) -> AudioRecordPayload:
        async def work() -> domain.AudioRecord:
            return await resolvers.create_audio_record(
                info.context.session,
                input.provider,
                name=input.name,
                text=input.text,
                file=await _read_upload(input.file) if input.file is not None else None,
            )

        return await mutate(
            AudioRecordPayload, work(), lambda r: AudioRecordPayload(record=AudioRecord.of(r))
        )

    @strawberry.mutation(description="Remove audio records (Zvonobot removeRecord).")
    async def remove_audio_records(
        self, info: Info, provider: strawberry.ID, record_ids: list[str]
    ) -> AudioRecordsPayload:
        work = resolvers.remove_audio_records(info.context.session, provider, record_ids)
        return await mutate(
            AudioRecordsPayload,
            work,
            lambda removed: AudioRecordsPayload(records=[AudioRecord.of(r) for r in removed]),
        )

    @strawberry.mutation(
        description="Verify a phone: the vendor calls it from a number ending in the pin "
        "(Zvonobot FlashOnCall)."
    )
    async def verify_phone(self, info: Info, input: VerifyPhoneInput) -> VerifyPhonePayload:
        work = resolvers.verify_phone(info.context.session, input.provider, input.phone, input.pin)
        return await mutate(
            VerifyPhonePayload, work, lambda sent: VerifyPhonePayload(phone=sent[0], pin=sent[1])
        )


async def _read_upload(upload: object) -> AudioFile:
    """The multipart part, read whole (Starlette's UploadFile under the ASGI view)."""
    read = getattr(upload, "read", None)
    if read is None:
        raise BadInput("`file` must be uploaded as a multipart file part.", field="file")
    try:
        content = await read(MAX_AUDIO_BYTES + 1)
    finally:
        # Starlette spools the part to a temporary file that strawberry leaves open.
        close = getattr(upload, "close", None)
        if close is not None:
            await close()
    if len(content) > MAX_AUDIO_BYTES:
        raise BadInput(
            f"The file is larger than {MAX_AUDIO_BYTES // (1024 * 1024)} MB.", field="file"
        )
    return AudioFile(
        filename=getattr(upload, "filename", None) or "record",
        content_type=getattr(upload, "content_type", None) or "application/octet-stream",
        content=content,
    )
