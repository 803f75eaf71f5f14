"""The capability matrix: generated from the providers' declared capabilities, naming
only operations the schema has, and the README's copy equal to it."""

from __future__ import annotations

import re
from pathlib import Path

from callboard.domain.capabilities import Capability
from callboard.providers.registry import DRIVERS, provider_class
from callboard.schema import build_schema
from callboard.schema.capabilities import OPERATIONS, matrix

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_capability_names_its_operations() -> None:
    assert set(OPERATIONS) == set(Capability)


def test_every_operation_a_kind_serves_exists_in_the_schema() -> None:
    schema = build_schema()._schema
    roots = [schema.query_type, schema.mutation_type, schema.subscription_type]
    served = {c for kind in DRIVERS for c in provider_class(kind).capabilities}
    for capability in served:
        for name in OPERATIONS[capability]:
            type_name, _, field = name.rpartition(".")
            if type_name:
                assert field in schema.type_map[type_name].fields, name  # type: ignore[union-attr]
            else:
                assert any(root and field in root.fields for root in roots), name


def test_the_readme_shows_the_generated_matrix() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- capability-matrix:start -->\n(.*?)<!-- capability-matrix:end -->", text, re.S
    )
    assert found, "README lost its capability-matrix markers"
    assert found.group(1) == matrix(sorted(DRIVERS)), (
        "README's matrix is stale: paste `callboard capabilities` between the markers"
    )
