"""Dialing orders: a campaign the vendor's operators or robots work through."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.domain.directory import Order
from callboard.domain.orders import OrderRequest
from callboard.providers.areas.area import Area

__all__ = ["CreatesOrders"]


class CreatesOrders(Area):
    capability = Capability.CREATE_ORDER
    operations: ClassVar[tuple[str, ...]] = ("createOrder", "orders")

    @abstractmethod
    async def create_order(self, request: OrderRequest) -> Order:
        """Create a dialing order; the order as the vendor accepted it."""
