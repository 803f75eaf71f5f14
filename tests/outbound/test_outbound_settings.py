"""`[outbound]`: defaults as the issue says, and one clear message per mistake."""

from __future__ import annotations

import pytest

from callboard.settings import ConfigError, OutboundSettings, parse_settings


def test_defaults() -> None:
    outbound = parse_settings({}, environ={}).outbound
    assert outbound == OutboundSettings()
    assert outbound.retry_schedule == (5, 30, 120, 600, 1800, 3600)
    assert (outbound.timeout_seconds, outbound.window_hours) == (10, 24)
    assert outbound.allow_private_networks is False
    assert outbound.parallel_deliveries == 8


def test_given_values() -> None:
    raw = {"outbound": {"retry_schedule": [1, 2], "allow_private_networks": True}}
    outbound = parse_settings(raw, environ={}).outbound
    assert outbound.retry_schedule == (1.0, 2.0)
    assert outbound.allow_private_networks is True


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"retry_schedule": []}, "[outbound] retry_schedule: must be a list of positive"),
        ({"retry_schedule": [5, -1]}, "[outbound] retry_schedule: must be a list of positive"),
        ({"allow_private_networks": "yes"}, "[outbound] allow_private_networks: must be true"),
        ({"timeout_seconds": 0}, "[outbound] timeout_seconds: must be a positive number"),
        ({"timeout_seconds": 90}, "[outbound] lease_seconds: must be longer than"),
        ({"retries": 3}, "[outbound] retries: unknown key"),
        ({"parallel_deliveries": 0}, "[outbound] parallel_deliveries: must be a positive whole"),
        ({"parallel_deliveries": 2.5}, "[outbound] parallel_deliveries: must be a positive whole"),
    ],
)
def test_mistakes_are_said_clearly(raw: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_settings({"outbound": raw}, environ={})
    assert words in str(refused.value)
