"""What a webhook delivery said (its call signals, agent statuses, SMS updates) as JSON,
so that it can wait in the inbox and be turned into events later, by any instance."""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from callboard.domain.calls import CallSignal
from callboard.domain.pbx import AgentStatus
from callboard.domain.sms import SmsSignal

__all__ = ["Outcome", "decode_outcome", "dump", "encode_outcome", "load"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """The part of a delivery that becomes events and state."""

    signals: tuple[CallSignal, ...] = ()
    agent_statuses: tuple[AgentStatus, ...] = ()
    sms: tuple[SmsSignal, ...] = ()


def encode_outcome(outcome: Outcome) -> dict[str, Any]:
    encoded: dict[str, Any] = dump(outcome)
    return encoded


def decode_outcome(data: Mapping[str, Any]) -> Outcome:
    return load(Outcome, data)


def dump(value: Any) -> Any:
    """A domain dataclass (or what it holds) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): dump(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    return value


def load(cls: type[T], data: Mapping[str, Any]) -> T:
    """The dataclass `cls` back from what `dump` made of it."""
    hints = _hints(cls)  # type: ignore[arg-type]
    values = {
        f.name: _value(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**values)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _value(inner, raw)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]
            return tuple(_value(args[0], item) for item in raw)
        return tuple(_value(arg, item) for arg, item in zip(args, raw, strict=True))
    if origin is not None:  # Mapping[str, Any] and the like: JSON as it is
        return raw
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return load(hint, raw)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(raw)
    if hint is datetime:
        return datetime.fromisoformat(raw)
    return raw
