"""Twin24's bearer token: a configured one sent as is, or a JWT from logging in with
email and password, renewed before it expires.

The login endpoint and its reply are not on the vendor page (NOTES.md: unverified), so
the reply is read leniently: the token under any usual name, at the top or in `data`,
its expiry from the JWT's own `exp` claim first.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from callboard.domain import json_bounds
from callboard.domain.errors import ProviderMisconfigured, ProviderUnavailable
from callboard.providers.http import reply_json, send
from callboard.providers.lenient import number

__all__ = ["Clock", "TokenKeeper", "jwt_expiry"]

log = logging.getLogger(__name__)

Clock = Callable[[], float]

_TOKEN_KEYS = ("token", "accessToken", "access_token", "jwt")
_EXPIRES_IN_KEYS = ("expiresIn", "expires_in")
# Renew when less than this much of a token's life is left (or 10% of it, if more).
MIN_MARGIN = 60.0


class TokenKeeper:
    """Hands out the bearer token; with email and password, logs in (once for all
    concurrent requests) whenever the token is missing, near its end, or refused."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str = "",
        email: str = "",
        password: str = "",
        auth_url: str = "",
        ttl: int = 86400,
        who: str,
        clock: Clock = time.time,
    ) -> None:
        self._http = http
        self._static = _bare(token)
        self._email = email
        self._password = password
        self._auth_url = auth_url
        self._ttl = ttl
        self._who = who
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = self._static or None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        mode = "configured token" if self._static else "login"
        return f"<TokenKeeper {self._who} ({mode})>"

    @property
    def renewable(self) -> bool:
        """Whether a refused token can be replaced by logging in again."""
        return not self._static

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be quoted back to a user: the password and every token."""
        return tuple(s for s in (self._static, self._password, self._token) if s)

    async def token(self) -> str:
        if self._static:
            return self._static
        if self._token is not None and self._clock() < self._renew_at:
            return self._token
        async with self._lock:
            # Another request may have logged in while this one waited for the lock.
            if self._token is None or self._clock() >= self._renew_at:
                await self._login()
            assert self._token is not None
            return self._token

    def forget(self, token: str) -> None:
        """The API refused `token`: the next `token()` logs in again (unless a concurrent
        request already did, and the token is a newer one)."""
        if self.renewable and self._token == token:
            self._token = None

    def refused(self, status: int) -> ProviderMisconfigured:
        """The API refused Callboard's credentials for good: the operator's to fix."""
        if self._static:
            fix = "check `token` in this provider's configuration"
        elif status == 403:
            fix = "check that the account of `email` may manage telephony"
        else:
            fix = "check `email` and `password` in this provider's configuration"
        return ProviderMisconfigured(
            f"{self._who} refused Callboard's credentials (HTTP {status}): {fix}.",
            vendor_code=str(status),
        )

    async def _login(self) -> None:
        request = self._http.build_request(
            "POST",
            self._auth_url,
            json={"email": self._email, "password": self._password, "ttl": self._ttl},
            headers={"Accept": "application/json"},
        )
        response = await send(self._http, request, who=f"{self._who} login")
        body = reply_json(response, who=f"{self._who} login")
        if response.status_code == 404 and body is None:
            raise ProviderMisconfigured(
                f"{self._who} has no login at the configured address (HTTP 404): check "
                "`auth_url` in this provider's configuration.",
                vendor_code="404",
            )
        if not response.is_success:
            # Whatever the reply says, it is about the credentials: never quote it.
            raise ProviderMisconfigured(
                f"{self._who} refused to log in (HTTP {response.status_code}): check "
                "`email` and `password` in this provider's configuration.",
                vendor_code=str(response.status_code),
            )
        token = _find_token(body)
        if token is None:
            raise ProviderUnavailable(f"{self._who} logged in, but its reply carried no token.")
        now = self._clock()
        expires_at = jwt_expiry(token)
        if expires_at is None:
            expires_in = number(_find(body, _EXPIRES_IN_KEYS))
            expires_at = now + (expires_in if expires_in and expires_in > 0 else self._ttl)
        lifetime = max(expires_at - now, 0.0)
        self._token = token
        self._renew_at = expires_at - max(MIN_MARGIN, lifetime / 10)
        log.info("%s: logged in; the token is good for %d s", self._who, lifetime)


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (Unix seconds), read without checking the signature:
    Callboard only needs to know when to renew, the vendor checks the rest."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json_bounds.loads(base64.urlsafe_b64decode(segment.encode("ascii")))
    except (ValueError, UnicodeError):  # JsonOutOfBounds too
        return None
    if not isinstance(claims, Mapping):
        return None
    return number(claims.get("exp"))


def _bare(token: str) -> str:
    """A token as configured or received, without a "Bearer " someone put before it."""
    token = token.strip()
    return token[7:].strip() if token[:7].lower() == "bearer " else token


def _find(body: Any, keys: tuple[str, ...]) -> Any:
    """The first of `keys` in the reply, at its top or in its `data`."""
    for place in (body, body.get("data") if isinstance(body, Mapping) else None):
        if isinstance(place, Mapping):
            for key in keys:
                if place.get(key) not in (None, ""):
                    return place[key]
    return None


def _find_token(body: Any) -> str | None:
    if isinstance(body, str):
        return _bare(body) or None
    found = _find(body, _TOKEN_KEYS)
    return (_bare(found) or None) if isinstance(found, str) else None
