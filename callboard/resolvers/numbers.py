"""Phone numbers: adding incoming numbers at a vendor, and every provider's numbers."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any

from callboard.domain.directory import PhoneNumber
from callboard.domain.errors import BadInput, Unsupported
from callboard.domain.incoming import IncomingNumbersRequest
from callboard.domain.phones import normalize_phone
from callboard.providers.areas import AddsIncomingNumbers, ListsNumbers
from callboard.providers.base import Provider
from callboard.resolvers.once import run_once
from callboard.resolvers.session import Session

__all__ = ["add_incoming_numbers", "numbers"]


async def add_incoming_numbers(
    session: Session,
    provider_id: str,
    request: IncomingNumbersRequest,
    idempotency_key: str | None = None,
) -> list[PhoneNumber]:
    """Add the numbers once per idempotency key, and keep them for `numbers`."""
    provider = session.provider(provider_id, AddsIncomingNumbers)
    if not request.numbers:
        raise BadInput("Give at least one number to add.", field="numbers")
    region = session.region
    request = dataclasses.replace(
        request,
        numbers=tuple(
            dataclasses.replace(
                n, number=normalize_phone(n.number, region, field=f"numbers[{i}].number")
            )
            for i, n in enumerate(request.numbers)
        ),
    )

    async def send() -> list[PhoneNumber]:
        return await session.runtime.store.numbers.put(await provider.add_incoming_numbers(request))

    def remember(added: list[PhoneNumber]) -> tuple[list[str], dict[str, Any]]:
        return [], {"numbers": [n.number for n in added]}

    async def replay(_: list[str], kept: Mapping[str, Any]) -> list[PhoneNumber]:
        wanted = set(kept.get("numbers", []))
        return [
            n for n in await session.runtime.store.numbers.list([provider.id]) if n.number in wanted
        ]

    # The fingerprint leaves passwords out: it is kept in the store.
    sent = dataclasses.asdict(request)
    for entry in sent["numbers"]:
        entry["connection"].pop("password", None)
    return await run_once(
        session,
        idempotency_key,
        ["addIncomingNumbers", provider.id, sent],
        send,
        remember=remember,
        replay=replay,
    )


async def numbers(
    session: Session, provider_id: str | None, *, include_shared: bool
) -> list[PhoneNumber]:
    """The numbers of every provider in scope: those Callboard added (kept in the store)
    and those the vendor lists (read concurrently)."""
    providers: list[Provider]
    if provider_id is not None:
        provider = session.provider(provider_id)
        if not isinstance(provider, AddsIncomingNumbers | ListsNumbers):
            raise Unsupported(
                f"Provider '{provider.id}' ({provider.vendor}) keeps no numbers.",
                field="provider",
            )
        providers = [provider]
    else:
        providers = [session.runtime.providers[p] for p in sorted(session.scope_of(None))]
    # Numbers Callboard keeps (added through it) and numbers the vendor lists.
    live = [p for p in providers if isinstance(p, ListsNumbers)]
    kept_ids = [p.id for p in providers if isinstance(p, AddsIncomingNumbers)]
    kept, *listed = await asyncio.gather(
        session.runtime.store.numbers.list(kept_ids),
        *(p.numbers(include_shared=include_shared) for p in live),
    )
    # What the vendors list is shown, not kept: masked here as the store masks what it keeps.
    shown = [session.runtime.redact.payload_of(n) for part in listed for n in part]
    return [*kept, *shown]
