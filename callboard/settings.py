"""The TOML configuration (API.md), with `${ENV}` secrets and one clear message per mistake.

A mistake stops start-up with a `ConfigError` whose text names the file, the key and
the fix; the command line prints it without a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from callboard.providers.options import OptionError, ProviderOptions, parse_options
from callboard.providers.registry import UnknownKind, known_kinds, provider_class

__all__ = [
    "ClientSettings",
    "ConfigError",
    "GraphQLSettings",
    "InboxSettings",
    "MetricsSettings",
    "OutboundSettings",
    "ProviderSettings",
    "RequestRate",
    "ServerSettings",
    "Settings",
    "TelemetrySettings",
    "load_settings",
    "parse_settings",
]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# `[[clients]] rate`: "100/s", "6000/min" (the units' longer names too)
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|min|minute)\s*$")
_SECTIONS = {
    "server",
    "storage",
    "events",
    "inbox",
    "outbound",
    "graphql",
    "clients",
    "providers",
    "metrics",
    "telemetry",
}


class ConfigError(Exception):
    """A configuration mistake, said so that an operator can fix it without the source."""


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # defaults to http://host:port
    default_region: str = "RU"
    cors_origins: tuple[str, ...] = ()
    # Proxies (addresses or networks) whose X-Forwarded-For is believed; none by default,
    # so a webhook's source address is the connecting peer's.
    trusted_proxies: tuple[str, ...] = ()
    # permessage-deflate on subscriptions' WebSockets: it compresses every message once
    # per connection, which with many subscribers costs more CPU than the events do.
    websocket_compression: bool = False
    # Seconds a WebSocket may stay open before its `connection_init` (both protocols).
    websocket_init_timeout: float = 10
    # One line per request on stdout (uvicorn's access log). false where a proxy in front
    # logs them already: a line costs about a sixth of a small query's time.
    access_log: bool = True

    @property
    def is_loopback(self) -> bool:
        return _is_loopback(self.host)


@dataclass(frozen=True)
class StorageSettings:
    url: str = "sqlite:///callboard.db"
    # PostgreSQL connections each instance keeps open. Under a burst it opens as many
    # again, closed as they come back: fewer kept than concurrent requests means a new
    # connection (a server process, TLS, authentication) for many of them (issue 19:
    # the call list at 16 connections gave half its requests/s with SQLAlchemy's 5).
    pool_size: int = 20


@dataclass(frozen=True)
class EventsSettings:
    url: str = "memory://"
    # The Redis stream events go through (with a redis:// url): instances sharing it
    # see each other's events.
    stream: str = "callboard:events"
    # Stored events older than this are removed; a cursor from before then is refused
    # with a clear error (the client re-queries, then subscribes again).
    retention_days: float = 7
    # Events a subscriber may have waiting; one further behind is closed (it may resume).
    subscriber_buffer: int = 1000


@dataclass(frozen=True)
class InboxSettings:
    # false: this instance keeps deliveries and answers vendors, and leaves turning them
    # into events to an instance with true (or to itself after a restart with true)
    process: bool = True
    # Processed deliveries are kept this long to recognize resends (Twin24 resends for
    # 24 hours), then removed.
    retention_days: float = 7
    # How often kept but unprocessed deliveries are looked for.
    recover_seconds: float = 5


@dataclass(frozen=True)
class OutboundSettings:
    """Subscriptions delivered as signed webhooks (callboard/outbound/)."""

    # Seconds each retry waits after a failed attempt (jittered), the last repeated until
    # the window closes: about 5 s, 30 s, 2 min, 10 min, 30 min, then hourly.
    retry_schedule: tuple[float, ...] = (5, 30, 120, 600, 1800, 3600)
    # How long one attempt may take, connecting and answering.
    timeout_seconds: float = 10
    # A delivery failing this long is given up, and its endpoint disabled with the reason.
    window_hours: float = 24
    # true lets endpoints be on loopback, private, link-local addresses (tests, the demo);
    # refused by default, so a client cannot make Callboard post into its own network.
    allow_private_networks: bool = False
    # A claimed delivery is this instance's for so long; a killed instance's claims are
    # taken over after it. Longer than an attempt may take.
    lease_seconds: float = 60
    # How often the deliveries other instances wrote are looked for (this instance's own
    # are sent at once).
    poll_seconds: float = 1
    # After rotateWebhookSecret, the old secret signs too for so long.
    rotation_overlap_hours: float = 24
    # An endpoint made with `parallel: true` gets up to so many deliveries at once.
    parallel_deliveries: int = 8


@dataclass(frozen=True)
class GraphQLSettings:
    """Limits that keep one request or document from costing the server too much."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    # Comments and whitespace count: they are read, and kept with a parsed document.
    max_document_bytes: int = 100 * 1024
    # A JSON body (the document and its variables), and a multipart upload: a 20 MB
    # audio file for createAudioRecord (schema/account.py) and its operations.
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 21 * 1024 * 1024
    # Parsed and validated documents kept for their next use, by estimated size.
    document_cache_bytes: int = 8 * 1024 * 1024
    graphiql: bool = True
    # false: no __schema / __type, and no "Did you mean ...?" in errors (production)
    introspection: bool = True
    # Queries seen before run from a plan built for them (callboard/compiled/); false:
    # every request through strawberry and graphql-core (the general path).
    compiled: bool = True
    # A manifest of the only documents that run ({"<hash>": "<document>"}, as GraphQL
    # Codegen's client preset writes it); None: any document, and APQ registers them.
    trusted_documents: str | None = None
    # Seconds a browser may reuse a GET query's answer (Cache-Control: private); 0: never.
    cache_max_age: int = 5


