"""Dialing orders: creating them at the vendor and listing those Callboard created."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from callboard.domain.directory import Order
from callboard.domain.errors import NotFound
from callboard.domain.orders import OrderRequest
from callboard.domain.phones import normalize_phone
from callboard.providers.areas import CreatesOrders
from callboard.resolvers.once import run_once
from callboard.resolvers.session import Session

__all__ = ["create_order", "list_orders"]


async def create_order(
    session: Session,
    provider_id: str,
    request: OrderRequest,
    idempotency_key: str | None = None,
) -> Order:
    """Create the order once per idempotency key, and keep it for `orders`."""
    provider = session.provider(provider_id, CreatesOrders)
    region = session.region
    main = request.call_center_phone
    request = dataclasses.replace(
        request,
        call_center_phone=normalize_phone(main, region, field="callCenterPhone") if main else None,
        additional_call_center_phones=tuple(
            normalize_phone(p, region, field=f"additionalCallCenterPhones[{i}]")
            for i, p in enumerate(request.additional_call_center_phones)
        ),
    )

    async def send() -> Order:
        return await session.runtime.store.orders.add(await provider.create_order(request))

    def remember(order: Order) -> tuple[list[str], dict[str, Any]]:
        return [], {"order_id": order.order_id}

    async def replay(_: list[str], kept: Mapping[str, Any]) -> Order:
        order = await session.runtime.store.orders.get(provider.id, str(kept["order_id"]))
        if order is None:  # kept keys outlive nothing else; a store reset would do this
            raise NotFound("The order this idempotencyKey created is no longer kept.")
        return order

    return await run_once(
        session,
        idempotency_key,
        ["createOrder", provider.id, dataclasses.asdict(request)],
        send,
        remember=remember,
        replay=replay,
    )


async def list_orders(
    session: Session, provider_id: str | None, *, first: int, before_seq: int | None
) -> tuple[list[tuple[int, Order]], bool]:
    """Orders created through Callboard on the providers in scope, newest first."""
    if provider_id is not None:
        providers = [session.provider(provider_id, CreatesOrders).id]
    else:
        providers = [
            p
            for p in sorted(session.scope_of(None))
            if isinstance(session.runtime.providers[p], CreatesOrders)
        ]
    return await session.runtime.store.orders.page(providers, first=first, before_seq=before_seq)
