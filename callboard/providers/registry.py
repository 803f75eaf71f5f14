"""Provider kinds: `kind` -> class, imported only when a configuration uses the kind.

Built-in kinds are listed in `DRIVERS`; other packages add kinds through the entry
point group `callboard.providers` (`kind = "package.module:Class"`).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from callboard.providers.base import Provider

__all__ = ["DRIVERS", "ENTRY_POINT_GROUP", "UnknownKind", "known_kinds", "provider_class"]

ENTRY_POINT_GROUP = "callboard.providers"

DRIVERS: dict[str, tuple[str, str]] = {
    "liner": ("callboard.providers.liner.provider", "LinerProvider"),
    "lirax": ("callboard.providers.lirax.provider", "LiraxProvider"),
    "twin24": ("callboard.providers.twin24.provider", "Twin24Provider"),
    "while1": ("callboard.providers.while1.provider", "While1Provider"),
    "zvonobot": ("callboard.providers.zvonobot.provider", "ZvonobotProvider"),
}


class UnknownKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown provider kind '{kind}'")
        self.kind = kind


def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_kinds() -> list[str]:
    return sorted(set(DRIVERS) | set(_plugins()))


def provider_class(kind: str) -> type[Provider]:
    if kind in DRIVERS:
        module_name, class_name = DRIVERS[kind]
        cls = getattr(importlib.import_module(module_name), class_name)
    else:
        target = _plugins().get(kind)
        if target is None:
            raise UnknownKind(kind)
        module_name, _, class_name = target.partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise TypeError(f"{module_name}.{class_name} is not a callboard Provider")
    return cls
