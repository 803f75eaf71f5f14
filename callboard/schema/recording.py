"""The Recording type: a call's recording, as its vendor gave it."""

from __future__ import annotations

import strawberry

__all__ = ["Recording"]


@strawberry.type(description="A call's recording.")
class Recording:
    url: str = strawberry.field(description="Where the vendor keeps the file.")
    duration_seconds: int | None = strawberry.field(
        description="How long the recording is, where the vendor says so."
    )
