"""The per-request context: the running Callboard, the caller, the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from callboard.auth import Caller
from callboard.domain.errors import Unauthenticated
from callboard.resolvers.loaders import Loaders
from callboard.resolvers.session import Session
from callboard.runtime import Runtime
from callboard.schema.live_delivery import Audiences, SharedResultCache

__all__ = ["Context", "Info"]


@dataclass(eq=False)
class Context:
    runtime: Runtime
    loaders: Loaders
    caller: Caller | None = None
    request: Any = None
    response: Any = None
    connection_params: Any = field(default=None, repr=False)  # set by WebSocket handlers
    # Live events' results shared by this running app's subscribers (None: not shared)
    shared_results: SharedResultCache | None = field(default=None, repr=False)
    # ... and written to their connections once per audience (None: each its own)
    live_audiences: Audiences | None = field(default=None, repr=False)

    @property
    def client(self) -> Caller:
        """The authenticated caller; every resolver goes through here."""
        if self.caller is None:
            raise Unauthenticated("Send your key as `Authorization: Bearer <key>`.")
        return self.caller

    @property
    def session(self) -> Session:
        """The runtime and the authenticated caller, as every resolver takes them."""
        return Session(self.runtime, self.client)


Info = StrawberryInfo[Context, None]
