"""A request's body read up to a cap: refused by its Content-Length before any of it is
read, and again as it streams in (chunked, or a Content-Length that lies), so that no
more than the cap is ever held. The webhook route and /graphql share it."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Message, Receive

__all__ = ["BodyTooLarge", "capped", "read_body"]


class BodyTooLarge(Exception):
    """The body is longer than the cap; what is left of it was not read. `setting` names
    the configuration key of the cap, if it has one."""

    def __init__(self, limit: int, setting: str | None = None) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit
        self.setting = setting


def capped(headers: Headers, receive: Receive, limit: int, setting: str | None = None) -> Receive:
    """`receive`, passing on at most `limit` bytes of body: `BodyTooLarge` at once for a
    larger Content-Length, else as soon as the body passes the cap."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit, setting)
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit, setting)
        return message

    return limited


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, if it is at most `limit` bytes; `BodyTooLarge` as soon as it is
    known to be longer."""
    return await Request(request.scope, capped(request.headers, request.receive, limit)).body()
