"""What a running Callboard holds: settings, the store, the bus and one provider per id.

Opened by the app's lifespan and closed with it; one `httpx.AsyncClient` per provider,
whose transport tests and the demo may inject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from callboard.domain.redaction import Redactor
from callboard.events.bus import EventBus, open_bus
from callboard.providers.base import Provider, ProviderContext
from callboard.providers.registry import provider_class
from callboard.settings import Settings
from callboard.store.engine import Store

__all__ = ["Runtime"]

# Vendors answer commands in well under a second; 15 s covers a slow PBX without
# leaving a client's request hanging for long.
_VENDOR_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


@dataclass(eq=False)
class Runtime:
    settings: Settings
    store: Store
    bus: EventBus
    providers: dict[str, Provider]
    # Masks every configured secret in vendors' payloads (the store applies it to all
    # it keeps; what is shown without being kept goes through it too).
    redact: Redactor = field(default_factory=Redactor)
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Runtime providers={sorted(self.providers)}>"

    @classmethod
    async def start(
        cls,
        settings: Settings,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> Runtime:
        transports = transports or {}
        public = settings.server.public_url or (
            f"http://{settings.server.host}:{settings.server.port}"
        )
        providers: dict[str, Provider] = {}
        clients: list[httpx.AsyncClient] = []
        for entry in settings.providers:
            http = httpx.AsyncClient(transport=transports.get(entry.id), timeout=_VENDOR_TIMEOUT)
            clients.append(http)
            context = ProviderContext(
                id=entry.id,
                http=http,
                webhook_url=f"{public.rstrip('/')}/webhooks/{entry.id}",
                default_region=settings.server.default_region,
            )
            providers[entry.id] = provider_class(entry.kind)(context, entry.options)
        redact = Redactor(
            [
                *(c.key for c in settings.clients),
                *(secret for p in providers.values() for secret in p.secrets),
            ]
        )
        store = await Store.open(
            settings.storage.url, redact=redact, pool_size=settings.storage.pool_size
        )
        bus = open_bus(
            settings.events.url,
            store.calls,
            store.feeds,
            buffer=settings.events.subscriber_buffer,
            stream=settings.events.stream,
        )
        await bus.start()
        return cls(settings, store, bus, providers, redact, clients)

    async def close(self) -> None:
        for http in self._clients:
            await http.aclose()
        await self.bus.close()
        await self.store.close()
