"""Callboard's own secrets taken out of vendors' payloads before they are kept or shown.

Vendors echo what Callboard sent them: Zvonobot returns each call's `webhookUrl`, whose
`key` lets anyone forge that provider's webhooks; a body may carry a token field. Every
payload a client can read (`Call.raw`, `CallEvent.raw`, ...) and every row the store
keeps goes through a `Redactor` first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "Redactor", "is_credential_name"]


class _WithPayload(Protocol):
    """A domain record carrying a vendor payload (CallSignal, Order, PhoneNumber, ...)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def raw(self) -> Mapping[str, Any]: ...


R = TypeVar("R", bound=_WithPayload)

MASK = "***"

# Shorter values cannot be told from ordinary text: masking them would mangle payloads.
_MIN_SECRET = 4

# Field names whose values are credentials, compared without case, `_` or `-`.
_CREDENTIAL_SUFFIXES = ("token", "password", "passwd", "secret", "apikey", "apihash")
_CREDENTIAL_NAMES = frozenset({"authorization", "cookie", "privatekey"})
# In a URL's query also `key`: Callboard's own webhook URLs carry their secret as `?key=`.
_QUERY_CREDENTIALS = re.compile(
    r"([?&](?:key|sig|signature|[\w.-]*(?:token|password|passwd|secret|api_?key|api_?hash))=)"
    r"[^&#]*",
    re.IGNORECASE,
)

# Bumped when the rules above change, so that stored rows are redacted again.
_RULES_VERSION = "1"


def is_credential_name(name: str) -> bool:
    """Whether a field called `name` holds a credential (`api_key`, `from_LiraX_token`)."""
    folded = name.lower().replace("_", "").replace("-", "")
    return folded in _CREDENTIAL_NAMES or folded.endswith(_CREDENTIAL_SUFFIXES)


class Redactor:
    """Masks, in a JSON-like value: every known secret wherever it appears (plain or
    URL-encoded), the values of credential fields, and credential parameters in URLs."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        known = sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)
        forms = dict.fromkeys(f for s in known for f in (s, quote(s, safe=""), quote_plus(s)))
        # Longest first: a secret that contains another is masked whole.
        self._secrets = (
            re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
            if forms
            else None
        )
        digest = hashlib.sha256(_RULES_VERSION.encode())
        for secret in known:
            digest.update(b"\0" + secret.encode())
        self._fingerprint = digest.hexdigest()[:16]

    def __repr__(self) -> str:
        return f"<Redactor {self._fingerprint}>"

    @property
    def fingerprint(self) -> str:
        """Names these rules and secrets (not reversibly): rows redacted under another
        fingerprint are redacted again."""
        return self._fingerprint

    def __call__(self, value: Any) -> Any:
        """`value` with the secrets masked; the same object when nothing was."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            changed = False
            out: dict[Any, Any] = {}
            for key, item in value.items():
                if isinstance(key, str) and is_credential_name(key) and _filled(item):
                    new = item if item == MASK else MASK
                else:
                    new = self(item)
                changed = changed or new is not item
                out[key] = new
            return out if changed or not isinstance(value, dict) else value
        if isinstance(value, list | tuple):
            items = [self(item) for item in value]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            return type(value)(items)
        return value

    def payload_of(self, record: R) -> R:
        """`record` with its `raw` payload masked; the same record when nothing was."""
        raw = self(record.raw)
        return record if raw is record.raw else dataclasses.replace(record, raw=raw)

    def text(self, text: str) -> str:
        masked = self._secrets.sub(MASK, text) if self._secrets is not None else text
        if "=" in masked and "?" in masked:
            masked = _QUERY_CREDENTIALS.sub(rf"\g<1>{MASK}", masked)
        return text if masked == text else masked


def _filled(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""
