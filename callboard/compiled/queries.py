"""The compiled path's front: which requests it answers, and the plans it keeps.

A document is compiled once the general path has parsed and validated it without errors
(it is then in the schema's DocumentCache): its first request always runs there, so every
limit (tokens, depth, aliases, introspection), every validation error and every syntax
error is the general path's to answer. Plans are kept with the document in that cache, by
operation name; a document found not to be covered is remembered as such.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError
from graphql.execution.values import VariableValues, get_variable_values

from callboard.compiled.call_log import call_log_fields
from callboard.compiled.makers import finish
from callboard.compiled.plan import Operation, Selection, Uncovered, compile_selection
from callboard.compiled.run import Fallback, Run, execute
from callboard.schema import CallboardSchema
from callboard.schema.context import Context

__all__ = ["CompiledQueries"]

log = logging.getLogger("callboard.compiled")

_VARIANTS = 8  # plans per operation, one per set of @skip/@include variables' values


class _Compiled:
    """One operation of a document: its plans by the values of its condition variables."""

    __slots__ = ("operation", "plans")

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.plans: dict[tuple[Any, ...], Selection | None] = {}


class CompiledQueries:
    """Answers the queries it covers, and says None to everything else."""

    def __init__(self, schema: CallboardSchema) -> None:
        self._schema = schema
        self._graphql = schema._schema
        self._fields = call_log_fields(self._graphql)
        # Requests answered here, and those left to the general path.
        self.answered = self.declined = 0

    async def run(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        context: Context,
    ) -> dict[str, Any] | None:
        """The response body ({"data": ...}) when the compiled path ran the document,
        None when it does not cover it (the caller then runs the general path). For
        orjson: DateTime values are left datetimes, which it writes as strawberry does."""
        compiled = self._compiled_for(query, operation_name)
        if compiled is None:
            self.declined += 1
            return None
        try:
            values = self._variables(compiled.operation, variables)
            key = compiled.operation.conditions(values)
            if key in compiled.plans:
                selection = compiled.plans[key]
            else:
                selection = self._plan(compiled, key, values)
            if selection is None:
                self.declined += 1
                return None
            data = await execute(selection, [None], Run(context, values))
        except Exception as exc:
            if not isinstance(exc, Fallback | GraphQLError):
                log.debug("compiled path fell back", exc_info=True)
            self.declined += 1
            return None
        self.answered += 1
        return {"data": data[0]}

    def _compiled_for(self, query: str, operation_name: str | None) -> _Compiled | None:
        # Kept with the parsed document in the schema's DocumentCache: evicted with it,
        # so plans never hold documents past its budget.
        entry = self._schema.documents.valid(query)
        if entry is None:
            return None  # not yet (or never) valid: ask again next time
        try:
            found: _Compiled | None = entry.compiled[operation_name]
        except KeyError:
            try:
                found = _Compiled(Operation.of(entry.document, operation_name))
            except Uncovered:
                found = None
            entry.compiled[operation_name] = found
        return found

    def _variables(
        self, operation: Operation, variables: Mapping[str, Any] | None
    ) -> VariableValues:
        found = get_variable_values(
            self._graphql,
            operation.definition.variable_definitions or (),
            dict(variables or {}),
        )
        if isinstance(found, list):
            raise Fallback("variables the general path must refuse")
        return found

    def _plan(
        self, compiled: _Compiled, key: tuple[Any, ...], values: VariableValues
    ) -> Selection | None:
        try:
            found = compile_selection(self._graphql, self._fields, compiled.operation, values)
            finish(found)
            selection: Selection | None = found
        except Uncovered as exc:
            log.debug("not compiled: %s", exc)
            selection = None
        if len(compiled.plans) < _VARIANTS:
            compiled.plans[key] = selection
        return selection
