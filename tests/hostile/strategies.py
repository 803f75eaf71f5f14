"""Hypothesis strategies for hostile input: any bytes, JSON deep and wide, forms."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=40,
)


def nested(depth: int, *, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


deep_json = st.builds(
    nested, st.integers(min_value=1, max_value=5_000), kind=st.sampled_from(["list", "dict"])
)

wide_json = st.integers(min_value=1, max_value=20_000).map(
    lambda n: json.dumps({f"k{i}": i for i in range(n)})
)


def json_bodies(sample: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Bodies a JSON webhook might get: a real one with fields of any type, deep or wide
    JSON, other JSON, or bytes that are not JSON at all."""
    mutated = st.fixed_dictionaries({k: st.just(v) | json_values for k, v in sample.items()})
    extra = st.dictionaries(st.text(max_size=12), json_values, max_size=5)
    documents = st.one_of(
        st.builds(lambda m, e: json.dumps({**m, **e}), mutated, extra),
        json_values.map(json.dumps),
        deep_json,
        wide_json,
    )
    return st.one_of(documents.map(str.encode), st.binary(max_size=2_000))


def form_bodies(sample: dict[str, str]) -> st.SearchStrategy[bytes]:
    """Bodies a form webhook might get: a real form with any values, any form, deep JSON
    in a field, or bytes."""
    text = st.text(max_size=200) | deep_json
    mutated = st.fixed_dictionaries({k: st.just(v) | text for k, v in sample.items()})
    extra = st.dictionaries(st.text(max_size=20), text, max_size=8)
    forms = st.builds(lambda m, e: {**m, **e}, mutated, extra).map(lambda f: urlencode(f).encode())
    many = st.integers(min_value=1, max_value=30_000).map(
        lambda n: "&".join(f"f{i}=v" for i in range(n)).encode()
    )
    return st.one_of(forms, many, deep_json.map(str.encode), st.binary(max_size=2_000))


def _object_node(fields: dict[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
            for k, v in fields.items()
        ]
    )


_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)

# Literal JSON in a document (`webhookParameters: {a: [1, "x"]}`), deep at times.
json_nodes: st.SearchStrategy[graphql.ValueNode] = st.recursive(
    st.one_of(
        st.text(max_size=30).map(nodes.String),
        st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    ),
    lambda inner: (
        st.lists(inner, max_size=4).map(nodes.List)
        | st.dictionaries(_names, inner, max_size=4).map(_object_node)
    ),
    max_leaves=30,
)

CUSTOM_SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "JSON": json_nodes,
    "Date": st.dates().map(nodes.String) | st.text(max_size=12).map(nodes.String),
    "DateTime": st.datetimes().map(nodes.String) | st.text(max_size=30).map(nodes.String),
    "Upload": st.just(nodes.Null),
}
