"""Sending text messages, checking their delivery, and reading them back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from callboard.auth import Caller
from callboard.domain.capabilities import Capability
from callboard.domain.errors import NotFound
from callboard.domain.phones import normalize_phone
from callboard.domain.sms import Sms, SmsDirection, SmsSignal, SmsStatus
from callboard.resolvers.providers import can_see, provider_for
from callboard.runtime import Runtime

__all__ = ["check_sms", "find_sms", "send_sms"]


async def send_sms(
    runtime: Runtime,
    caller: Caller,
    provider_id: str,
    *,
    modem: str,
    agent: str,
    to: str,
    text: str,
) -> Sms:
    provider = provider_for(runtime, caller, provider_id, Capability.SEND_SMS)
    phone = normalize_phone(to, runtime.settings.server.default_region, field="to")
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
    return await runtime.store.sms.add(message, runtime.bus.publish)


async def find_sms(runtime: Runtime, caller: Caller, sms_id: str) -> Sms | None:
    (found,) = await runtime.store.sms.get_many([sms_id])
    if found is None or not can_see(runtime, caller, found.provider_id):
        return None
    return found


async def check_sms(runtime: Runtime, caller: Caller, sms_id: str) -> Sms:
    """Ask the vendor where a sent message stands, and keep the answer."""
    message = await find_sms(runtime, caller, sms_id)
    if message is None or message.direction is not SmsDirection.OUTBOUND or not message.vendor_id:
        raise NotFound("No SMS sent through Callboard has this id.", field="id")
    provider = provider_for(runtime, caller, message.provider_id, Capability.SEND_SMS)
    status = await provider.check_sms(
        modem=message.modem, agent=message.agent or "", vendor_id=message.vendor_id
    )
    signal = SmsSignal(message.vendor_id, status, datetime.now(UTC))
    changed = await runtime.store.sms.apply(message.provider_id, [signal], runtime.bus.publish)
    return changed[0] if changed else message
