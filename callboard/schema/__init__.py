"""The GraphQL schema: types, inputs, payloads and the three roots, with their limits."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from graphql import ASTValidationRule, GraphQLError, ValidationContext
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as Executor
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from callboard.observability.metrics import count_errors
from callboard.schema.documents import CachedDocuments, DocumentCache, too_long
from callboard.schema.errors import map_errors
from callboard.schema.mutation import Mutation
from callboard.schema.persisted_documents import (
    PERSISTED_QUERY_REQUIRED,
    REQUIRED_MESSAGE,
    PersistedDocuments,
    read_manifest,
)
from callboard.schema.query import Query
from callboard.schema.subscription import Subscription
from callboard.settings import GraphQLSettings

__all__ = ["CallboardSchema", "build_schema"]


class CallboardSchema(Schema):
    """Strawberry's schema, refusing a document longer than `max_document_bytes`, or one
    the trusted documents do not list, before anything reads it, on every transport (HTTP,
    both WebSocket protocols)."""

    def __init__(
        self,
        *,
        max_document_bytes: int,
        documents: DocumentCache,
        persisted: PersistedDocuments,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.max_document_bytes = max_document_bytes
        self.documents = documents
        self.persisted = persisted

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        map_errors(errors, execution_context)
        count_errors(_code_of(error) for error in errors)

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:
        if refused := self._refused(query):
            return refused
        return await super().execute(query, *args, **kwargs)

    async def stream(self, query: str | None, *args: Any, **kwargs: Any) -> StreamResult:
        # (subscribe, and so the legacy graphql-ws protocol, comes through here too)
        if refused := self._refused(query):
            return _once(refused)
        return await super().stream(query, *args, **kwargs)

    def _refused(self, query: str | None) -> PreExecutionError | None:
        error = too_long(query, self.max_document_bytes)
        if error is None and not self.persisted.allows(query):
            error = GraphQLError(REQUIRED_MESSAGE, extensions={"code": PERSISTED_QUERY_REQUIRED})
        if error is None:
            return None
        self.process_errors([error])
        return PreExecutionError(data=None, errors=[error])


def _code_of(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else "NONE"


async def _once(result: PreExecutionError) -> AsyncGenerator[PreExecutionError, None]:
    yield result


def _quiet(executor: type[Executor]) -> type[Executor]:
    """`executor` whose variables' errors suggest no names ("Did you mean ...?")."""

    class QuietExecutor(executor):  # type: ignore[valid-type,misc]
        @classmethod
        def build(cls, *args: Any, **kwargs: Any) -> Any:
            return super().build(*args, **{**kwargs, "hide_suggestions": True})

    return QuietExecutor


def _known_fragments_first(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """strawberry's depth rule looks each spread fragment up unguarded: a spread of a
    fragment the document does not define was an INTERNAL error (KeyError) instead of
    graphql-core's "Unknown fragment" from the rule that checks for it. Such a document
    is invalid whatever its depth, so its depth is left unmeasured."""

    class DepthOfKnownFragments(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            try:
                super().__init__(context)
            except KeyError:
                ASTValidationRule.__init__(self, context)

    return DepthOfKnownFragments


def build_schema(
    limits: GraphQLSettings | None = None,
    *,
    executor: type[Executor] = Executor,
    extensions: Sequence[Callable[[], SchemaExtension]] = (),
) -> CallboardSchema:
    """The schema within `limits`, executing with `executor` (app.py gives the one that
    shares live events' results: live/shared_results.py), with `extensions` added
    (app.py's tracing, when configured)."""
    limits = limits or GraphQLSettings()
    # The depth and alias limits are validation rules, and the document cache keys its
    # validation results on the rule classes too: strawberry's limiters make a new class
    # per instance, so one instance per request would miss the cache every time
    # (measured: 17,000 -> 1,300 trivial queries/s). The rule classes are made once here
    # and reused.
    limit_rules = [
        *map(
            _known_fragments_first, QueryDepthLimiter(max_depth=limits.max_depth).validation_rules
        ),
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    # Parsing and validating the same document again is most of the cost of a small
    # query; the cache keeps the results (strawberry: ~5x on a trivial query).
    documents = DocumentCache(limits.document_cache_bytes)
    manifest = read_manifest(limits.trusted_documents) if limits.trusted_documents else None
    hide_suggestions = not limits.introspection
    return CallboardSchema(
        max_document_bytes=limits.max_document_bytes,
        documents=documents,
        persisted=PersistedDocuments(documents, manifest),
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=_quiet(executor) if hide_suggestions else executor,
        # (factories: a fresh extension per request; the cache itself is shared)
        extensions=[
            lambda: AddValidationRules(limit_rules),
            *([DisableIntrospection] if not limits.introspection else []),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: CachedDocuments(documents, hide_suggestions=hide_suggestions),
            *extensions,
        ],
    )
