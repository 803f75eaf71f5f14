"""A query document turned, once, into the plan the compiled path runs.

The fields each selection asks for are collected by graphql-core itself (`collect_fields`:
fragments, type conditions, `@skip`/`@include`, merging of fields under one response key),
so the plan means exactly what the general executor would run. `@skip`/`@include` with a
variable make the collected fields depend on the variables: a plan is built per set of
those variables' values (in practice one or two), never per request.

A field is covered when the field table (`fields.py`) has an implementation for it; one
field of the document without one, an abstract type, introspection, `@defer`/`@stream`:
the document is not covered and the general path runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_object_type,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues
from graphql.language import Visitor

if TYPE_CHECKING:
    from callboard.compiled.fields import FieldImpl, FieldTable

__all__ = ["FieldPlan", "Operation", "Selection", "Uncovered", "compile_selection"]

_CONDITIONS = ("skip", "include")


class Uncovered(Exception):
    """The document asks for something the compiled path does not run."""


@dataclass(eq=False, slots=True)
class FieldPlan:
    """One response key of a selection."""

    key: str
    name: str
    node: FieldNode
    type: GraphQLOutputType  # with its list and non-null wrappers
    definition: GraphQLField | None  # None for __typename
    impl: FieldImpl
    selection: Selection | None = None  # of an object type
    # Where each column this field reads sits in its source rows (fields.bind_rows).
    indexes: dict[str, int] = field(default_factory=dict)
    # What its implementation worked out for it at compile time (a row layout, ...).
    extra: Any = None
    # A leaf, not a list, whose implementation gives serialized values: only a null
    # where the schema says non-null is left to check.
    plain: bool = False
    non_null: bool = False
    # Whether no argument of the field reads a variable: its arguments are then the
    # same in every request, and `Run.arguments` works them out once.
    constant_arguments: bool = False
    arguments: Any = None  # what Run.arguments worked out, when constant


@dataclass(eq=False, slots=True)
class Selection:
    type: GraphQLObjectType
    fields: list[FieldPlan]
    keys: tuple[str, ...]
    # Set once the plan is whole (makers.finish): the fields whose values are computed
    # for the level, and what makes one response object of a source and those values.
    computed: list[FieldPlan] = field(default_factory=list)
    make: Callable[..., dict[str, Any]] | None = None


@dataclass(eq=False, slots=True)
class Operation:
    """A query operation of a document, and what deciding its fields needs."""

    definition: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    # Variables that @skip/@include read: their values pick the plan.
    condition_variables: tuple[str, ...]

    @classmethod
    def of(cls, document: DocumentNode, operation_name: str | None) -> Operation:
        """The operation to run (the spec's GetOperation), or Uncovered: a mutation or
        subscription, an unknown name, or a document the general path must refuse."""
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None:
            if len(operations) != 1:
                raise Uncovered("which operation to run is the general path's to answer")
            found = operations[0]
        else:
            named = [o for o in operations if o.name and o.name.value == operation_name]
            if len(named) != 1:
                raise Uncovered("no operation of that name")
            found = named[0]
        if found.operation is not OperationType.QUERY:
            raise Uncovered("only queries are compiled")
        fragments = {
            d.name.value: FragmentDetails(d)
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        if any(d.variable_definitions for d in (f.definition for f in fragments.values())):
            raise Uncovered("fragment arguments")
        return cls(found, fragments, _condition_variables(found, fragments.values()))

    def conditions(self, variables: VariableValues) -> tuple[Any, ...]:
        return tuple(variables.coerced.get(name) for name in self.condition_variables)


def compile_selection(
    schema: GraphQLSchema, table: FieldTable, operation: Operation, variables: VariableValues
) -> Selection:
    """The root selection of `operation` for variables like `variables`, or Uncovered."""
    root = schema.query_type
    assert root is not None, "a schema has a query type"
    collected = collect_fields(schema, operation.fragments, variables, root, operation.definition)
    compiler = _Compiler(schema, table, operation, variables)
    return compiler.selection(root, collected)


@dataclass(slots=True)
class _Compiler:
    schema: GraphQLSchema
    table: FieldTable
    operation: Operation
    variables: VariableValues

    def selection(self, type_: GraphQLObjectType, collected: Any) -> Selection:
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise Uncovered("@defer")
        fields = [
            self.field(type_, key, details) for key, details in collected.grouped_field_set.items()
        ]
        for f in fields:
            if not f.key.isidentifier():  # GraphQL names always are: makers.py relies on it
                raise Uncovered(f"response key {f.key!r}")
        return Selection(type_, fields, tuple(f.key for f in fields))

    def field(self, type_: GraphQLObjectType, key: str, details: list[FieldDetails]) -> FieldPlan:
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            impl = self.table.typename(type_)
            return FieldPlan(key, name, node, GraphQLNonNull(GraphQLString), None, impl, plain=True)
        if name.startswith("__"):
            raise Uncovered("introspection")
        if any(d.name.value not in _CONDITIONS for d in _directives(details)):
            raise Uncovered("a directive other than @skip/@include")
        definition = type_.fields[name]
        impl = self.table.impl(type_.name, name)
        plan = FieldPlan(key, name, node, definition.type, definition, impl)
        plan.constant_arguments = not any(_reads_variables(a) for a in node.arguments or ())
        named = get_named_type(definition.type)
        if is_object_type(named):
            assert isinstance(named, GraphQLObjectType)
            collected = collect_subfields(
                self.schema,
                self.operation.fragments,
                self.variables,
                self.operation.definition,
                named,
                details,
            )
            plan.selection = self.selection(named, collected)
        elif not is_leaf_type(named):
            raise Uncovered("an interface or union")
        impl.prepare(plan)
        plan.non_null = isinstance(definition.type, GraphQLNonNull)
        unwrapped = definition.type.of_type if plan.non_null else definition.type
        plan.plain = impl.serialized and is_leaf_type(unwrapped)
        return plan


def _directives(details: list[FieldDetails]) -> Iterable[DirectiveNode]:
    for detail in details:
        yield from detail.node.directives or ()


def _condition_variables(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDetails]
) -> tuple[str, ...]:
    found: dict[str, None] = {}

    class Conditions(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value in _CONDITIONS:
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        found[argument.value.name.value] = None

    for node in (operation, *(f.definition for f in fragments)):
        visit(node, Conditions())
    return tuple(found)


def _reads_variables(node: Any) -> bool:
    found = False

    class Variables(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    visit(node, Variables())
    return found
