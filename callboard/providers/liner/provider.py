"""The Liner provider: creates dialing orders (`POST /v2/order/create/`).

Configuration keys are those of `LinerOptions`; `base_url` is the API root, so an order
goes to `{base_url}/v2/order/create/`. The page documents no webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from callboard.domain.directory import Order
from callboard.domain.errors import ProviderUnavailable
from callboard.domain.orders import OrderRequest
from callboard.providers.areas import CreatesOrders
from callboard.providers.base import Configured, ProviderContext
from callboard.providers.liner import requests
from callboard.providers.liner.client import LinerClient
from callboard.providers.options import OptionError, ProviderOptions, option

__all__ = ["ORDER_CREATE", "LinerOptions", "LinerProvider"]

ORDER_CREATE = "v2/order/create/"  # the page's path; its trailing slash is kept
_SCHEDULE_FORMATS = ("text", "numbers")


@dataclass(frozen=True)
class LinerOptions(ProviderOptions):
    api_key: str = option("the API token from your Liner account (sent as X-Api-Key)", secret=True)
    schedule_format: str = option(
        'how callSchedule and callHolidayOverrides are written: "text" ("09:00", '
        '"2026-01-01") or "numbers" (seconds of the day, Unix times); the page leaves it open',
        default="text",
    )

    def __post_init__(self) -> None:
        if self.schedule_format not in _SCHEDULE_FORMATS:
            raise OptionError(
                "schedule_format", f"'{self.schedule_format}' is not one of: text, numbers"
            )


class LinerProvider(
    Configured[LinerOptions],
    CreatesOrders,
):
    kind = "liner"
    vendor = "Liner"

    def __init__(self, context: ProviderContext, options: LinerOptions) -> None:
        super().__init__(context, options)
        self._client = LinerClient(
            context.http,
            root=options.base_url,
            api_key=options.api_key,
            who=self.who,
        )

    async def create_order(self, request: OrderRequest) -> Order:
        # Checked (and refused) whole before anything is sent: nothing half-made at Liner.
        numeric = self.options.schedule_format == "numbers"
        body = requests.order_body(request, numeric_schedule=numeric)
        data = await self._client.post(ORDER_CREATE, body)
        order_id = requests.order_id(data)
        if order_id is None:
            # Liner said yes without saying to what: the order may exist, unnamed.
            raise ProviderUnavailable(
                f"{self.who} accepted the order but did not say its id; check the "
                "orders in Liner before creating it again."
            )
        return Order(
            provider_id=self.id,
            order_id=order_id,
            title=body["title"],
            status=request.status.value,
            service_title=body["serviceTitle"],
            code=body.get("code"),
            created_at=datetime.now(UTC),
            raw={"request": body, "reply": data},
        )
