"""LiraX's directory and black-list replies <-> Callboard's model, as pure functions.

The page shows each reply's shape once, loosely (`"active":"0 1"`, `Name` capitalised);
readers here take either spelling and skip entries they cannot read rather than fail
the whole list.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from callboard.domain.errors import BadInput, ProviderUnavailable
from callboard.domain.pbx import Agent, AgentStatusType, DealStage, Shop
from callboard.domain.phones import parse_vendor_phone

__all__ = [
    "agent_status_types",
    "agents",
    "blacklist",
    "deal_stages",
    "normalize_ip",
    "shops",
]


def _entries(reply: Mapping[str, Any], key: str) -> Iterable[Mapping[str, Any]]:
    value = reply.get(key)
    if not isinstance(value, list):
        raise ProviderUnavailable(f"LiraX's reply had no `{key}` list.")
    return (entry for entry in value if isinstance(entry, Mapping))


def _get(entry: Mapping[str, Any], *names: str) -> Any:
    lowered = {str(k).lower(): v for k, v in entry.items()}
    return next((lowered[n] for n in names if lowered.get(n) not in (None, "")), None)


def agents(reply: Mapping[str, Any]) -> list[Agent]:
    found = []
    for entry in _entries(reply, "users"):
        agent_id, name = _get(entry, "id"), _get(entry, "name")
        if agent_id is None:
            continue
        ext = _get(entry, "ext", "extension")
        active = str(_get(entry, "active") or "0").strip().lower() in ("1", "true", "yes")
        found.append(Agent(str(agent_id), str(name or ""), str(ext) if ext else None, active))
    return found


def shops(reply: Mapping[str, Any]) -> list[Shop]:
    return [
        Shop(str(_get(e, "id")), str(_get(e, "name") or ""))
        for e in _entries(reply, "shops")
        if _get(e, "id") is not None
    ]


def deal_stages(reply: Mapping[str, Any]) -> list[DealStage]:
    """In funnel order, as LiraX sends them."""
    found = []
    for entry in _entries(reply, "stages"):
        try:
            found.append(DealStage(int(_get(entry, "stage", "id")), str(_get(entry, "title"))))
        except (TypeError, ValueError):
            continue
    return found


def agent_status_types(reply: Mapping[str, Any]) -> list[AgentStatusType]:
    return [
        AgentStatusType(str(_get(e, "status", "id")), str(_get(e, "title") or ""))
        for e in _entries(reply, "statuses")
        if _get(e, "status", "id") is not None
    ]


def blacklist(reply: Mapping[str, Any], *, phones: bool, region: str) -> tuple[str, ...]:
    value = reply.get("blacklist")
    if not isinstance(value, list):
        raise ProviderUnavailable("LiraX's reply had no `blacklist` list.")
    items = [str(v) for v in value if v not in (None, "")]
    if phones:
        return tuple(parse_vendor_phone(p, region) or p for p in items)
    return tuple(items)


def normalize_ip(text: str) -> str:
    """An IPv4 or IPv6 address as LiraX should get it; `BadInput` if it is neither.

    The page's own example writes `100.111.000.101`: leading zeros in an IPv4 octet are
    dropped (Python refuses them, as they read as octal elsewhere).
    """
    cleaned = text.strip()
    parts = cleaned.split(".")
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 for p in parts):
        cleaned = ".".join(str(int(p)) for p in parts)
    try:
        return str(ipaddress.ip_address(cleaned))
    except ValueError:
        raise BadInput(f"'{text}' is not an IPv4 or IPv6 address.", field="ip") from None
