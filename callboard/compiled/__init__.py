"""The compiled path: query documents seen before, run from a plan built for them, with
the general path (strawberry on graphql-core) answering whatever the plan does not cover."""

from callboard.compiled.queries import CompiledQueries

__all__ = ["CompiledQueries"]
