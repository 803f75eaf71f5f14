"""Webhook endpoints and their deliveries, as a client manages them: only its own."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from callboard.domain.errors import BadInput, NotFound
from callboard.domain.webhook_endpoints import Delivery, DeliveryStatus, Endpoint, EndpointFilter
from callboard.domain.webhook_urls import check_url
from callboard.outbound.signing import new_secret
from callboard.resolvers.session import Session

__all__ = [
    "Validate",
    "create_endpoint",
    "delete_endpoint",
    "endpoint_deliveries",
    "endpoints",
    "redeliver",
    "rotate_secret",
    "update_endpoint",
]

# What a subscription document selects for this session's caller (schema/webhook_subscriptions.py).
Validate = Callable[[str, Mapping[str, Any] | None], Awaitable[EndpointFilter]]

DISABLED_BY_CLIENT = "Disabled by updateWebhookEndpoint(enabled: false)."


async def create_endpoint(
    session: Session,
    *,
    url: str,
    subscription: str,
    variables: Mapping[str, Any] | None,
    description: str | None,
    parallel: bool = False,
    validate: Validate,
) -> Endpoint:
    outbound = session.runtime.settings.outbound
    check_url(url, allow_private=outbound.allow_private_networks)
    where = await validate(subscription, variables)
    store = session.runtime.store
    endpoint = Endpoint(
        id=str(uuid.uuid4()),
        client=session.caller.name,
        url=url,
        subscription=subscription,
        variables=variables,
        description=description,
        filter=where,
        disabled_reason=None,
        created_at=store.outbox.clock(),
        secret=new_secret(),
        parallel=parallel,
    )
    return await store.webhook_endpoints.add(endpoint)


async def endpoints(session: Session) -> list[Endpoint]:
    return await session.runtime.store.webhook_endpoints.of_client(session.caller.name)


async def _own(session: Session, endpoint_id: str, field: str = "id") -> Endpoint:
    found = await session.runtime.store.webhook_endpoints.get(endpoint_id, session.caller.name)
    if found is None:
        raise NotFound(f"No webhook endpoint with id '{endpoint_id}'.", field=field)
    return found


async def update_endpoint(
    session: Session,
    endpoint_id: str,
    *,
    changes: Mapping[str, Any],
    validate: Validate,
) -> Endpoint:
    """`changes`: those of url, enabled, subscription, variables, description, parallel
    given."""
    known = await _own(session, endpoint_id)
    values: dict[str, Any] = {}
    if "url" in changes:
        allow = session.runtime.settings.outbound.allow_private_networks
        values["url"] = check_url(changes["url"], allow_private=allow)
    if "subscription" in changes or "variables" in changes:
        subscription = changes.get("subscription", known.subscription)
        variables = changes.get("variables", known.variables)
        values["filter"] = (await validate(subscription, variables)).dump()
        values["subscription"] = subscription
        values["variables"] = None if variables is None else dict(variables)
    if "description" in changes:
        values["description"] = changes["description"]
    if "parallel" in changes:
        values["parallel"] = bool(changes["parallel"])
    if "enabled" in changes:
        values["disabled_reason"] = None if changes["enabled"] else DISABLED_BY_CLIENT
    if not values:
        return known
    store = session.runtime.store
    changed = await store.webhook_endpoints.change(
        endpoint_id, session.caller.name, values, now=store.outbox.clock()
    )
    if changed is None:  # deleted meanwhile
        raise NotFound(f"No webhook endpoint with id '{endpoint_id}'.", field="id")
    return changed


async def delete_endpoint(session: Session, endpoint_id: str) -> None:
    removed = await session.runtime.store.webhook_endpoints.remove(endpoint_id, session.caller.name)
    if not removed:
        raise NotFound(f"No webhook endpoint with id '{endpoint_id}'.", field="id")


async def rotate_secret(session: Session, endpoint_id: str) -> Endpoint:
    """A new secret; the old one signs too for `[outbound] rotation_overlap_hours`."""
    known = await _own(session, endpoint_id)
    store = session.runtime.store
    now = store.outbox.clock()
    overlap = timedelta(hours=session.runtime.settings.outbound.rotation_overlap_hours)
    changed = await store.webhook_endpoints.change(
        endpoint_id,
        session.caller.name,
        {
            "secret": new_secret(),
            "previous_secret": known.secret,
            "previous_secret_until": now + overlap,
        },
        now=now,
    )
    if changed is None:
        raise NotFound(f"No webhook endpoint with id '{endpoint_id}'.", field="id")
    return changed


async def endpoint_deliveries(
    session: Session,
    endpoint_id: str,
    *,
    first: int,
    before_id: int | None,
    status: DeliveryStatus | None,
) -> tuple[list[Delivery], bool]:
    await _own(session, endpoint_id, field="endpoint")
    return await session.runtime.store.outbox.page(
        endpoint_id, first=first, before_id=before_id, status=status
    )


async def redeliver(session: Session, delivery_id: int) -> Delivery:
    """The delivery sent once more, due now, in its place among its endpoint's waiting ones
    (they go in id order)."""
    store = session.runtime.store
    found = await store.outbox.get(delivery_id)
    endpoint = (
        await store.webhook_endpoints.get(found.endpoint_id, session.caller.name) if found else None
    )
    if found is None or endpoint is None:
        raise NotFound(f"No webhook delivery with id '{delivery_id}'.", field="delivery")
    if not endpoint.enabled:
        raise BadInput(
            "The delivery's endpoint is disabled; enable it with updateWebhookEndpoint first.",
            field="delivery",
        )
    again = await store.outbox.again(delivery_id, store.outbox.clock())
    if again is None:
        raise NotFound(f"No webhook delivery with id '{delivery_id}'.", field="delivery")
    return again
