"""Errors mapped once, at the edge: a domain error becomes its `extensions.code`; anything
unexpected becomes "Internal error" with a correlation id, and the trace goes to the log.

Strawberry hands every result's errors (query, mutation, subscription event) to
`Schema.process_errors` before the response is written; the mapping happens there.
"""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext

from callboard.domain.errors import CallboardError

__all__ = ["map_errors"]

log = logging.getLogger("callboard.graphql")

_REQUEST_ERRORS = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)


def map_errors(errors: list[GraphQLError], context: ExecutionContext | None) -> None:
    """Rewrite `errors` in place into what clients may see."""
    for error in errors:
        original = error.original_error
        if isinstance(original, CallboardError):
            error.message = original.message
            error.extensions = {"code": original.code}
            if original.field:
                error.extensions["field"] = original.field
            error.original_error = None
        elif original is None or isinstance(original, GraphQLError):
            # The document itself is wrong (syntax, validation, a limit): say so plainly.
            error.extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {})}
        elif isinstance(original, _REQUEST_ERRORS):
            # An operation this transport does not run (a query over legacy graphql-ws),
            # or none to run: what HTTP answers 400 BAD_REQUEST.
            error.extensions = {"code": "BAD_REQUEST"}
            error.original_error = None
        else:
            correlation_id = uuid.uuid4().hex[:16]
            operation = context.operation_name if context else None
            log.error(
                "internal error %s in operation %s at %s",
                correlation_id,
                operation,
                error.path,
                exc_info=original,
            )
            error.message = f"Internal error (correlation id {correlation_id})."
            error.extensions = {"code": "INTERNAL", "correlationId": correlation_id}
            error.original_error = None