@dataclass(frozen=True)
class RequestRate:
    """`[[clients]] rate` and `burst`: requests per period on average, `burst` at once."""

    requests: int
    per_seconds: int  # 1 (`/s`) or 60 (`/min`)
    burst: int

    def __str__(self) -> str:
        return f"{self.requests}/{'s' if self.per_seconds == 1 else 'min'}"


@dataclass(frozen=True)
class MetricsSettings:
    """GET /metrics (Prometheus' text format)."""

    enabled: bool = True
    # When set, a scrape needs `Authorization: Bearer <key>`; else anyone who reaches the
    # port may read the page (keep it off the public port then).
    key: str = field(default="", repr=False)


@dataclass(frozen=True)
class TelemetrySettings:
    """Traces over OTLP/HTTP; none made or exported without an endpoint."""

    otlp_endpoint: str = ""  # e.g. http://collector:4318 (spans go to .../v1/traces)
    service_name: str = "callboard"


@dataclass(frozen=True)
class ClientSettings:
    name: str
    key: str = field(repr=False)
    providers: tuple[str, ...] = ("*",)
    # None: no limit on the client's requests to /graphql (rate_limits.py)
    rate: RequestRate | None = None
    # Operations (subscriptions) the client may have open at once over WebSocket, on
    # each instance: enough for every tab of a busy frontend sharing one key.
    max_subscriptions: int = 10_000


@dataclass(frozen=True)
class ProviderSettings:
    id: str
    kind: str
    options: ProviderOptions


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    events: EventsSettings = field(default_factory=EventsSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    graphql: GraphQLSettings = field(default_factory=GraphQLSettings)
    clients: tuple[ClientSettings, ...] = ()
    providers: tuple[ProviderSettings, ...] = ()
    source: str = "<defaults>"
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)

    @property
    def open_access(self) -> bool:
        """No `[[clients]]`: anyone who reaches the server may use it (loopback only)."""
        return not self.clients


def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; pass --config with the path of your TOML file "
            "or set CALLBOARD_CONFIG."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    return parse_settings(
        data, source=str(path), environ=os.environ if environ is None else environ
    )


def parse_settings(
    data: Mapping[str, Any], *, source: str = "<config>", environ: Mapping[str, str] | None = None
) -> Settings:
    reader = _Reader(source, os.environ if environ is None else environ)
    return reader.settings(data)


