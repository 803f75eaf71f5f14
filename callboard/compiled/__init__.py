"""STAND-IN for the compiled execution path of issue 19, so that its differential test
(tests/test_compiled_differential.py) can be written before it exists: it covers no
document. The real module replaces this one whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callboard.schema import CallboardSchema
from callboard.schema.context import Context

__all__ = ["CompiledQueries"]


class CompiledQueries:
    """Answers no document: every request takes the general path."""

    # Tells the differential test that coverage cannot be asked of this one yet.
    STAND_IN = True

    def __init__(self, schema: CallboardSchema) -> None:
        self.schema = schema

    async def run(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        context: Context,
    ) -> dict[str, Any] | None:
        """The response body when the compiled path ran the document; None when it does
        not cover it (the caller then runs the general path)."""
        return None
