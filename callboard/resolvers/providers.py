"""Providers as a caller sees them: only those in its scope, and no hint of the others."""

from __future__ import annotations

from typing import TypeVar, overload

from callboard.auth import Caller
from callboard.domain.errors import NotFound, Unsupported
from callboard.providers.areas import Area
from callboard.providers.base import Provider
from callboard.runtime import Runtime

__all__ = ["can_see", "provider_for", "scope", "scope_of", "visible_providers"]

A = TypeVar("A", bound=Area)


def visible_providers(runtime: Runtime, caller: Caller) -> list[Provider]:
    return [p for pid, p in runtime.providers.items() if caller.may_use(pid)]


def scope(runtime: Runtime, caller: Caller) -> frozenset[str]:
    """The provider ids whose calls and events this caller sees.

    Only configured ones: calls of a provider since removed from the configuration stay
    in the log but are shown to nobody.
    """
    return frozenset(pid for pid in runtime.providers if caller.may_use(pid))


def scope_of(
    runtime: Runtime, caller: Caller, provider_id: str | None, needs: type[Area] | None = None
) -> frozenset[str]:
    """The providers a listener asked for: the one named (if the caller may use it and it
    serves the area `needs`: else the same errors as an operation), or all those it may see."""
    if provider_id is None:
        return scope(runtime, caller)
    return frozenset({provider_for(runtime, caller, provider_id, needs).id})


def can_see(runtime: Runtime, caller: Caller, provider_id: str) -> bool:
    return provider_id in runtime.providers and caller.may_use(provider_id)


@overload
def provider_for(
    runtime: Runtime, caller: Caller, provider_id: str, needs: None = None, *, field: str = ...
) -> Provider: ...


@overload
def provider_for(
    runtime: Runtime, caller: Caller, provider_id: str, needs: type[A], *, field: str = ...
) -> A: ...


def provider_for(
    runtime: Runtime,
    caller: Caller,
    provider_id: str,
    needs: type[Area] | None = None,
    *,
    field: str = "provider",
) -> Provider:
    """The provider `provider_id` names, if this caller may use it and it serves the
    area `needs` (then typed as that area).

    An id out of the caller's scope gets the same answer as an id nobody configured.
    """
    if not can_see(runtime, caller, provider_id):
        raise NotFound(f"No provider with id '{provider_id}'.", field=field)
    provider = runtime.providers[provider_id]
    if needs is not None and not isinstance(provider, needs):
        raise Unsupported(
            f"Provider '{provider_id}' ({provider.vendor}) does not support "
            f"{needs.capability.name}; see its `capabilities`.",
            field=field,
        )
    return provider
