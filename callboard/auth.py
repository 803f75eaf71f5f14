"""Who is calling: a Bearer key from `[[clients]]`, or the open local demo."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from callboard.domain.errors import Unauthenticated
from callboard.settings import Settings

__all__ = ["LOCAL", "Caller", "authenticate"]


@dataclass(frozen=True, slots=True)
class Caller:
    """A client the API serves, and the provider ids it may see and use."""

    name: str
    providers: tuple[str, ...] = ("*",)

    @property
    def may_use_all(self) -> bool:
        """`providers = ["*"]`: every provider, whichever is configured now or later."""
        return "*" in self.providers

    def may_use(self, provider_id: str) -> bool:
        return self.may_use_all or provider_id in self.providers


# Without [[clients]] (allowed on loopback only): everyone who reaches the port.
LOCAL = Caller("local")


def authenticate(settings: Settings, authorization: str | None) -> Caller:
    """The caller an `Authorization` value names; `Unauthenticated` if it names none."""
    if settings.open_access:
        return LOCAL
    if not authorization:
        raise Unauthenticated("Send your key as the header `Authorization: Bearer <key>`.")
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("Use `Authorization: Bearer <key>`.")
    given = key.strip().encode()
    found = None
    # Compare with every key, always: how long this takes says nothing about the keys.
    for client in settings.clients:
        if hmac.compare_digest(given, client.key.encode()):
            found = client
    if found is None:
        raise Unauthenticated("This key belongs to no client; check the key you were given.")
    return Caller(found.name, found.providers)


def authorization_of(params: Mapping[str, object] | None) -> str | None:
    """The key a WebSocket client sent in `connection_init` (header name in any case)."""
    if not isinstance(params, Mapping):
        return None
    for name, value in params.items():
        if name.lower() == "authorization" and isinstance(value, str):
            return value
    return None
