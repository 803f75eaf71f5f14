"""How the compiled path gets a field's values: one implementation per covered field, for
all the sources of a level at once (a page's 100 calls, then their 400 events).

Sources are what the implementations make them: strawberry objects (`Attribute` reads a
plain field off them, as strawberry's default resolver does), or rows of the call log read
with only the columns the document needs (`Column`). A field that reads rows declares its
columns; a field whose values carry its source's rows (a page's edges, an edge's node)
says so, and the read that makes the rows reads the columns of everything below it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.types.field import StrawberryField

from callboard.compiled.plan import FieldPlan, Selection, Uncovered

if TYPE_CHECKING:
    from callboard.compiled.run import Run

__all__ = [
    "Attribute",
    "Batch",
    "Column",
    "FieldImpl",
    "FieldTable",
    "bind_rows",
    "row_columns",
]

Values = list[Any] | Awaitable[list[Any]]
_BACKREF = "strawberry-definition"  # strawberry's link from a GraphQL field to its own


class FieldImpl:
    """One field, for a batch of sources."""

    # Columns it reads from its source rows, and whether its values carry those rows.
    columns: tuple[str, ...] = ()
    carries_rows: bool = False
    # Its values are already what the response holds (else: the leaf type serializes).
    serialized: bool = False

    def prepare(self, field: FieldPlan) -> None:
        """At compile time, once the field's selection is compiled."""

    def resolve(self, sources: list[Any], field: FieldPlan, run: Run) -> Values:
        raise NotImplementedError


class Attribute(FieldImpl):
    """A plain field of a strawberry object (no resolver of its own)."""

    def __init__(self, python_name: str) -> None:
        self.python_name = python_name

    def resolve(self, sources: list[Any], field: FieldPlan, run: Run) -> Values:
        name = self.python_name
        return [getattr(source, name) for source in sources]


class Column(FieldImpl):
    """A column of the source rows, converted to what the response holds. `nullable`:
    whether the column may hold NULL (a null is a null, never converted)."""

    serialized = True

    def __init__(
        self, column: str, convert: Callable[[Any], Any] | None = None, *, nullable: bool = True
    ) -> None:
        self.columns = (column,)
        self.convert = convert
        self.nullable = nullable

    def resolve(self, sources: list[Any], field: FieldPlan, run: Run) -> Values:
        values = map(itemgetter(field.indexes[self.columns[0]]), sources)
        convert = self.convert
        if convert is None:
            return list(values)
        if not self.nullable:
            return list(map(convert, values))
        return [None if value is None else convert(value) for value in values]


class Batch(FieldImpl):
    """A field resolved by `function(sources, field, run)` for the whole batch."""

    def __init__(
        self,
        function: Callable[[list[Any], FieldPlan, Run], Values],
        *,
        columns: Sequence[str] = (),
        carries_rows: bool = False,
        serialized: bool = False,
        prepare: Callable[[FieldPlan], None] | None = None,
    ) -> None:
        self.function = function
        self.columns = tuple(columns)
        self.carries_rows = carries_rows
        self.serialized = serialized
        self._prepare = prepare

    def prepare(self, field: FieldPlan) -> None:
        if self._prepare is not None:
            self._prepare(field)

    def resolve(self, sources: list[Any], field: FieldPlan, run: Run) -> Values:
        return self.function(sources, field, run)


class _Typename(FieldImpl):
    serialized = True

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self, sources: list[Any], field: FieldPlan, run: Run) -> Values:
        return [self.name] * len(sources)


class FieldTable:
    """The covered fields: `impls` by type and field name, and every plain field of the
    `attribute_types` (strawberry objects whose fields without a resolver are read off
    the object)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        impls: Mapping[str, Mapping[str, FieldImpl]],
        attribute_types: Sequence[str] = (),
    ) -> None:
        self._impls: dict[str, dict[str, FieldImpl]] = {t: dict(f) for t, f in impls.items()}
        for type_name, fields in self._impls.items():
            known = _object_type(schema, type_name).fields
            if unknown := set(fields) - set(known):
                raise ValueError(f"{type_name} has no field {sorted(unknown)}")
        for type_name in attribute_types:
            for name, definition in _object_type(schema, type_name).fields.items():
                own: StrawberryField | None = definition.extensions.get(_BACKREF)
                if own is not None and own.base_resolver is None and not own.extensions:
                    self._impls.setdefault(type_name, {}).setdefault(
                        name, Attribute(own.python_name)
                    )
        self._typenames: dict[str, _Typename] = {}

    def impl(self, type_name: str, field_name: str) -> FieldImpl:
        found = self._impls.get(type_name, {}).get(field_name)
        if found is None:
            raise Uncovered(f"{type_name}.{field_name}")
        return found

    def typename(self, type_: GraphQLObjectType) -> FieldImpl:
        found = self._typenames.get(type_.name)
        if found is None:
            found = self._typenames[type_.name] = _Typename(type_.name)
        return found


def _object_type(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    found = schema.get_type(name)
    if not isinstance(found, GraphQLObjectType):
        raise ValueError(f"{name} is not an object type of the schema")
    return found


def row_columns(selection: Selection) -> set[str]:
    """The columns the fields of `selection` read from its rows, and those of the
    selections below that carry the same rows."""
    found: set[str] = set()
    for field in selection.fields:
        found.update(field.impl.columns)
        if field.impl.carries_rows and field.selection is not None:
            found |= row_columns(field.selection)
    return found


def bind_rows(selection: Selection, layout: Sequence[str]) -> None:
    """Tell each field of `selection` (and of the selections carrying its rows) where its
    columns sit in rows read as `layout`."""
    index = {column: i for i, column in enumerate(layout)}
    for field in selection.fields:
        field.indexes = {column: index[column] for column in field.impl.columns}
        if field.impl.carries_rows and field.selection is not None:
            bind_rows(field.selection, layout)
