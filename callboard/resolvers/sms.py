"""Sending text messages, checking their delivery, and reading them back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from callboard.domain.errors import NotFound
from callboard.domain.feeds import SMS, FeedEvent
from callboard.domain.phones import normalize_phone
from callboard.domain.sms import Sms, SmsDirection, SmsSignal, SmsStatus
from callboard.events.bus import FeedFilter
from callboard.providers.areas import SendsSms
from callboard.resolvers.session import Session
from callboard.runtime import Runtime

__all__ = ["check_sms", "find_sms", "send_sms", "sms_changes"]


async def send_sms(
    session: Session,
    provider_id: str,
    *,
    modem: str,
    agent: str,
    to: str,
    text: str,
) -> Sms:
    provider = session.provider(provider_id, SendsSms)
    phone = normalize_phone(to, session.region, field="to")
    vendor_id = await provider.send_sms(modem=modem, agent=agent, to=phone, text=text)
    now = datetime.now(UTC)
    message = Sms(
        id=str(uuid.uuid4()),
        provider_id=provider.id,
        direction=SmsDirection.OUTBOUND,
        modem=modem.strip(),
        phone=phone,
        text=text,
        status=SmsStatus.ACCEPTED,
        created_at=now,
        updated_at=now,
        agent=agent.strip(),
        vendor_id=vendor_id,
    )
    return await session.runtime.store.sms.add(message, session.runtime.bus.publish)


async def find_sms(session: Session, sms_id: str) -> Sms | None:
    (found,) = await session.runtime.store.sms.get_many([sms_id])
    if found is None or not session.can_see(found.provider_id):
        return None
    return found


async def check_sms(session: Session, sms_id: str) -> Sms:
    """Ask the vendor where a sent message stands, and keep the answer."""
    message = await find_sms(session, sms_id)
    if message is None or message.direction is not SmsDirection.OUTBOUND or not message.vendor_id:
        raise NotFound("No SMS sent through Callboard has this id.", field="id")
    provider = session.provider(message.provider_id, SendsSms)
    status = await provider.check_sms(
        modem=message.modem, agent=message.agent or "", vendor_id=message.vendor_id
    )
    signal = SmsSignal(message.vendor_id, status, datetime.now(UTC))
    changed = await session.runtime.store.sms.apply(
        message.provider_id, [signal], session.runtime.bus.publish
    )
    return changed[0] if changed else message


def sms_changes(
    runtime: Runtime, provider_ids: frozenset[str], after: int | None
) -> AsyncIterator[FeedEvent[Sms]]:
    """Messages as they change: those stored after the cursor `after`, then live ones."""
    return runtime.bus.subscribe_feed(SMS, FeedFilter(provider_ids=provider_ids), after)
