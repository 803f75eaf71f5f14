"""Vendor-neutral model: what a call, an event, a contact is, whatever the vendor.

Imports nothing else of Callboard's, nor strawberry or httpx.
"""

from callboard.domain.calls import (
    Call,
    CallDirection,
    CallEvent,
    CallEventKind,
    CallSignal,
    CallStatus,
    apply_signal,
)
from callboard.domain.capabilities import Capability
from callboard.domain.directory import AudioRecord, Contact, Order, PhoneNumber
from callboard.domain.errors import (
    BadInput,
    CallboardError,
    Forbidden,
    NotFound,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    Unauthenticated,
    Unsupported,
)
from callboard.domain.phones import normalize_phone, parse_vendor_phone

__all__ = [
    "AudioRecord",
    "BadInput",
    "Call",
    "CallDirection",
    "CallEvent",
    "CallEventKind",
    "CallSignal",
    "CallStatus",
    "CallboardError",
    "Capability",
    "Contact",
    "Forbidden",
    "NotFound",
    "Order",
    "PhoneNumber",
    "ProviderRejected",
    "ProviderTimeout",
    "ProviderUnavailable",
    "Unauthenticated",
    "Unsupported",
    "apply_signal",
    "normalize_phone",
    "parse_vendor_phone",
]