class _Reader:
    def __init__(self, source: str, environ: Mapping[str, str]) -> None:
        self.source = source
        self.environ = environ

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {where}: {problem}")

    def expand(self, value: Any, where: str) -> Any:
        if isinstance(value, str):

            def lookup(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in self.environ:
                    raise self.fail(
                        where,
                        f"environment variable {name} is not set; export {name}=... "
                        "before starting, or write the value in the file.",
                    )
                return self.environ[name]

            return _ENV.sub(lookup, value)
        if isinstance(value, list):
            return [self.expand(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.expand(v, f"{where}.{k}") for k, v in value.items()}
        return value

    def table(self, data: Mapping[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", "must be a table")
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"[{name}] {key}", f"unknown key; [{name}] takes: {', '.join(sorted(allowed))}"
                )
        return self.expand(value, f"[{name}]")  # type: ignore[no-any-return]

    def settings(self, data: Mapping[str, Any]) -> Settings:
        for key in data:
            if key not in _SECTIONS:
                raise self.fail(key, f"unknown section; known: {', '.join(sorted(_SECTIONS))}")
        server = self.server(self.table(data, "server", set(ServerSettings.__dataclass_fields__)))
        storage = StorageSettings(
            **self.numbers(
                "storage",
                self.table(data, "storage", set(StorageSettings.__dataclass_fields__)),
                {"pool_size": int},
            )
        )
        self.check_storage(storage.url)
        events = EventsSettings(
            **self.numbers(
                "events",
                self.table(data, "events", set(EventsSettings.__dataclass_fields__)),
                {"retention_days": float, "subscriber_buffer": int},
            )
        )
        if events.url != "memory://" and urlsplit(events.url).scheme not in ("redis", "rediss"):
            raise self.fail(
                "[events] url",
                f"'{_without_password(events.url)}' is not supported; use \"memory://\" (one "
                'instance) or "redis://host:6379/0" (several).',
            )
        inbox_raw = self.table(data, "inbox", set(InboxSettings.__dataclass_fields__))
        if "process" in inbox_raw and not isinstance(inbox_raw["process"], bool):
            raise self.fail("[inbox] process", "must be true or false")
        inbox = InboxSettings(
            **self.numbers("inbox", inbox_raw, {"retention_days": float, "recover_seconds": float})
        )
        outbound = self.outbound(
            self.table(data, "outbound", set(OutboundSettings.__dataclass_fields__))
        )
        graphql = self.graphql(
            self.table(data, "graphql", set(GraphQLSettings.__dataclass_fields__))
        )
        providers = self.providers(data.get("providers", []))
        clients = self.clients(data.get("clients", []), {p.id for p in providers})
        if not clients and not server.is_loopback:
            raise self.fail(
                "[[clients]]",
                f"none configured while [server] host is {server.host!r}: the API would be open "
                "to anyone; add a [[clients]] entry with a key, or listen on 127.0.0.1.",
            )
        return Settings(
            server,
            storage,
            events,
            inbox,
            outbound,
            graphql,
            clients,
            providers,
            self.source,
            metrics=self.metrics(
                self.table(data, "metrics", set(MetricsSettings.__dataclass_fields__))
            ),
            telemetry=self.telemetry(
                self.table(data, "telemetry", set(TelemetrySettings.__dataclass_fields__))
            ),
        )

    def numbers(
        self, section: str, raw: dict[str, Any], kinds: Mapping[str, type]
    ) -> dict[str, Any]:
        """`raw` with its numeric keys checked: positive, and whole where `int`."""
        for key, kind in kinds.items():
            if key not in raw:
                continue
            value = raw[key]
            wanted = (int,) if kind is int else (int, float)
            if isinstance(value, bool) or not isinstance(value, wanted) or value <= 0:
                noun = "whole number" if kind is int else "number"
                raise self.fail(f"[{section}] {key}", f"must be a positive {noun}")
        return raw

    def server(self, raw: dict[str, Any]) -> ServerSettings:
        types: dict[str, tuple[type, str]] = {
            "host": (str, "a string"),
            "port": (int, "an integer"),
            "public_url": (str, "a string"),
            "default_region": (str, "a string"),
            "websocket_compression": (bool, "true or false"),
            "access_log": (bool, "true or false"),
        }
        for key, (wanted, expected) in types.items():
            if key in raw and not isinstance(raw[key], wanted):
                raise self.fail(f"[server] {key}", f"must be {expected}")
        self.numbers("server", raw, {"websocket_init_timeout": float})
        raw["cors_origins"] = tuple(raw.get("cors_origins", ()))
        raw["trusted_proxies"] = tuple(raw.get("trusted_proxies", ()))
        for proxy in raw["trusted_proxies"]:
            try:
                ipaddress.ip_network(str(proxy), strict=False)
            except ValueError:
                raise self.fail(
                    "[server] trusted_proxies",
                    f"'{proxy}' is not an IP address or network, e.g. 10.0.0.0/8",
                ) from None
        server = ServerSettings(**raw)
        if not 0 <= server.port <= 65535:
            raise self.fail("[server] port", "must be between 0 and 65535")
        if server.public_url:
            parts = urlsplit(server.public_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise self.fail(
                    "[server] public_url",
                    f"'{server.public_url}' is not an http(s) URL; write the address vendors "
                    "reach this server at, e.g. https://callboard.example.com",
                )
        return server

    def check_storage(self, url: str) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("sqlite", "sqlite+aiosqlite", "postgresql", "postgres"):
            raise self.fail(
                "[storage] url",
                f"'{_without_password(url)}' is not supported; use \"sqlite:///callboard.db\" "
                '(or "sqlite://" for memory), or "postgresql://user:password@host/db".',
            )

    def outbound(self, raw: dict[str, Any]) -> OutboundSettings:
        if "allow_private_networks" in raw and not isinstance(raw["allow_private_networks"], bool):
            raise self.fail("[outbound] allow_private_networks", "must be true or false")
        if "retry_schedule" in raw:
            schedule = raw["retry_schedule"]
            if (
                not isinstance(schedule, list)
                or not schedule
                or not all(
                    isinstance(s, int | float) and not isinstance(s, bool) and s > 0
                    for s in schedule
                )
            ):
                raise self.fail(
                    "[outbound] retry_schedule",
                    "must be a list of positive seconds, e.g. [5, 30, 120, 600, 1800, 3600]",
                )
            raw["retry_schedule"] = tuple(float(s) for s in schedule)
        numbers = set(OutboundSettings.__dataclass_fields__) - {
            "allow_private_networks",
            "retry_schedule",
        }
        kinds = {**dict.fromkeys(numbers, float), "parallel_deliveries": int}
        outbound = OutboundSettings(**self.numbers("outbound", raw, kinds))
        if outbound.lease_seconds <= outbound.timeout_seconds:
            raise self.fail(
                "[outbound] lease_seconds",
                f"must be longer than timeout_seconds ({outbound.timeout_seconds:g}): a claim "
                "must outlast the attempt it is for",
            )
        return outbound

    def graphql(self, raw: dict[str, Any]) -> GraphQLSettings:
        switches = {"graphiql", "introspection", "compiled"}
        for key in switches & raw.keys():
            if not isinstance(raw[key], bool):
                raise self.fail(f"[graphql] {key}", "must be true or false")
        if not isinstance(raw.get("trusted_documents", ""), str):
            raise self.fail("[graphql] trusted_documents", "must be the path of a JSON manifest")
        age = raw.get("cache_max_age", 0)
        if isinstance(age, bool) or not isinstance(age, int) or age < 0:
            raise self.fail("[graphql] cache_max_age", "must be a whole number of seconds, or 0")
        others = switches | {"trusted_documents", "cache_max_age"}
        limits = {key: int for key in GraphQLSettings.__dataclass_fields__ if key not in others}
        return GraphQLSettings(**self.numbers("graphql", raw, limits))

    def metrics(self, raw: dict[str, Any]) -> MetricsSettings:
        if "enabled" in raw and not isinstance(raw["enabled"], bool):
            raise self.fail("[metrics] enabled", "must be true or false")
        key = raw.get("key", "")
        if not isinstance(key, str) or (key and len(key) < 16):
            raise self.fail(
                "[metrics] key",
                "shorter than 16 characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
            )
        return MetricsSettings(**raw)

    def telemetry(self, raw: dict[str, Any]) -> TelemetrySettings:
        endpoint = raw.get("otlp_endpoint", "")
        parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
        if endpoint and (
            parts is None or parts.scheme not in ("http", "https") or not parts.netloc
        ):
            raise self.fail(
                "[telemetry] otlp_endpoint",
                f"{endpoint!r} is not an http(s) URL; write the collector's OTLP/HTTP "
                'address, e.g. "http://collector:4318"',
            )
        name = raw.get("service_name", "callboard")
        if not isinstance(name, str) or not name:
            raise self.fail("[telemetry] service_name", 'must be a name, e.g. "callboard"')
        return TelemetrySettings(**raw)

    def providers(self, raw: Any) -> tuple[ProviderSettings, ...]:
        if not isinstance(raw, list):
            raise self.fail("[[providers]]", "must be an array of tables ([[providers]])")
        seen: set[str] = set()
        result = []
        for index, entry in enumerate(raw, start=1):
            where = f"[[providers]] #{index}"
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a table")
            entry = dict(entry)
            pid, kind = entry.pop("id", None), entry.pop("kind", None)
            if not isinstance(pid, str) or not _PROVIDER_ID.match(pid):
                raise self.fail(
                    f"{where} id",
                    "missing or not a name; use letters, digits, '.', '_' or '-', "
                    'e.g. id = "lirax-main"',
                )
            where = f"[[providers]] #{index} (id {pid!r})"
            if pid in seen:
                raise self.fail(f"{where} id", "used twice; every provider needs its own id")
            seen.add(pid)
            try:
                cls = provider_class(str(kind))
            except UnknownKind:
                raise self.fail(
                    f"{where} kind",
                    f"unknown kind {kind!r}; known kinds: {', '.join(known_kinds())}",
                ) from None
            expanded = self.expand(entry, where)
            try:
                options = parse_options(cls.options_type, expanded)
            except OptionError as exc:
                raise self.fail(f"{where} {exc.key}", exc.message) from None
            result.append(ProviderSettings(pid, str(kind), options))
        return tuple(result)

    def clients(self, raw: Any, provider_ids: set[str]) -> tuple[ClientSettings, ...]:
        if not isinstance(raw, list):
            raise self.fail("[[clients]]", "must be an array of tables ([[clients]])")
        result: list[ClientSettings] = []
        for index, entry in enumerate(raw, start=1):
            where = f"[[clients]] #{index}"
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a table")
            entry = self.expand(entry, where)
            unknown = set(entry) - {"name", "key", "providers", *_CLIENT_LIMITS}
            if unknown:
                raise self.fail(
                    f"{where} {sorted(unknown)[0]}",
                    f"unknown key; takes name, key, providers, {', '.join(_CLIENT_LIMITS)}",
                )
            name, key = entry.get("name"), entry.get("key")
            if not isinstance(name, str) or not name:
                raise self.fail(f"{where} name", 'missing; name the client, e.g. "crm-frontend"')
            where = f"[[clients]] #{index} ({name!r})"
            if not isinstance(key, str) or len(key) < 16:
                raise self.fail(
                    f"{where} key",
                    "missing or shorter than 16 characters; generate one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
                )
            if any(c.name == name for c in result):
                raise self.fail(f"{where} name", "used twice")
            if any(c.key == key for c in result):
                raise self.fail(f"{where} key", "is the key of another client; give each its own")
            scope = entry.get("providers", ["*"])
            if not isinstance(scope, list) or not all(isinstance(p, str) for p in scope):
                raise self.fail(f"{where} providers", 'must be a list of provider ids, or ["*"]')
            for pid in scope:
                if pid != "*" and pid not in provider_ids:
                    raise self.fail(
                        f"{where} providers", f"names {pid!r}, which no [[providers]] entry has"
                    )
            result.append(
                ClientSettings(name, key, tuple(scope), **self.client_limits(where, entry))
            )
        return tuple(result)

    def client_limits(self, where: str, entry: dict[str, Any]) -> dict[str, Any]:
        """A client's `rate`, `burst` and `max_subscriptions`, checked."""
        limits: dict[str, Any] = {k: entry[k] for k in ("burst", "max_subscriptions") if k in entry}
        for key, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise self.fail(f"{where} {key}", "must be a positive whole number")
        rate = entry.get("rate")
        if rate is None:
            if "burst" in limits:
                raise self.fail(f"{where} burst", 'needs a rate too, e.g. rate = "100/s"')
            return limits
        found = _RATE.match(rate) if isinstance(rate, str) else None
        if found is None or int(found.group(1)) == 0:
            raise self.fail(
                f"{where} rate",
                'must be requests per second or minute, e.g. "100/s" or "6000/min"',
            )
        requests = int(found.group(1))
        per_seconds = 1 if found.group(2).startswith("s") else 60
        limits["rate"] = RequestRate(requests, per_seconds, limits.pop("burst", requests))
        return limits


_CLIENT_LIMITS = ("rate", "burst", "max_subscriptions")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
