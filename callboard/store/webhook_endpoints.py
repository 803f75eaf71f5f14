"""Clients' webhook endpoints: each a URL, a subscription document and its secrets."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.webhook_endpoints import DeliveryStatus, Endpoint, EndpointFilter
from callboard.store.tables import outbound_deliveries, webhook_endpoints

__all__ = ["EndpointBook"]


class EndpointBook:
    """Every read and change names the client too: a client sees only its own."""

    def __init__(self, engine: AsyncEngine, lock: asyncio.Lock) -> None:
        """`lock`: the write lock's local part, which writes adding no events take."""
        self._engine = engine
        self._lock = lock

    async def add(self, endpoint: Endpoint) -> Endpoint:
        async with self._lock, self._engine.begin() as conn:
            await conn.execute(insert(webhook_endpoints).values(**_row(endpoint)))
        return endpoint

    async def of_client(self, client: str) -> list[Endpoint]:
        query = (
            select(webhook_endpoints)
            .where(webhook_endpoints.c.client == client)
            .order_by(webhook_endpoints.c.seq)
        )
        async with self._engine.connect() as conn:
            return [_to_endpoint(r) for r in (await conn.execute(query)).all()]

    async def enabled(self) -> list[Endpoint]:
        """Every client's enabled endpoints."""
        query = (
            select(webhook_endpoints)
            .where(webhook_endpoints.c.disabled_reason.is_(None))
            .order_by(webhook_endpoints.c.seq)
        )
        async with self._engine.connect() as conn:
            return [_to_endpoint(r) for r in (await conn.execute(query)).all()]

    async def get(self, endpoint_id: str, client: str | None = None) -> Endpoint | None:
        """The endpoint, if it is `client`'s (any client's without one)."""
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        if client is not None:
            query = query.where(webhook_endpoints.c.client == client)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _to_endpoint(row) if row else None

    async def change(
        self, endpoint_id: str, client: str, values: Mapping[str, Any], *, now: datetime
    ) -> Endpoint | None:
        """Set `values` (column names: url, subscription, variables, filter,
        disabled_reason, secret, parallel, ...); None if the client has no such endpoint. Enabled
        again, its waiting deliveries are tried at once, their retry window anew."""
        async with self._lock, self._engine.begin() as conn:
            done = await conn.execute(
                update(webhook_endpoints)
                .where(
                    and_(
                        webhook_endpoints.c.id == endpoint_id,
                        webhook_endpoints.c.client == client,
                    )
                )
                .values(**values)
            )
            if done.rowcount != 1:
                return None
            if "disabled_reason" in values and values["disabled_reason"] is None:
                await conn.execute(
                    update(outbound_deliveries)
                    .where(
                        and_(
                            outbound_deliveries.c.endpoint_id == endpoint_id,
                            outbound_deliveries.c.status == DeliveryStatus.PENDING.value,
                        )
                    )
                    .values(next_attempt_at=now, failing_since=None)
                )
        return await self.get(endpoint_id, client)

    async def disable(self, endpoint_id: str, reason: str) -> None:
        """Disabled by Callboard (deliveries failing for the whole window)."""
        async with self._lock, self._engine.begin() as conn:
            await conn.execute(
                update(webhook_endpoints)
                .where(webhook_endpoints.c.id == endpoint_id)
                .values(disabled_reason=reason)
            )

    async def set_filter(self, endpoint_id: str, where: EndpointFilter) -> None:
        """What the endpoint's document selects under today's configuration."""
        async with self._lock, self._engine.begin() as conn:
            await conn.execute(
                update(webhook_endpoints)
                .where(webhook_endpoints.c.id == endpoint_id)
                .values(filter=where.dump())
            )

    async def remove(self, endpoint_id: str, client: str) -> bool:
        """The endpoint and its deliveries gone; False if the client has no such endpoint."""
        async with self._lock, self._engine.begin() as conn:
            done = await conn.execute(
                delete(webhook_endpoints).where(
                    and_(
                        webhook_endpoints.c.id == endpoint_id,
                        webhook_endpoints.c.client == client,
                    )
                )
            )
            if done.rowcount != 1:
                return False
            await conn.execute(
                delete(outbound_deliveries).where(outbound_deliveries.c.endpoint_id == endpoint_id)
            )
        return True


def _row(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "client": endpoint.client,
        "url": endpoint.url,
        "subscription": endpoint.subscription,
        "variables": None if endpoint.variables is None else dict(endpoint.variables),
        "description": endpoint.description,
        "filter": endpoint.filter.dump(),
        "disabled_reason": endpoint.disabled_reason,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_until": endpoint.previous_secret_until,
        "created_at": endpoint.created_at,
        "parallel": endpoint.parallel,
    }


def _to_endpoint(row: Row[Any]) -> Endpoint:
    return Endpoint(
        id=row.id,
        client=row.client,
        url=row.url,
        subscription=row.subscription,
        variables=row.variables,
        description=row.description,
        filter=EndpointFilter.load(row.filter),
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
        parallel=bool(row.parallel),
    )
