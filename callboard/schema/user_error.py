"""UserError: what the client did wrong or what the vendor refused, inside a payload."""

from __future__ import annotations

import strawberry

from callboard.domain.errors import (
    BadInput,
    CallboardError,
    IdempotencyConflict,
    NotFound,
    ProviderRejected,
)
from callboard.schema.field_copy import copied

__all__ = ["USER_ERRORS", "UserError"]

# These come back in `userErrors`; every other error is a GraphQL error with a code.
USER_ERRORS = (BadInput, NotFound, ProviderRejected, IdempotencyConflict)


@strawberry.type(description="Something the client can fix, or that the vendor refused.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str
    code: str = strawberry.field(
        description="BAD_INPUT, NOT_FOUND, PROVIDER_REJECTED, PROVIDER_MISCONFIGURED, "
        "IDEMPOTENCY_CONFLICT, ..."
    )
    vendor_code: str | None = strawberry.field(
        default=None, description="The vendor's own code for a refusal, when it gave one."
    )

    @classmethod
    def of(cls, error: CallboardError) -> UserError:
        # Only a vendor's refusal has a `vendor_code`; the others keep the default, None.
        return copied(cls, error)
