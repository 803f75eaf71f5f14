"""Per-request DataLoaders: one store query (or one vendor request) for all the calls,
events, contacts or status catalogues a document asks for, however many fields ask."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from aiodataloader import DataLoader

from callboard.domain.calls import Call, CallEvent
from callboard.domain.directory import Contact
from callboard.domain.pbx import AgentStatusType
from callboard.resolvers.pbx import status_catalogue
from callboard.resolvers.robocalls import RobocallKey, fetch_robocalls
from callboard.runtime import Runtime
from callboard.store.contacts import ContactScope

__all__ = ["Loaders"]


class Loaders:
    """`cache=False` for a WebSocket connection: it lives for hours, and each event must
    see the call as it is then, not as it was at the first event."""

    def __init__(self, runtime: Runtime, *, cache: bool = True) -> None:
        self._runtime = runtime
        self._store = runtime.store
        self._cache = cache

    # Made when first asked for: most requests need one loader, or none.
    @cached_property
    def call(self) -> DataLoader[str, Call | None]:
        """Call by id."""
        return DataLoader(self._calls, cache=self._cache)

    @cached_property
    def events(self) -> DataLoader[str, list[CallEvent]]:
        """A call's events, oldest first, by call id."""
        return DataLoader(self._events, cache=self._cache)

    @cached_property
    def contact(self) -> DataLoader[tuple[str, ContactScope], Contact | None]:
        """Contact by E.164 phone, among those of a scope (resolvers/contacts.contact_key)."""
        return DataLoader(self._contacts, cache=self._cache)

    @cached_property
    def robocall(self) -> DataLoader[RobocallKey, Call | None]:
        """A robocall as its vendor has it now, kept in the call log; None if unknown."""
        return DataLoader(self._robocalls, cache=self._cache)

    @cached_property
    def agent_status_types(self) -> DataLoader[str, list[AgentStatusType] | None]:
        """A provider's agent status catalogue by provider id (None: not to be had)."""
        return DataLoader(self._agent_status_types, cache=self._cache)

    async def _calls(self, ids: Sequence[str]) -> list[Call | None]:
        return await self._store.calls.get_many(ids)

    async def _events(self, call_ids: Sequence[str]) -> list[list[CallEvent]]:
        grouped = await self._store.calls.events_of(call_ids)
        return [grouped[i] for i in call_ids]

    async def _contacts(self, keys: Sequence[tuple[str, ContactScope]]) -> list[Contact | None]:
        return await self._store.contacts.find_many(keys)

    async def _robocalls(self, keys: Sequence[RobocallKey]) -> list[Call | None]:
        # One vendor request per provider and kind (the provider splits past its limit).
        groups: dict[tuple[str, bool], list[str]] = {}
        for provider_id, vendor_id, template in keys:
            groups.setdefault((provider_id, template), []).append(vendor_id)
        found: dict[RobocallKey, Call] = {}
        for (provider_id, template), ids in groups.items():
            calls = await fetch_robocalls(self._runtime, provider_id, ids, template=template)
            found.update({(provider_id, i, template): c for i, c in calls.items()})
        return [found.get(key) for key in keys]

    async def _agent_status_types(
        self, provider_ids: Sequence[str]
    ) -> list[list[AgentStatusType] | None]:
        # One vendor request per provider: without the cache a batch can repeat a key.
        found = {p: await status_catalogue(self._runtime, p) for p in dict.fromkeys(provider_ids)}
        return [found[p] for p in provider_ids]
