"""The base of every area: the capability it stands for and the GraphQL operations it
opens (schema/capabilities.py and the README matrix are made from these)."""

from __future__ import annotations

from abc import ABC
from typing import ClassVar

from callboard.domain.capabilities import Capability
from callboard.providers.base import Provider

__all__ = ["Area"]


class Area(Provider, ABC):
    """A provider that serves `capability`: its methods are abstract, so a vendor that
    inherits an area and leaves out one of its operations cannot be instantiated."""

    capability: ClassVar[Capability]
    operations: ClassVar[tuple[str, ...]]
