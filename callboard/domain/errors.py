"""Typed errors every layer raises; the GraphQL edge maps each to one `code`.

Messages are written for the API's user and never carry a credential: a provider
builds them from the vendor's documented meaning, not from the request it sent.
"""

from __future__ import annotations


class CallboardError(Exception):
    """Base of every error Callboard reports to a client on purpose."""

    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(CallboardError):
    """The client sent something that cannot work (a bad phone, an out-of-range option)."""

    code = "BAD_INPUT"


class NotFound(CallboardError):
    """The thing named does not exist, or the caller may not know that it does."""

    code = "NOT_FOUND"


class Unsupported(CallboardError):
    """The provider behind this id cannot do the operation asked for."""

    code = "UNSUPPORTED"


class Unauthenticated(CallboardError):
    """No key, or a key no client has."""

    code = "UNAUTHENTICATED"


class Forbidden(CallboardError):
    """The client is known but may not do this."""

    code = "FORBIDDEN"


class ProviderUnavailable(CallboardError):
    """The vendor could not be reached or answered with a server error."""

    code = "PROVIDER_UNAVAILABLE"


class ProviderTimeout(CallboardError):
    """The vendor did not answer in time; the operation may or may not have happened."""

    code = "PROVIDER_TIMEOUT"


class ProviderRejected(CallboardError):
    """The vendor refused the request; `vendor_code` keeps its own code for the client."""

    code = "PROVIDER_REJECTED"

    def __init__(
        self, message: str, *, field: str | None = None, vendor_code: str | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.vendor_code = vendor_code


class ProviderMisconfigured(ProviderRejected):
    """The vendor refused Callboard's own credentials: an operator must fix the config."""

    code = "PROVIDER_MISCONFIGURED"


class IdempotencyConflict(CallboardError):
    """An idempotency key was reused for a different request, or is still in flight."""

    code = "IDEMPOTENCY_CONFLICT"


class SubscriberTooSlow(CallboardError):
    """A subscriber fell so far behind that its buffer filled; it may resume with its cursor."""

    code = "SUBSCRIBER_TOO_SLOW"


class CursorExpired(CallboardError):
    """A resume cursor points before the events retention has removed."""

    code = "CURSOR_EXPIRED"
