"""JSON from outside read within bounds: what is read can be kept and served."""

from __future__ import annotations

import pytest

from callboard.domain.json_bounds import (
    MAX_DEPTH,
    JsonOutOfBounds,
    JsonTooDeep,
    check_depth,
    loads,
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_values_within_the_bound_are_read() -> None:
    assert loads(b'{"a": [1, {"b": "c"}]}') == {"a": [1, {"b": "c"}]}
    assert loads(nested(MAX_DEPTH)) is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deeper_values_are_refused_whatever_the_depth(depth: int) -> None:
    with pytest.raises(JsonTooDeep, match="deeper than 32"):
        loads(nested(depth))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff{}", "not UTF-8"),
        ("{", "Expecting"),
        ('{"a": 1} x', "Extra data"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ("[-Infinity]", "Infinity is not a JSON number"),
        ("1e400", "out of range"),
    ],
)
def test_what_is_not_json_says_why(data: str | bytes, reason: str) -> None:
    with pytest.raises(JsonOutOfBounds, match=reason) as refused:
        loads(data)
    assert not isinstance(refused.value, JsonTooDeep), "not JSON is not JSON too deep"


def test_depth_counts_containers_not_scalars() -> None:
    check_depth("text", max_depth=0)
    check_depth({"a": 1, "b": [2]}, max_depth=2)
    with pytest.raises(JsonTooDeep):
        check_depth({"a": 1, "b": [2]}, max_depth=1)
    with pytest.raises(JsonTooDeep):
        check_depth({}, max_depth=0)
