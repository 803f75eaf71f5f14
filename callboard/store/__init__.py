"""Persistence: one `Store` opens the database and hands out the call log, contacts and keys."""

from callboard.store.calls import CallLog, Publish
from callboard.store.contacts import ContactBook
from callboard.store.engine import Store, database_url
from callboard.store.idempotency import Claim, IdempotencyKeys

__all__ = [
    "CallLog",
    "Claim",
    "ContactBook",
    "IdempotencyKeys",
    "Publish",
    "Store",
    "database_url",
]
