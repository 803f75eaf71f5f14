"""What Callboard created at a vendor that cannot list it (numbers, audio records), kept on
either database: a record reported again replaces what was known of it, and only it."""

from __future__ import annotations

from datetime import UTC, datetime

from callboard.domain.directory import AudioRecord, ModerationStatus, PhoneNumber
from callboard.store import Store

WHEN = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def test_numbers_put_again_replace_only_the_same_ones(store: Store) -> None:
    await store.numbers.put(
        [
            PhoneNumber("twin", "+74950000001", name="Sales", number_id="1", raw={"n": 1}),
            PhoneNumber("twin", "+74950000002", name="Support", number_id="2"),
            PhoneNumber("other", "+74950000001", name="Elsewhere", number_id="9"),
        ]
    )
    kept = await store.numbers.put(
        [PhoneNumber("twin", "+74950000001", name="Sales, renamed", number_id="1")]
    )
    assert [n.name for n in kept] == ["Sales, renamed"]
    listed = await store.numbers.list(["twin", "other"])
    assert [(n.provider_id, n.number, n.name, n.raw) for n in listed] == [
        ("other", "+74950000001", "Elsewhere", {}),
        ("twin", "+74950000001", "Sales, renamed", {}),
        ("twin", "+74950000002", "Support", {}),
    ]
    assert await store.numbers.put([]) == []


async def test_audio_records_put_again_replace_only_the_same_ids(store: Store) -> None:
    pending, approved = ModerationStatus.PENDING, ModerationStatus.APPROVED
    await store.audio_records.put(
        [
            AudioRecord("bot", "r1", name="Greeting", moderation_status=pending, created_at=WHEN),
            AudioRecord("bot", "r2", name="Farewell", moderation_status=pending),
        ]
    )
    moderated = AudioRecord("bot", "r1", name="Greeting", moderation_status=approved)
    await store.audio_records.put([moderated])
    r1, r2, missing = await store.audio_records.get_many("bot", ["r1", "r2", "r3"])
    assert r1 == moderated  # replaced whole: the first report's created_at is not kept
    assert r2 is not None
    assert r2.moderation_status is pending
    assert missing is None
