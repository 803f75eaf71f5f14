"""Running a compiled selection: level by level, each field once for all its sources.

Nothing here reports an error: whatever would be one (an exception, a null where the
schema says non-null, a value its type cannot serialize) raises `Fallback`, and the
general path answers the request, errors and all. Queries read only, so running the
document again there changes nothing but the time it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    Undefined,
    get_argument_values,
)
from graphql.execution.values import VariableValues

from callboard.compiled.plan import FieldPlan, Selection
from callboard.schema.context import Context

__all__ = ["Fallback", "Run", "execute"]


class Fallback(Exception):
    """The general path must answer this request."""


@dataclass(eq=False, slots=True)
class Run:
    """One request through the compiled path."""

    context: Context
    variables: VariableValues

    def arguments(
        self, field: FieldPlan, prepare: Callable[[FieldPlan, dict[str, Any]], Any] | None = None
    ) -> Any:
        """The field's arguments, coerced as graphql-core does, by their GraphQL names;
        given `prepare`, what it makes of them (it may raise, as coercing may). A field
        whose arguments read no variable has them worked out once, in its first request:
        `prepare` must then not depend on the request (~35 of ~595 µs of the call list
        were coercing and checking its literal `first: 100`)."""
        if field.arguments is not None:
            return field.arguments
        assert field.definition is not None
        found: Any = get_argument_values(field.definition, field.node, self.variables)
        if prepare is not None:
            found = prepare(field, found)
        if field.constant_arguments:
            field.arguments = found
        return found


async def execute(selection: Selection, sources: list[Any], run: Run) -> list[dict[str, Any]]:
    """The response objects of `selection` for each of `sources`."""
    columns = []
    for field in selection.computed:
        values = field.impl.resolve(sources, field, run)
        if not isinstance(values, list):
            values = await values
        if not field.plain:
            values = await _complete(field.type, values, field, run)
        elif field.non_null and None in values:
            raise Fallback(f"null for the non-null {field.key}")
        columns.append(values)
    assert selection.make is not None, "makers.finish ran when the plan was built"
    return list(map(selection.make, sources, *columns))


async def _complete(
    type_: GraphQLOutputType, values: list[Any], field: FieldPlan, run: Run
) -> list[Any]:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
        if None in values:
            raise Fallback(f"null for the non-null {field.key}")
    if isinstance(type_, GraphQLList):
        if None in values:
            lengths = [-1 if value is None else len(value) for value in values]
            items = list(chain.from_iterable(value for value in values if value is not None))
        else:
            lengths = list(map(len, values))
            items = list(chain.from_iterable(values))
        return _regroup(await _complete(type_.of_type, items, field, run), lengths)
    if field.selection is None:  # a leaf
        if field.impl.serialized:
            return values
        serialize = type_.serialize  # type: ignore[union-attr]
        out: list[Any] = []
        for value in values:
            if value is None:
                out.append(None)
                continue
            serialized = serialize(value)
            if serialized is None or serialized is Undefined:
                raise Fallback(f"{field.key} did not serialize")
            out.append(serialized)
        return out
    if None not in values:
        return await execute(field.selection, values, run)
    present = [v for v in values if v is not None]
    results = iter(await execute(field.selection, present, run))
    return [None if v is None else next(results) for v in values]


def _regroup(items: list[Any], lengths: list[int]) -> list[Any]:
    out: list[Any] = []
    at = 0
    for length in lengths:
        if length < 0:
            out.append(None)
        else:
            out.append(items[at : at + length])
            at += length
    return out
