"""A Hypothesis strategy that rewrites a generated query document (hypothesis-graphql's)
into one that means about as much but says it in more of GraphQL: argument values that
find calls in the log, given inline or as variables (with defaults, or null), aliases and
aliased copies of a field with other arguments, named and inline fragments (at times on
the wrong type), `__typename`, and `@include`/`@skip` by literal or variable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import graphql
from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
)
from hypothesis import strategies as st

from tests.call_log import LIRAX, LIRAX_IDLE, WHILE1, CallLog
from tests.differential_corpus import Case


@dataclass(frozen=True)
class Pools:
    """Argument values that find something in the log, and values that fail, by field
    and argument."""

    good: dict[tuple[str, str], tuple[Any, ...]]
    bad: dict[tuple[str, str], tuple[Any, ...]]

    @classmethod
    def of(cls, log: CallLog) -> Pools:
        good = {
            ("calls", "first"): (1, 2, 3, 5, 20, 100, None),
            ("calls", "after"): (*log.cursors[::5], None),
            ("calls", "provider"): (LIRAX, WHILE1, LIRAX_IDLE, None),
            ("calls", "phone"): ("+380991234567", "380501234567", "+40212345678", None),
            ("calls", "updatedAfter"): (log.changes[len(log.changes) // 2], log.changes[0], None),
            ("calls", "startedAfter"): (log.changes[len(log.changes) // 2], None),
            ("calls", "startedBefore"): (log.changes[-1], None),
            ("call", "id"): (*log.lirax_calls[:4], *log.while1_calls[:2]),
        }
        bad = {
            ("calls", "first"): (0, 101, -1),
            ("calls", "after"): ("garbage", log.event_ids[0]),
            ("calls", "provider"): ("no-such",),
            ("calls", "phone"): ("12",),
            ("calls", "updatedAfter"): ("yesterday",),
            ("calls", "startedAfter"): ("2026-13-01T00:00:00",),
            ("calls", "startedBefore"): ("",),
            ("call", "id"): (log.event_ids[0], "not-an-id", "Q2FsbDpub3QtYS1jYWxs"),
        }
        return cls(good, bad)


def _literal(value: Any, type_: graphql.GraphQLInputType) -> graphql.ValueNode:
    """`value` written in a document. The pools hold times as the text a client sends
    (DateTime's own serializer takes only datetimes)."""
    if isinstance(value, str) and graphql.get_named_type(type_).name == "DateTime":
        return graphql.StringValueNode(value=value)
    found = graphql.ast_from_value(value, type_)
    assert found is not None
    return found


def _name(value: str) -> NameNode:
    return NameNode(value=value)


def _selections(selections: list[SelectionNode]) -> SelectionSetNode:
    return SelectionSetNode(selections=tuple(selections))


@dataclass
class _Rewriter:
    draw: st.DrawFn
    schema: GraphQLSchema
    pools: Pools
    variable_definitions: list[VariableDefinitionNode] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: list[FragmentDefinitionNode] = field(default_factory=list)
    _names: int = 0

    def fresh(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix}{self._names}"

    def chance(self, one_in: int) -> bool:
        # 0, where Hypothesis shrinks to, is "no": a failing example shrinks towards the
        # document as hypothesis-graphql made it.
        return self.draw(st.integers(0, one_in - 1)) == one_in - 1

    def variable(self, type_: graphql.GraphQLInputType, value: Any) -> VariableNode:
        """A new variable of `type_` for `value`: sent, or the default and not sent, or the
        default and null sent (which is not the default)."""
        name = self.fresh("v")
        how = self.draw(st.sampled_from(["sent"] * 3 + ["default"] * 2 + ["default, null sent"]))
        literal = _literal(value, type_)
        declared = type_
        if isinstance(type_, graphql.GraphQLNonNull) and how != "sent" and self.chance(2):
            # allowed where a non-null value is wanted, since it has a default
            declared = type_.of_type
        self.variable_definitions.append(
            VariableDefinitionNode(
                variable=VariableNode(name=_name(name)),
                type=graphql.parse_type(str(declared)),
                default_value=None if how == "sent" else literal,
                directives=(),
            )
        )
        if how == "sent":
            self.variables[name] = value
        elif how == "default, null sent":
            self.variables[name] = None
        return VariableNode(name=_name(name))

    def argument(
        self, field_def: graphql.GraphQLField, field_name: str, node: ArgumentNode
    ) -> ArgumentNode:
        key = (field_name, node.name.value)
        if key not in self.pools.good or self.chance(10):
            return node  # as generated
        pool = self.pools.bad if self.chance(10) else self.pools.good
        value = self.draw(st.sampled_from(pool[key]))
        type_ = field_def.args[node.name.value].type
        if self.chance(3):
            return ArgumentNode(name=node.name, value=self.variable(type_, value))
        return ArgumentNode(name=node.name, value=_literal(value, type_))

    def directives(self) -> tuple[DirectiveNode, ...]:
        if not self.chance(4):
            return ()
        name = self.draw(st.sampled_from(["include", "skip"]))
        value = self.draw(st.booleans())
        condition: graphql.ValueNode = graphql.BooleanValueNode(value=value)
        if self.chance(2):
            condition = self.variable(graphql.GraphQLNonNull(graphql.GraphQLBoolean), value)
        argument = ArgumentNode(name=_name("if"), value=condition)
        return (DirectiveNode(name=_name(name), arguments=(argument,)),)

    def field(self, node: FieldNode, parent: GraphQLObjectType, *, alias: bool) -> FieldNode:
        name = node.name.value
        if name.startswith("__"):
            return node
        field_def = parent.fields[name]
        arguments = tuple(self.argument(field_def, name, a) for a in node.arguments)
        selection_set = None
        if node.selection_set is not None:
            inner = graphql.get_named_type(field_def.type)
            assert isinstance(inner, GraphQLObjectType)
            selection_set = self.selection_set(node.selection_set, inner)
        return FieldNode(
            alias=_name(self.fresh("a")) if alias or self.chance(6) else node.alias,
            name=node.name,
            arguments=arguments,
            directives=self.directives(),
            selection_set=selection_set,
        )

    def selection(self, node: SelectionNode, parent: GraphQLObjectType) -> list[SelectionNode]:
        if isinstance(node, FieldNode):
            rewritten = [self.field(node, parent, alias=False)]
            if node.selection_set is not None and self.chance(8):
                # the same field again under another name, its arguments drawn anew
                rewritten.append(self.field(node, parent, alias=True))
            return rewritten
        if isinstance(node, InlineFragmentNode):
            on = parent
            if node.type_condition is not None:
                named = self.schema.get_type(node.type_condition.name.value)
                assert isinstance(named, GraphQLObjectType)
                on = named
            inner = self.selection_set(node.selection_set, on)
            return [
                InlineFragmentNode(
                    type_condition=node.type_condition, directives=(), selection_set=inner
                )
            ]
        return [node]

    def grouped(self, selections: list[SelectionNode], parent: GraphQLObjectType) -> SelectionNode:
        """`selections` as an inline fragment or a spread of a new named fragment."""
        on = parent.name
        if self.chance(20):
            on = self.draw(st.sampled_from(["Call", "CallEvent", "Provider", "PageInfo"]))
        condition = NamedTypeNode(name=_name(on))
        if self.chance(2):
            return InlineFragmentNode(
                type_condition=condition if self.draw(st.booleans()) else None,
                directives=self.directives(),
                selection_set=_selections(selections),
            )
        name = self.fresh("F")
        self.fragments.append(
            FragmentDefinitionNode(
                name=_name(name),
                variable_definitions=None,
                type_condition=condition,
                directives=(),
                selection_set=_selections(selections),
            )
        )
        return FragmentSpreadNode(name=_name(name), directives=self.directives())

    def selection_set(self, node: SelectionSetNode, parent: GraphQLObjectType) -> SelectionSetNode:
        selections = [s for n in node.selections for s in self.selection(n, parent)]
        if self.chance(3):
            typename = FieldNode(
                alias=_name(self.fresh("t")) if self.draw(st.booleans()) else None,
                name=_name("__typename"),
                arguments=(),
                directives=self.directives(),
            )
            selections.insert(self.draw(st.integers(0, len(selections))), typename)
        if self.chance(3):
            start = self.draw(st.integers(0, len(selections) - 1))
            end = self.draw(st.integers(start + 1, len(selections)))
            selections[start:end] = [self.grouped(selections[start:end], parent)]
        return _selections(selections)


@st.composite
def rewritten(draw: st.DrawFn, schema: GraphQLSchema, document: DocumentNode, pools: Pools) -> Case:
    """A request made of `document` (one anonymous query, as hypothesis-graphql makes):
    its text, variables and operation name."""
    (operation,) = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert schema.query_type is not None
    rewriter = _Rewriter(draw, schema, pools)
    selection_set = rewriter.selection_set(operation.selection_set, schema.query_type)
    name = draw(st.sampled_from([None, "Generated"]))
    query = OperationDefinitionNode(
        operation=OperationType.QUERY,
        name=_name(name) if name else None,
        variable_definitions=tuple(rewriter.variable_definitions),
        directives=(),
        selection_set=selection_set,
    )
    fragments_first = draw(st.booleans())
    definitions = [*rewriter.fragments, query] if fragments_first else [query, *rewriter.fragments]
    text = graphql.print_ast(DocumentNode(definitions=tuple(definitions)))
    operation_name = name if name and draw(st.booleans()) else None
    variables = rewriter.variables if rewriter.variables or draw(st.booleans()) else None
    return Case("generated", text, variables, operation_name)
