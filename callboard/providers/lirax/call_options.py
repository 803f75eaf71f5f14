"""LiraX's own options for placing a call, read from the request's `extra`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from callboard.providers.call_extra import extra_value

__all__ = ["LiraxCallOptions"]


@dataclass(frozen=True, slots=True)
class LiraxCallOptions:
    """What makeCall takes beyond the agent and the customer."""

    shop_id: int | None = None  # the shop (`idshop`) whose line is used

    @classmethod
    def from_extra(cls, extra: Mapping[str, object]) -> LiraxCallOptions:
        """The options the client set (others are other vendors'); a wrong type refused."""
        return cls(shop_id=extra_value(extra, "shop_id", int))
