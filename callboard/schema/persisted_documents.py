"""Persisted documents: which text a request runs when it sends a hash instead of a document.

Two modes, as GraphQL Yoga and Apollo Router offer them:

- Automatic persisted queries (Apollo's APQ, the default): a client sends
  `extensions.persistedQuery.sha256Hash` alone; a hash not kept is answered
  `PersistedQueryNotFound` (`PERSISTED_QUERY_NOT_FOUND`, HTTP 200, as Apollo Client's
  persisted-queries link expects), and the client sends the document with its hash, which
  registers it. The texts are kept in the schema's DocumentCache, within its budget:
  one instance's memory only, which is enough, since a client simply registers again.
- Trusted documents (`[graphql] trusted_documents`, the manifest GraphQL Codegen's client
  preset writes: `{"<hash>": "<document>"}`): only the manifest's documents run, sent
  whole or by their hash (`documentId`, or APQ's extension); any other document is
  `PERSISTED_QUERY_REQUIRED`, and nothing is registered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from callboard.schema.documents import DocumentCache
from callboard.settings import ConfigError

__all__ = [
    "PERSISTED_QUERY_HASH_MISMATCH",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_REQUIRED",
    "REQUIRED_MESSAGE",
    "PersistedDocuments",
    "PersistedRefusal",
    "read_manifest",
    "sha256_of",
]

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"
# Apollo Router's code for a document sent with the hash of another
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"

# What the GraphQL over HTTP proposal prefixes a `documentId` with, if anything.
_PREFIX = "sha256:"

REQUIRED_MESSAGE = (
    "Only trusted documents run on this server ([graphql] trusted_documents): send a "
    "document of its manifest, or its hash as `documentId`."
)


class PersistedRefusal(Exception):
    """A request whose document cannot run as sent; `status` is its HTTP status."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def sha256_of(text: str) -> str:
    """The hash APQ names a document by: SHA-256 of its UTF-8 text, in lower-case hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def read_manifest(path: str) -> dict[str, str]:
    """The documents of a trusted-documents manifest by their ids; `ConfigError` when the
    file cannot be read or is not `{"<hash>": "<document>", ...}`."""
    where = f"[graphql] trusted_documents: {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: no such file; point it at the persisted-documents.json your "
            "client's build writes (GraphQL Codegen's client preset)."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({exc.strerror}).") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: not valid JSON: {exc}.") from None
    if not isinstance(data, dict) or not all(
        isinstance(text, str) and text.strip() for text in data.values()
    ):
        raise ConfigError(f'{where}: must be a JSON object {{"<hash>": "<document>", ...}}.')
    return data


class PersistedDocuments:
    """The document each request runs: its own, or the one its hash names."""

    def __init__(self, cache: DocumentCache, manifest: Mapping[str, str] | None = None) -> None:
        self._cache = cache
        self._trusted: dict[str, str] | None = None
        self._trusted_texts: frozenset[str] = frozenset()
        if manifest is not None:
            # A manifest's ids are the hash its build chose (the client preset's default is
            # SHA-1); each document is found by its SHA-256 too, which Apollo Client sends.
            self._trusted = {sha256_of(text): text for text in manifest.values()}
            self._trusted.update(manifest)
            self._trusted_texts = frozenset(manifest.values())

    @property
    def trusted_only(self) -> bool:
        """Whether only the manifest's documents run."""
        return self._trusted is not None

    def allows(self, text: str | None) -> bool:
        """Whether `text` may run (every transport asks, WebSocket included)."""
        return self._trusted is None or text is None or text in self._trusted_texts

    def document(
        self, query: str | None, extensions: Mapping[str, Any] | None, document_id: str | None
    ) -> str | None:
        """The text the request runs; None when it sends none (the caller says so)."""
        sha256 = _apq_hash(extensions)
        if query is None:
            key = document_id if document_id is not None else sha256
            if key is None:
                return None
            found = self._find(key)
            if found is None:
                raise PersistedRefusal("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND, 200)
            return found
        if document_id is not None:
            raise PersistedRefusal("Send either `query` or `documentId`, not both.", "BAD_REQUEST")
        if sha256 is not None and sha256_of(query) != sha256.lower():
            raise PersistedRefusal(
                "provided sha does not match query", PERSISTED_QUERY_HASH_MISMATCH
            )
        if not self.allows(query):
            raise PersistedRefusal(REQUIRED_MESSAGE, PERSISTED_QUERY_REQUIRED)
        if sha256 is not None and self._trusted is None:
            self._cache.register(sha256.lower(), query)
        return query

    def _find(self, key: str) -> str | None:
        if self._trusted is not None:
            found = self._trusted.get(key)
            if found is None and key.startswith(_PREFIX):
                found = self._trusted.get(key.removeprefix(_PREFIX))
            return found
        return self._cache.registered(key.removeprefix(_PREFIX).lower())


def _apq_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """`extensions.persistedQuery.sha256Hash`, checked as Apollo Server checks it."""
    persisted = extensions.get("persistedQuery") if extensions else None
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise PersistedRefusal("`extensions.persistedQuery` must be a JSON object.", "BAD_REQUEST")
    if persisted.get("version") != 1:
        raise PersistedRefusal(
            "Unsupported persisted query version: send `version: 1`.", "BAD_REQUEST"
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not sha256:
        raise PersistedRefusal(
            "`extensions.persistedQuery.sha256Hash` must be the document's SHA-256, in hex.",
            "BAD_REQUEST",
        )
    return sha256
