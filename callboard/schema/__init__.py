"""The GraphQL schema: types, inputs, payloads and the three roots, with their limits."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from callboard.schema.errors import map_errors
from callboard.schema.mutation import Mutation
from callboard.schema.query import Query
from callboard.schema.shared_results import SharingExecutor
from callboard.schema.subscription import Subscription
from callboard.settings import GraphQLSettings

__all__ = ["CallboardSchema", "build_schema"]


class CallboardSchema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        map_errors(errors, execution_context)


def build_schema(limits: GraphQLSettings | None = None) -> CallboardSchema:
    limits = limits or GraphQLSettings()
    # The depth and alias limits are validation rules, and ValidationCache keys its cache
    # on the rule classes too: strawberry's limiters make a new class per instance, so
    # one instance per request would miss the cache every time (measured: 17,000 -> 1,300
    # trivial queries/s). The rule classes are made once here and reused.
    limit_rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    return CallboardSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # A live event is executed once for all subscribers sending the same document.
        execution_context_class=SharingExecutor,
        extensions=[
            # Parsing and validating the same document again is most of the cost of a
            # small query; these keep the results (strawberry: ~5x on a trivial query).
            # (factories: a fresh extension per request; the caches themselves are shared)
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: AddValidationRules(limit_rules),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        ],
    )
