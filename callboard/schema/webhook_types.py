"""Outgoing webhooks' GraphQL types: endpoints, deliveries, their inputs and payloads."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from callboard.domain import webhook_endpoints as domain
from callboard.schema.connection import PageInfo
from callboard.schema.ids import encode_id
from callboard.schema.user_error import UserError

__all__ = [
    "CreateWebhookEndpointInput",
    "DeleteWebhookEndpointPayload",
    "UpdateWebhookEndpointInput",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDeliveryConnection",
    "WebhookDeliveryEdge",
    "WebhookDeliveryPayload",
    "WebhookEndpoint",
    "WebhookEndpointPayload",
]

strawberry.enum(domain.DeliveryStatus, name="WebhookDeliveryStatus")


@strawberry.type(
    description="Where a subscription's events are POSTed, signed (Standard Webhooks)."
)
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    subscription: str = strawberry.field(description="The GraphQL subscription document.")
    variables: JSON | None
    description: str | None
    enabled: bool
    disabled_reason: str | None = strawberry.field(
        description="Why it is disabled: by updateWebhookEndpoint, or deliveries failing for "
        "the whole retry window."
    )
    secret: str | None = strawberry.field(
        description='"whsec_...": only in the payload of createWebhookEndpoint and '
        "rotateWebhookSecret."
    )
    created_at: datetime
    parallel: bool = strawberry.field(
        description="true: up to `[outbound] parallel_deliveries` deliveries at once, in no "
        "promised order; false: one at a time, in event order."
    )

    @classmethod
    def of(cls, endpoint: domain.Endpoint, *, with_secret: bool = False) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(encode_id("WebhookEndpoint", endpoint.id)),
            url=endpoint.url,
            subscription=endpoint.subscription,
            variables=None if endpoint.variables is None else JSON(dict(endpoint.variables)),
            description=endpoint.description,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            secret=endpoint.secret if with_secret else None,
            created_at=endpoint.created_at,
            parallel=endpoint.parallel,
        )


@strawberry.type(description="One attempt at a delivery.")
class WebhookAttempt:
    at: datetime
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when it gave none (no connection, a timeout)."
    )
    duration_ms: float
    error: str | None


@strawberry.type(description="One event for one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Also the `webhook-id` header.")
    status: domain.DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    history: list[WebhookAttempt] = strawberry.field(
        description="The last attempts (up to 20), oldest first."
    )

    @classmethod
    def of(cls, delivery: domain.Delivery) -> WebhookDelivery:
        pending = delivery.status is domain.DeliveryStatus.PENDING
        return cls(
            id=strawberry.ID(delivery_id(delivery.id)),
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at if pending else None,
            created_at=delivery.created_at,
            history=[
                WebhookAttempt(
                    at=a.at, status_code=a.status_code, duration_ms=a.duration_ms, error=a.error
                )
                for a in delivery.history
            ],
        )


def delivery_id(key: int) -> str:
    """A delivery's global id: the `webhook-id` its receiver dedups by."""
    return encode_id("WebhookDelivery", key)


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type(description="An endpoint's deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    nodes: list[WebhookDelivery]
    page_info: PageInfo


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    subscription: str = strawberry.field(
        description="A subscription document (callEvents, agentStatusChanged or smsEvents), "
        "validated as a WebSocket subscription would be."
    )
    variables: JSON | None = None
    description: str | None = None
    parallel: bool | None = strawberry.field(
        default=False,
        description="true: several deliveries at once, for a receiver that needs no order.",
    )


@strawberry.input(description="What is given changes; the rest stays.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    subscription: str | None = strawberry.UNSET
    variables: JSON | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    parallel: bool | None = strawberry.UNSET


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
