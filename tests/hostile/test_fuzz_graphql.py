"""Hostile GraphQL: documents generated from the schema (valid, and with one violation
each), every root field with hostile variables, and malformed requests. Never a 5xx,
never `INTERNAL`, and the server is healthy after."""

from __future__ import annotations

import json
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from callboard.schema import build_schema
from tests.hostile.conftest import Demo
from tests.hostile.strategies import CUSTOM_SCALARS, deep_json, json_values

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SCHEMA = build_schema()._schema
SDL = build_schema().as_str()


def answer(demo: Demo, body: bytes | str, **headers: str) -> dict[str, Any]:
    """The answer to a POST: never a 5xx, never INTERNAL; its JSON."""
    response = demo.http.post(
        f"{demo.url}/graphql",
        content=body,
        headers={"content-type": "application/json", **headers},
    )
    assert response.status_code < 500, (response.status_code, response.text[:300])
    reply = response.json()
    codes = [e.get("extensions", {}).get("code") for e in reply.get("errors") or []]
    assert "INTERNAL" not in codes, reply
    return reply  # type: ignore[no-any-return]


@FUZZ
@given(
    document=from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS)
    | from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE)
)
def test_documents_from_the_schema(demo: Demo, document: str) -> None:
    answer(demo, json.dumps({"query": document}))


def _root_fields() -> list[tuple[str, str, graphql.GraphQLField]]:
    roots = [("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)]
    return [
        (operation, name, field)
        for operation, root in roots
        if root is not None
        for name, field in root.fields.items()
        if field.args
    ]


ROOT_FIELDS = _root_fields()


def _document(operation: str, name: str, field: graphql.GraphQLField) -> str:
    """`field` with every argument given as a variable of the argument's own type."""
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    given_ = ", ".join(f"{a}: ${a}" for a in field.args)
    named = graphql.get_named_type(field.type)
    selection = " { __typename }" if not graphql.is_leaf_type(named) else ""
    return f"{operation}({declared}) {{ {name}({given_}){selection} }}"


# As JSON text: a value nested 5,000 deep cannot be a Python value json.dumps takes.
hostile_values = (
    json_values.map(json.dumps)
    | deep_json
    | st.text(min_size=10_000, max_size=20_000).map(json.dumps)
)


@FUZZ
@given(
    field=st.sampled_from(ROOT_FIELDS),
    values=st.lists(hostile_values, min_size=1, max_size=6),
)
def test_every_root_field_with_hostile_variables(
    demo: Demo, field: tuple[str, str, graphql.GraphQLField], values: list[Any]
) -> None:
    operation, name, definition = field
    pairs = zip(definition.args, values * len(definition.args), strict=False)
    variables = ", ".join(f"{json.dumps(a)}: {v}" for a, v in pairs)
    query = json.dumps(_document(operation, name, definition))
    answer(demo, f'{{"query": {query}, "variables": {{{variables}}}}}')


@FUZZ
@given(
    body=st.binary(max_size=2_000)
    | json_values.map(json.dumps)
    | deep_json
    | st.fixed_dictionaries(
        {"query": json_values | st.text(), "variables": json_values},
        optional={"operationName": json_values, "extensions": json_values},
    ).map(json.dumps)
    | deep_json.map(lambda deep: f'{{"query": "{{ __typename }}", "variables": {{"v": {deep}}}}}')
)
def test_malformed_requests(demo: Demo, body: bytes | str) -> None:
    answer(demo, body)


@pytest.mark.parametrize(
    "document",
    [
        "query A { __typename } query B { __typename }",
        "{ calls(first: 100) { totalCount } }" + " # comment" * 20_000,
        "{" * 5_000 + "}" * 5_000,
        "{ calls(" + "first: 1, " * 5_000 + ") { totalCount } }",
        "{ a: __typename " + " ".join(f"b{i}: __typename" for i in range(1_000)) + " }",
    ],
)
def test_hand_made_documents(demo: Demo, document: str) -> None:
    answer(demo, json.dumps({"query": document}))


def test_the_server_is_healthy_after(demo: Demo) -> None:
    demo.healthy()
