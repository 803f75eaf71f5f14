"""The schema: call log, vendor id aliases, events, feeds, contacts, idempotency keys, webhook
inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on databases (SQLite) that keep only naive ones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


metadata = MetaData()

# Marks the columns that keep what vendors sent: Callboard's secrets are masked in them
# (domain/redaction.py), also in rows kept before (store/redact_rows.py).
VENDOR_PAYLOAD = {"vendor_payload": True}

calls = Table(
    "calls",
    metadata,
    # seq orders the log (newest highest) and pages `calls`; id is the public one.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("provider_id", String(64), nullable=False),
    Column("provider_call_id", String(255)),
    Column("control_id", String(255)),
    Column("direction", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("from_number", String(64)),
    Column("to_number", String(255)),
    Column("agent", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("answered_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("duration_seconds", Integer),
    Column("recording_url", Text),
    Column("raw", JSON, nullable=False, info=VENDOR_PAYLOAD),
    # Added with `calls(updatedAfter:)`: nullable, as columns added to a database made
    # before must be; every write sets updated_at, and the upgrade fills it in rows kept
    # before (store/engine.py), so it is never null once the store is open.
    Column("updated_at", UTCDateTime),
    Column("recording_duration_seconds", Integer),
    Column("cost", Float),
    Column("currency", String(8)),
    Index("ix_calls_provider_seq", "provider_id", "seq"),
    Index("ix_calls_from", "from_number"),
    Index("ix_calls_to", "to_number"),
    # The order of changes (`updatedAfter`): walked from a client's last position, for
    # one provider or for all of them.
    Index("ix_calls_provider_updated", "provider_id", "updated_at", "seq"),
    Index("ix_calls_updated", "updated_at", "seq"),
    # `startedAfter` / `startedBefore`: a range of one provider's calls.
    Index("ix_calls_provider_started", "provider_id", "started_at"),
    # The calls still to watch (robocalls a vendor reports on no webhook, polled).
    Index("ix_calls_provider_status", "provider_id", "status", "seq"),
    sqlite_autoincrement=True,
)

# Every vendor id that names a call (LiraX: id_makecall, Call_id/callid) -> the call.
call_refs = Table(
    "call_refs",
    metadata,
    Column("provider_id", String(64), primary_key=True),
    Column("ref", String(255), primary_key=True),
    Column("call_id", String(36), ForeignKey("calls.id"), nullable=False, index=True),
)

call_events = Table(
    "call_events",
    metadata,
    # AUTOINCREMENT: ids are never reused, so a cursor never points at another event.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(36), ForeignKey("calls.id"), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16)),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("raw", JSON, nullable=False, info=VENDOR_PAYLOAD),
    # Every column but `raw`: a call's events as lists show them (kind, status, time)
    # are read from the index alone. 400 events' kinds in 190 µs against 420 on SQLite,
    # where reading each row for its few columns was most of a call list's time.
    Index(
        "ix_call_events_call_columns",
        "call_id",
        "id",
        "kind",
        "status",
        "occurred_at",
        "provider_id",
    ),
    sqlite_autoincrement=True,
)

# The changes of agent statuses and messages (domain/feeds.py), the item as it was after
# each: what a resuming agentStatusChanged / smsEvents subscriber missed.
feed_events = Table(
    "feed_events",
    metadata,
    # AUTOINCREMENT: ids are never reused, so a cursor never points at another change.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(16), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("body", JSON, nullable=False),
    Index("ix_feed_events_feed", "feed", "id"),
    sqlite_autoincrement=True,
)

# One contact per phone and owner: the provider it was saved through, or the client that
# saved it without one ('' in the other column); both '' for a contact kept from before
# contacts had owners (store/contact_owners.py).
contacts = Table(
    "contacts",
    metadata,
    Column("phone", String(32), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("client", String(128), nullable=False),
    Column("name", String(255), nullable=False),
    Column("responsible", String(64)),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("additional_phones", JSON, nullable=False, default=list),
    Column("emails", JSON, nullable=False, default=list),
    # Named: the upgrade builds this table beside the old one, whose key has the
    # default name on PostgreSQL.
    PrimaryKeyConstraint("phone", "provider_id", "client", name="pk_contacts_owner"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # pending | done | unknown
    Column("result", JSON),  # {"call_ids": [...], ...}: what the first request answered
    Column("created_at", UTCDateTime, nullable=False),
)

# Each agent's status as its PBX last reported it (LiraX staton).
agent_statuses = Table(
    "agent_statuses",
    metadata,
    Column("provider_id", String(64), primary_key=True),
    Column("agent", String(64), primary_key=True),
    Column("status_id", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

sms = Table(
    "sms",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("provider_id", String(64), nullable=False),
    Column("vendor_id", String(64)),
    Column("direction", String(16), nullable=False),
    Column("modem", String(32), nullable=False),
    Column("agent", String(64)),
    Column("phone", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Not unique: nothing promises a vendor never reuses an id, and a message already
    # sent must be kept whatever its id; a look-up takes the newest.
    Index("ix_sms_vendor_id", "provider_id", "direction", "vendor_id"),
)

# Audio records created through Callboard (Zvonobot has no endpoint that lists them).
audio_records = Table(
    "audio_records",
    metadata,
    Column("provider_id", String(64), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("name", String(255)),
    Column("moderation_status", String(16)),
    Column("moderator_comment", Text),
    Column("text", Text),
    Column("url", Text),
    Column("cost", Float),
    Column("created_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),
    Column("raw", JSON, nullable=False, info=VENDOR_PAYLOAD),
    Column("stored_at", UTCDateTime, nullable=False),
)

# Orders created through Callboard (Liner documents no endpoint listing them).
orders = Table(
    "orders",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("provider_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("title", String(255), nullable=False),
    Column("service_title", String(255)),
    Column("status", String(32), nullable=False),
    Column("code", String(255)),
    Column("created_at", UTCDateTime),
    Column("raw", JSON, nullable=False, info=VENDOR_PAYLOAD),
    UniqueConstraint("provider_id", "order_id", name="uq_order"),
    sqlite_autoincrement=True,
)

# Numbers added through Callboard (Twin24 documents no endpoint listing them).
numbers = Table(
    "numbers",
    metadata,
    Column("provider_id", String(64), primary_key=True),
    Column("number", String(64), primary_key=True),
    Column("name", String(255)),
    Column("number_id", String(64)),
    Column("raw", JSON, nullable=False, info=VENDOR_PAYLOAD),
    Column("stored_at", UTCDateTime, nullable=False),
)

# The webhook inbox: every delivery Callboard answered 2xx, written before the answer;
# `processed_at` is set in the transaction that turns it into events, so a delivery
# stored but not yet processed (a crash in between) is processed on the next start.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider_id", String(64), nullable=False),
    Column("dedup_key", String(128), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # the fields as parsed, without the vendor's secret
    Column("payload", JSON, nullable=False, info=VENDOR_PAYLOAD),
    # what becomes events and state (domain/outcome_codec.py); null on rows kept before
    # the inbox existed, which were processed when they came
    Column("outcome", JSON, info=VENDOR_PAYLOAD),
    Column("processed_at", UTCDateTime, index=True),
    Column("event_count", Integer),
    UniqueConstraint("provider_id", "dedup_key", name="uq_webhook_delivery"),
)

# Facts about the store itself, e.g. the newest event id retention has removed.
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Outgoing webhooks (callboard/outbound/): a client's endpoint, its subscription document
# and what it selects (`filter`, domain/webhook_endpoints.EndpointFilter).
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("client", String(128), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("subscription", Text, nullable=False),
    Column("variables", JSON),
    Column("description", Text),
    Column("filter", JSON, nullable=False),
    # NULL while enabled; why not otherwise (a client's update, or deliveries failing for
    # the whole retry window)
    Column("disabled_reason", Text),
    Column("secret", String(128), nullable=False),
    Column("previous_secret", String(128)),
    Column("previous_secret_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # true: several deliveries at once, order not kept; NULL (made before it) is false
    Column("parallel", Boolean),
    sqlite_autoincrement=True,
)

# The outbox: one row per (endpoint, event), written in the transaction that stores the
# event; sent in id order per endpoint, one at a time (a parallel endpoint's several at
# once, order not kept). `claimed_by` / `claimed_until`: the instance sending it, and
# until when its claim holds (then another takes it over).
outbound_deliveries = Table(
    "outbound_deliveries",
    metadata,
    # AUTOINCREMENT: an id is the `webhook-id` receivers dedup by, never reused.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint_id", String(36), nullable=False),
    Column("stream", String(16), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("failing_since", UTCDateTime),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("history", JSON),  # the last attempts (domain Attempt), newest last
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_outbound_deliveries_endpoint", "endpoint_id", "status", "id"),
    sqlite_autoincrement=True,
)
