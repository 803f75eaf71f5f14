"""Who asks and what serves them: the running Callboard and the caller, as one value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, overload

from callboard.auth import Caller
from callboard.providers.areas import Area
from callboard.providers.base import Provider
from callboard.resolvers import providers
from callboard.runtime import Runtime

__all__ = ["Session"]

A = TypeVar("A", bound=Area)


@dataclass(frozen=True, slots=True)
class Session:
    """What every resolver takes first; its methods are resolvers/providers.py's scope
    checks for this caller."""

    runtime: Runtime
    caller: Caller

    @overload
    def provider(self, provider_id: str, needs: None = None, *, field: str = ...) -> Provider: ...

    @overload
    def provider(self, provider_id: str, needs: type[A], *, field: str = ...) -> A: ...

    def provider(
        self, provider_id: str, needs: type[Area] | None = None, *, field: str = "provider"
    ) -> Provider:
        """The provider this caller may use, typed as the area `needs` if it serves it
        (else a user error)."""
        if needs is None:
            return providers.provider_for(self.runtime, self.caller, provider_id, field=field)
        return providers.provider_for(self.runtime, self.caller, provider_id, needs, field=field)

    @property
    def region(self) -> str:
        """Where a phone written without its country is read as being."""
        return self.runtime.settings.server.default_region

    def can_see(self, provider_id: str) -> bool:
        return providers.can_see(self.runtime, self.caller, provider_id)

    def scope(self) -> frozenset[str]:
        """The provider ids whose calls and events this caller sees."""
        return providers.scope(self.runtime, self.caller)

    def scope_of(self, provider_id: str | None, needs: type[Area] | None = None) -> frozenset[str]:
        """The one provider named (if this caller may use it and it serves `needs`), or all
        those it may see."""
        return providers.scope_of(self.runtime, self.caller, provider_id, needs)

    def visible_providers(self) -> list[Provider]:
        return providers.visible_providers(self.runtime, self.caller)
