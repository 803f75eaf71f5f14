"""Outgoing webhooks' root fields: a client's endpoints and deliveries, and managing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from callboard.domain.errors import BadInput
from callboard.domain.webhook_endpoints import DeliveryStatus, EndpointFilter
from callboard.resolvers import webhook_endpoints as resolvers
from callboard.schema.connection import PageInfo
from callboard.schema.context import Info
from callboard.schema.ids import decode_cursor, decode_id, encode_id
from callboard.schema.payloads import mutate
from callboard.schema.webhook_subscriptions import subscription_filter
from callboard.schema.webhook_types import (
    CreateWebhookEndpointInput,
    DeleteWebhookEndpointPayload,
    UpdateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDeliveryPayload,
    WebhookEndpoint,
    WebhookEndpointPayload,
)

__all__ = ["WebhookMutation", "WebhookQuery"]

_PAGE = 50
_MAX_PAGE = 200


def _validate(info: Info) -> resolvers.Validate:
    session = info.context.session

    async def validate(document: str, variables: Mapping[str, Any] | None) -> EndpointFilter:
        return await subscription_filter(
            info.schema, session.runtime, session.caller, document, variables
        )

    return validate


def _endpoint_id(value: str, field: str = "id") -> str:
    return decode_id("WebhookEndpoint", value, field=field)


def _variables(given: object) -> Mapping[str, Any] | None:
    """The subscription's variables: an object, as a WebSocket `subscribe` carries them."""
    if given is None or isinstance(given, dict):
        return given
    raise BadInput("`variables` must be an object of the document's variables.", field="variables")


def _with_secret(endpoint: Any) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(endpoint, with_secret=True))


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        found = await resolvers.endpoints(info.context.session)
        return [WebhookEndpoint.of(e) for e in found]

    @strawberry.field(
        description="An endpoint's deliveries, newest first, with each attempt's outcome."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        status: DeliveryStatus | None = None,
    ) -> WebhookDeliveryConnection:
        session = info.context.session
        size = _PAGE if first is None else first
        if not 0 < size <= _MAX_PAGE:
            raise BadInput(f"`first` is between 1 and {_MAX_PAGE}.", field="first")
        before = decode_cursor("cursor", after, maximum=session.runtime.store.max_id)
        found, more = await resolvers.endpoint_deliveries(
            session,
            _endpoint_id(endpoint, "endpoint"),
            first=size,
            before_id=before,
            status=status,
        )
        edges = [
            WebhookDeliveryEdge(cursor=encode_id("cursor", d.id), node=WebhookDelivery.of(d))
            for d in found
        ]
        return WebhookDeliveryConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="POST each event of `subscription` to `url`, signed; the secret is shown "
        "in this payload only."
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        async def work() -> Any:
            return await resolvers.create_endpoint(
                info.context.session,
                url=input.url,
                subscription=input.subscription,
                variables=_variables(input.variables),
                description=input.description,
                parallel=bool(input.parallel),
                validate=_validate(info),
            )

        return await mutate(WebhookEndpointPayload, work(), _with_secret)

    @strawberry.mutation(description="Change an endpoint's url, subscription or enabled.")
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        async def work() -> Any:
            changes = {
                name: value
                for name in (
                    "url",
                    "enabled",
                    "subscription",
                    "variables",
                    "description",
                    "parallel",
                )
                if (value := getattr(input, name)) is not strawberry.UNSET
            }
            if "variables" in changes:
                changes["variables"] = _variables(changes["variables"])
            for name in ("url", "enabled", "subscription", "parallel"):
                if name in changes and changes[name] is None:
                    raise BadInput(f"`{name}` cannot be null; leave it out to keep it.", field=name)
            return await resolvers.update_endpoint(
                info.context.session,
                _endpoint_id(input.id),
                changes=changes,
                validate=_validate(info),
            )

        return await mutate(
            WebhookEndpointPayload,
            work(),
            lambda e: WebhookEndpointPayload(endpoint=WebhookEndpoint.of(e)),
        )

    @strawberry.mutation(description="Remove an endpoint and its deliveries.")
    async def delete_webhook_endpoint(
        self, info: Info, id: strawberry.ID
    ) -> DeleteWebhookEndpointPayload:
        async def work() -> None:
            await resolvers.delete_endpoint(info.context.session, _endpoint_id(id))

        return await mutate(
            DeleteWebhookEndpointPayload,
            work(),
            lambda _: DeleteWebhookEndpointPayload(deleted_id=id),
        )

    @strawberry.mutation(
        description="A new secret (shown in this payload only); the old one keeps signing "
        "alongside it for `[outbound] rotation_overlap_hours`."
    )
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookEndpointPayload:
        async def work() -> Any:
            return await resolvers.rotate_secret(info.context.session, _endpoint_id(id))

        return await mutate(WebhookEndpointPayload, work(), _with_secret)

    @strawberry.mutation(description="Send a delivery again, with the same `webhook-id`.")
    async def redeliver_webhook(
        self, info: Info, delivery: strawberry.ID
    ) -> WebhookDeliveryPayload:
        async def work() -> Any:
            key = decode_id("WebhookDelivery", delivery, field="delivery")
            if not (key.isascii() and key.isdigit() and len(key) < 19):
                raise BadInput(f"'{delivery}' is not a WebhookDelivery id.", field="delivery")
            return await resolvers.redeliver(info.context.session, int(key))

        return await mutate(
            WebhookDeliveryPayload,
            work(),
            lambda d: WebhookDeliveryPayload(delivery=WebhookDelivery.of(d)),
        )
