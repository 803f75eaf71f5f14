"""Dialing orders through GraphQL: createOrder (Liner order create) and the orders query."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from callboard.domain import directory as domain
from callboard.domain.errors import BadInput
from callboard.domain.orders import (
    AiLanguage,
    CallRecordRule,
    OrderRequest,
    OrderStatus,
    SipEndpointUsageScheme,
    TimeRange,
)
from callboard.resolvers import orders as resolvers
from callboard.resolvers.calls import MAX_PAGE
from callboard.schema.connection import PageInfo
from callboard.schema.context import Info
from callboard.schema.field_copy import copied
from callboard.schema.ids import decode_cursor, encode_id
from callboard.schema.payloads import mutate
from callboard.schema.user_error import UserError

__all__ = ["CreateOrderInput", "Order", "OrderMutation", "OrderPayload", "OrderQuery"]

strawberry.enum(OrderStatus, name="OrderStatus", description="How the order is labelled.")
strawberry.enum(AiLanguage, name="AiLanguage", description="The AI bot's default language.")
strawberry.enum(CallRecordRule, name="CallRecordRule", description="When recording starts.")
strawberry.enum(
    SipEndpointUsageScheme,
    name="SipEndpointUsageScheme",
    description="How the order's numbers (SIP endpoints) take turns.",
)


@strawberry.input(description='A working-day span, local times "HH:MM".')
class TimeRangeInput:
    start: str
    end: str


@strawberry.input(description="A value for one of the order's custom fields.")
class CustomValueInput:
    field_id: strawberry.ID
    value: JSON


@strawberry.input(description="A new dialing order (Liner order create).")
class CreateOrderInput:
    provider: strawberry.ID
    title: str = strawberry.field(description="The order's display name.")
    service_title: str = strawberry.field(description="The internal name.")
    status: OrderStatus
    sip_endpoint_ids: list[int] = strawberry.field(description="The virtual numbers used.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key never creates a second order."
    )
    code: str | None = strawberry.field(default=None, description="The order's code at Liner.")
    call_schedule: list[TimeRangeInput] = strawberry.field(
        default_factory=list, description="When calls are made: working-day spans."
    )
    holiday_overrides: list[date] = strawberry.field(
        default_factory=list, description="Holidays (no calls)."
    )
    auto_dialing_enabled: bool | None = strawberry.field(
        default=None, description="Whether calls are allowed for the order."
    )
    predictive_mode_enabled: bool | None = strawberry.field(
        default=None, description="Whether calls are made in predictive mode."
    )
    ai_mode_enabled: bool | None = strawberry.field(
        default=None, description="Whether an AI bot may call."
    )
    standalone_ai_mode_enabled: bool | None = strawberry.field(
        default=None, description="AI calls without agents online."
    )
    ai_mode_prompt: str | None = strawberry.field(
        default=None, description="The AI bot's base prompt."
    )
    ai_mode_first_phrase: str | None = strawberry.field(
        default=None, description="What the AI bot says first."
    )
    ai_default_language: AiLanguage | None = None
    amd_detection_enabled: bool | None = strawberry.field(
        default=None, description="Answering-machine detection."
    )
    call_record_rule: CallRecordRule | None = None
    call_center_phone: str | None = strawberry.field(
        default=None, description="The call center's main phone."
    )
    additional_call_center_phones: list[str] = strawberry.field(default_factory=list)
    sip_endpoint_usage_scheme: SipEndpointUsageScheme | None = None
    agent_user_ids: list[int] = strawberry.field(
        default_factory=list, description="Agents who may work in the order."
    )
    agent_group_ids: list[int] = strawberry.field(
        default_factory=list, description="Agent groups who may work in the order."
    )
    show_lead_contacts_to_agent: bool | None = None
    call_attempts_group_id: int | None = strawberry.field(
        default=None, description="The group of call-attempt intervals."
    )
    qualified_leads_per_day_limit: int | None = None
    call_scenario_id: int | None = None
    lead_transform_enabled: bool | None = strawberry.field(
        default=None, description="Whether an agent may change the lead's type."
    )
    leads_priority: int | None = strawberry.field(
        default=None, description="The leads' priority within the order."
    )
    speech_recognition_enabled: bool | None = None
    ignore_lead_timezone: bool | None = strawberry.field(
        default=None, description="Call whatever the lead's time zone."
    )
    custom_values: list[CustomValueInput] = strawberry.field(default_factory=list)

    def to_request(self) -> OrderRequest:
        values: dict[str, object] = {}
        for entry in self.custom_values:
            key = str(entry.field_id).strip()
            if key in values:
                raise BadInput(f"Custom field {key} is given twice.", field="customValues")
            values[key] = entry.value
        return copied(
            OrderRequest,
            self,
            sip_endpoint_ids=tuple(self.sip_endpoint_ids),
            call_schedule=tuple(TimeRange(r.start, r.end) for r in self.call_schedule),
            holiday_overrides=tuple(self.holiday_overrides),
            additional_call_center_phones=tuple(self.additional_call_center_phones),
            agent_user_ids=tuple(self.agent_user_ids),
            agent_group_ids=tuple(self.agent_group_ids),
            custom_values=values,
        )


@strawberry.type(description="A dialing order created through Callboard.")
class Order:
    id: strawberry.ID = strawberry.field(description="Global; stable.")
    provider: strawberry.ID
    order_id: str = strawberry.field(description="The vendor's id for the order.")
    title: str
    service_title: str | None
    status: OrderStatus | None = strawberry.field(description="Null for a word Callboard lacks.")
    code: str | None
    created_at: datetime | None
    raw: JSON = strawberry.field(description="What was sent, and the vendor's reply.")

    @classmethod
    def of(cls, order: domain.Order) -> Order:
        try:
            status: OrderStatus | None = OrderStatus(order.status)
        except ValueError:
            status = None
        return copied(
            cls,
            order,
            id=strawberry.ID(encode_id("Order", f"{order.provider_id}:{order.order_id}")),
            provider=strawberry.ID(order.provider_id),
            status=status,
            raw=JSON(dict(order.raw)),
        )


@strawberry.type
class OrderPayload:
    order: Order | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type(description="Orders, newest first.")
class OrderConnection:
    edges: list[OrderEdge]
    nodes: list[Order]
    page_info: PageInfo


@strawberry.type
class OrderQuery:
    @strawberry.field(
        description="Orders created through Callboard, newest first (Liner has no endpoint "
        "that lists them)."
    )
    async def orders(
        self,
        info: Info,
        provider: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> OrderConnection:
        if not 1 <= first <= MAX_PAGE:
            raise BadInput(f"`first` must be between 1 and {MAX_PAGE}.", field="first")
        maximum = info.context.runtime.store.max_id
        before = decode_cursor("OrderCursor", after, maximum=maximum)
        found, has_next = await resolvers.list_orders(
            info.context.session, provider, first=first, before_seq=before
        )
        edges = [
            OrderEdge(cursor=encode_id("OrderCursor", seq), node=Order.of(o)) for seq, o in found
        ]
        return OrderConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, after=after),
        )


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Create a dialing order (Liner order create).")
    async def create_order(self, info: Info, input: CreateOrderInput) -> OrderPayload:
        async def work() -> domain.Order:
            return await resolvers.create_order(
                info.context.session,
                input.provider,
                input.to_request(),
                input.idempotency_key,
            )

        return await mutate(OrderPayload, work(), lambda o: OrderPayload(order=Order.of(o)))
