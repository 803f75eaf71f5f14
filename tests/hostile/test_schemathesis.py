"""schemathesis over every query and mutation of the schema (the SDL `callboard schema`
prints), against the demo over HTTP: no 5xx, no `INTERNAL`."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.graphql import nodes

from callboard.schema import build_schema
from tests.hostile.conftest import Demo
from tests.hostile.strategies import CUSTOM_SCALARS

for _name, _strategy in CUSTOM_SCALARS.items():
    schemathesis.graphql.scalar(_name, _strategy)
del nodes  # the strategies build their value nodes with hypothesis-graphql's own

schema = schemathesis.graphql.from_file(build_schema().as_str())


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_operation_fails_on_the_server(case: schemathesis.Case, demo: Demo) -> None:
    response = case.call(base_url=f"{demo.url}/graphql")
    assert response.status_code < 500, (response.status_code, response.text[:300])
    errors = response.json().get("errors") or []
    assert "INTERNAL" not in [e.get("extensions", {}).get("code") for e in errors], errors
