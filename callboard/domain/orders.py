"""Call-center dialing orders (campaigns): what a client asks a vendor to create."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "AiLanguage",
    "CallRecordRule",
    "OrderRequest",
    "OrderStatus",
    "SipEndpointUsageScheme",
    "TimeRange",
]


class OrderStatus(enum.Enum):
    """How the order is shown (Liner's colour labels)."""

    SUCCESS = "success"
    SECONDARY = "secondary"
    INFO = "info"


class AiLanguage(enum.Enum):
    RU = "ru"
    GB = "gb"


class CallRecordRule(enum.Enum):
    """When recording starts."""

    CLIENT_IS_CONNECTED = "client_is_connected"
    AGENT_IS_CONNECTED = "agent_is_connected"


class SipEndpointUsageScheme(enum.Enum):
    """How the order's numbers take turns."""

    RANDOM_DEFAULT = "random_default"
    RANDOM_WITHOUT_REPETITION = "random_without_repetition"
    EVEN_LOADED = "even_loaded"
    EVEN_LOADED_DAILY = "even_loaded_daily"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """One working-day span, local times "HH:MM" (start before end)."""

    start: str
    end: str


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A new order. None (or empty) means "not sent": the vendor's default applies."""

    title: str
    service_title: str
    status: OrderStatus
    sip_endpoint_ids: tuple[int, ...]
    code: str | None = None
    call_schedule: tuple[TimeRange, ...] = ()
    holiday_overrides: tuple[date, ...] = ()
    auto_dialing_enabled: bool | None = None
    predictive_mode_enabled: bool | None = None
    ai_mode_enabled: bool | None = None
    standalone_ai_mode_enabled: bool | None = None
    ai_mode_prompt: str | None = None
    ai_mode_first_phrase: str | None = None
    ai_default_language: AiLanguage | None = None
    amd_detection_enabled: bool | None = None
    call_record_rule: CallRecordRule | None = None
    call_center_phone: str | None = None  # E.164
    additional_call_center_phones: tuple[str, ...] = ()  # E.164
    sip_endpoint_usage_scheme: SipEndpointUsageScheme | None = None
    agent_user_ids: tuple[int, ...] = ()
    agent_group_ids: tuple[int, ...] = ()
    show_lead_contacts_to_agent: bool | None = None
    call_attempts_group_id: int | None = None
    qualified_leads_per_day_limit: int | None = None
    call_scenario_id: int | None = None
    lead_transform_enabled: bool | None = None
    leads_priority: int | None = None
    speech_recognition_enabled: bool | None = None
    ignore_lead_timezone: bool | None = None
    # custom field id -> the value kept in that field (any JSON value)
    custom_values: Mapping[str, Any] = field(default_factory=dict)
