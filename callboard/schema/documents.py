"""What becomes of a document before it runs: refused when too long or when it does not say
which of its operations to run, else parsed and validated once and kept, within a budget of
bytes, for the next request that sends the same text. The texts registered by their hash
(automatic persisted queries: schema/persisted_documents.py) are kept within the same budget.

The cache is keyed by the document's text, like strawberry's ParserCache and
ValidationCache, but bounded by what its entries hold rather than by their number: a
parsed document keeps its text and every token (comments too) linked from its AST, so
512 entries could be 512 documents of any size.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

__all__ = ["CachedDocuments", "DocumentCache", "too_long"]

Rules = tuple[type[ASTValidationRule], ...]

# Memory per token of a parsed document, its AST nodes included (tracemalloc on
# Callboard's documents: 190 bytes for a comment, 500-750 for names and punctuation),
# its value aside (a copy of its text: with the source, a document holds its text
# twice), and per validation error (its message aside). The estimate errs high.
_TOKEN_BYTES = 800
_ERROR_BYTES = 1024
_ENTRY_BYTES = 4096


def too_long(query: str | None, limit: int) -> GraphQLError | None:
    """The error for a document of more than `limit` bytes (UTF-8), checked before it is
    read any further; None when it fits."""
    if query is None or len(query) <= limit // 4:
        return None
    size = len(query) if query.isascii() else len(query.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return GraphQLError(
        f"The document is {size:,} bytes; at most {limit:,} are accepted "
        "([graphql] max_document_bytes)."
    )


@dataclass(eq=False)
class _Registered:
    """A document's text registered under its SHA-256 hash (a persisted query)."""

    text: str

    @property
    def size(self) -> int:
        return _ENTRY_BYTES + sys.getsizeof(self.text)


# A registered text's key: a tuple, so that no document's text can stand for a hash.
_Hash = tuple[str, str]


@dataclass(eq=False)
class _Entry:
    document: DocumentNode
    text_bytes: int
    tokens: int
    operations: int
    # What validation found under each set of rules (in practice one set per schema).
    errors: dict[Rules, list[GraphQLError]] = field(default_factory=dict)
    # The compiled path's plans of it, by operation name (compiled/queries.py): kept and
    # dropped with the document, within the same budget.
    compiled: dict[str | None, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        found = (e for errors in self.errors.values() for e in errors)
        return (
            _ENTRY_BYTES
            + 2 * self.text_bytes
            + self.tokens * _TOKEN_BYTES
            + sum(_ERROR_BYTES + len(e.message) for e in found)
        )


class DocumentCache:
    """Parsed documents and their validation results, least recently used dropped first
    once their estimated size passes `max_bytes`. A document estimated over an eighth of
    that is not kept: near the token limit, a few kept documents' many small objects
    pinned far more memory than their own (Python's allocator cannot give back a block
    a kept object sits in): 8 of 4,900 tokens held 16 MB but kept the server's RSS
    330 MB up, where not keeping them left it 84 MB up."""

    def __init__(self, max_bytes: int) -> None:
        self._entries: LRUCache[str | _Hash, _Entry | _Registered] = LRUCache(
            max_bytes, getsizeof=_size_of
        )
        # Look-ups that found a document, that did not, and validations kept.
        self.hits = self.misses = self.validations = 0

    @property
    def bytes(self) -> int:
        """The estimated size of what is kept."""
        return int(self._entries.currsize)

    @property
    def max_bytes(self) -> int:
        return int(self._entries.maxsize)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, text: str) -> _Entry | None:
        entry = self._entry(text)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def valid(self, text: str) -> _Entry | None:
        """The entry of `text` when it is kept and was validated without errors (what
        the compiled path may run); None otherwise."""
        entry = self._entry(text)
        if entry is None or not entry.errors or any(entry.errors.values()):
            return None
        return entry

    def register(self, sha256: str, text: str) -> None:
        """Keep `text` as the document of the hash `sha256` (checked by the caller)."""
        self._keep(("sha256", sha256), _Registered(text))

    def registered(self, sha256: str) -> str | None:
        """The text registered under `sha256`, while it is kept."""
        found = self._entries.get(("sha256", sha256))
        return found.text if isinstance(found, _Registered) else None

    def _entry(self, text: str) -> _Entry | None:
        found = self._entries.get(text)
        return found if isinstance(found, _Entry) else None

    def add(self, text: str, document: DocumentNode) -> _Entry:
        entry = _Entry(document, sys.getsizeof(text), _tokens(document), _operations(document))
        self._keep(text, entry)
        return entry

    def validated(self, text: str, entry: _Entry, rules: Rules, errors: list[GraphQLError]) -> None:
        for error in errors:
            # The abort error's traceback holds validation's frames (~1 MB for 100 errors).
            error.__traceback__ = None
        entry.errors[rules] = errors
        self.validations += 1
        self._keep(text, entry)  # again: its size has grown

    def _keep(self, key: str | _Hash, entry: _Entry | _Registered) -> None:
        if entry.size <= self._entries.maxsize // 8:
            self._entries[key] = entry
        else:
            self._entries.pop(key, None)


def _size_of(entry: _Entry | _Registered) -> int:
    return entry.size


def _tokens(document: DocumentNode) -> int:
    """The tokens the document keeps: every one, comments included, is linked from its
    first to its last."""
    count = 0
    token = document.loc.start_token if document.loc else None
    while token is not None:
        count += 1
        token = token.next
    return count


class CachedDocuments(SchemaExtension):
    """Parse and validate through `cache`, and refuse a document of several operations
    when the request names none (the spec's GetOperation; strawberry would run the
    first). Strawberry parses a document it does not find, so that a syntax error is
    reported as one on every transport; this extension validates it, with suggestions
    ("Did you mean ...?") hidden if asked."""

    def __init__(self, cache: DocumentCache, *, hide_suggestions: bool = False) -> None:
        self.cache = cache
        self.hide_suggestions = hide_suggestions
        self._entry: _Entry | None = None
        self._named = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        # Before a document is there, strawberry's operation_name is the request's.
        self._named = context.operation_name is not None
        query = context.query
        entry = self.cache.get(query) if query else None
        if entry is not None:
            context.graphql_document = entry.document
        yield
        if entry is None and query and context.graphql_document is not None:
            entry = self.cache.add(query, context.graphql_document)
        self._entry = entry

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        entry = self._entry
        if context.pre_execution_errors is None and document is not None:
            operations = entry.operations if entry else _operations(document)
            if operations > 1 and not self._named:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"The document has {operations} operations: name the one to run "
                        "in `operationName`."
                    )
                ]
            else:
                context.pre_execution_errors = self._validate(context.query, document, entry)
        yield

    def _validate(
        self, query: str | None, document: DocumentNode, entry: _Entry | None
    ) -> list[GraphQLError]:
        context = self.execution_context
        rules = context.validation_rules
        errors = entry.errors.get(rules) if entry else None
        if errors is None:
            errors = validate(
                context.schema._schema,
                document,
                # strawberry's own rules, as its validate_document adds them
                (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
                hide_suggestions=self.hide_suggestions,
            )
            if entry is not None and query:
                self.cache.validated(query, entry, rules, errors)
        return list(errors)


def _operations(document: DocumentNode) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
