"""Strawberry's two WebSocket protocols as Callboard serves them.

- What a client sends is read within bounds (domain/json_bounds.py) and must be a message
  its protocol's handler can take (an object, with the fields it reads). One that is not
  gets the protocol's answer, and the server goes on: graphql-transport-ws closes with
  4400 and the reason; the legacy graphql-ws (subscriptions-transport-ws's PROTOCOL.md)
  answers `connection_error` (or `error`, for a `start` with an `id`) and keeps the
  connection.
- Both protocols close a connection that has not sent `connection_init` within `[server]
  websocket_init_timeout` (strawberry times graphql-transport-ws only): the legacy one
  says why in a `connection_error` first, then closes with graphql-transport-ws's 4408.
- A subscription cut off as too slow (events/fanout.py) sends what it has left at once,
  though its client has not read what came before (frames.py `send_now`): the
  error follows the events the client has, ahead of anything the keepalive may later
  close the connection with.
- A client that goes away while an operation sends to it is no fault: no traceback.
- A client with as many operations open as `[[clients]] max_subscriptions` allows
  (rate_limits.py), over all its connections, has one more refused with a
  `RATE_LIMITED` error for that operation; the connection stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Coroutine, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.http.exceptions import NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    Message,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage as LegacyError
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage, StartMessage

from callboard.domain.json_bounds import JsonOutOfBounds, loads
from callboard.events.fanout import ON_CUT_OFF
from callboard.live.frames import frame_writer
from callboard.rate_limits import RATE_LIMITED, OpenOperations, RateLimits

__all__ = ["CallboardWebSocket", "LegacyWSHandler", "TransportWSHandler", "Unreadable"]

log = logging.getLogger(__name__)

# Set in each operation's task: once set, the subscription it runs was cut off as too slow.
_CUT_OFF: ContextVar[asyncio.Event | None] = ContextVar("callboard_ws_cut_off", default=None)

_INIT_TIMEOUT = "Connection initialisation timeout"  # strawberry's words, for both


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A message that could not be read, and why."""

    reason: str


def read_message(text: str) -> dict[str, Any] | Unreadable:
    """One message from a client, or what keeps it from being one."""
    try:
        message = loads(text)
    except JsonOutOfBounds as exc:
        return Unreadable(str(exc))
    if not isinstance(message, dict):
        return Unreadable("A message must be a JSON object.")
    return message


def _problem(message: dict[str, Any], *, start: str, stop: str) -> str | None:
    """What keeps the protocol's handler from taking `message` (`start` and `stop`: the
    protocol's names for starting and stopping an operation), or None."""
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message needs a `type` string."
    if kind not in (start, stop):
        return None
    if not isinstance(message.get("id"), str):
        return f"A `{kind}` message needs an `id` string."
    if kind == stop:
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return f"A `{kind}` message needs a `payload` object with a `query` string."
    for name, wanted, noun in (
        ("variables", dict, "an object"),
        ("operationName", str, "a string"),
        ("extensions", dict, "an object"),
    ):
        if payload.get(name) is not None and not isinstance(payload[name], wanted):
            return f"`payload.{name}` must be {noun}."
    return None


class CallboardWebSocket(ASGIWebSocketAdapter):
    """The connection as strawberry's handlers use it: each message read by
    `read_message`, and an operation cut off as too slow sending without waiting."""

    def __init__(
        self,
        view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any],
        request: WebSocket,
        response: WebSocket,
    ) -> None:
        super().__init__(view, request, response)
        self._writer = frame_writer(response.scope)

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        # Yields an `Unreadable` too, for the handler to answer as its protocol says
        # (strawberry's would drop the connection on a message nested too deep, or not
        # an object).
        del ignore_parsing_errors
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                yield read_message(await self.ws.receive_text())
        except KeyError as exc:  # a binary message: starlette's receive_text finds no text
            raise NonTextMessageReceived from exc
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        writer, cut = self._writer, _CUT_OFF.get()
        if writer is None:
            await super().send_json(message)
            return
        if cut is not None and not cut.is_set() and writer.backed_up:
            await _first(writer.caught_up(), cut.wait())
        if writer.closing:
            # Closed meanwhile (by the client, the keepalive, a protocol error): for the
            # operation sending, its client is gone, as strawberry says when it sees it.
            raise WebSocketDisconnected
        if cut is not None and cut.is_set():
            encoded = self.view.encode_json(message)
            writer.send_now(encoded if isinstance(encoded, str) else encoded.decode())
            return
        await super().send_json(message)


def _serve_operation() -> None:
    """In an operation's task: its sends learn when its subscription is cut off."""
    cut = asyncio.Event()
    _CUT_OFF.set(cut)
    ON_CUT_OFF.set(cut.set)


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _went_away() -> None:
    log.debug("a client went away while an operation was sending to it")


def _refusal(
    view: object, context: object, connection: OpenOperations
) -> GraphQLFormattedError | None:
    """The error refusing one more operation to the connection's client, or None."""
    limits = getattr(view, "rate_limits", None)
    if not isinstance(limits, RateLimits):
        return None
    limited = limits.refuse_operation(getattr(context, "caller", None), connection)
    if limited is None:
        return None
    return GraphQLError(limited.message, extensions={"code": RATE_LIMITED}).formatted


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    """graphql-transport-ws: messages checked, cut-offs sent at once, departures quiet."""

    async def handle_message(self, message: Message) -> None:
        unread: object = message
        problem = (
            unread.reason
            if isinstance(unread, Unreadable)
            else _problem(dict(message), start="subscribe", stop="complete")
        )
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    @property
    def open_operations(self) -> int:
        return len(self.operations)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # Unauthorised or a reused id: strawberry closes the connection for it.
        if self.connection_acknowledged and message["id"] not in self.operations:
            refusal = _refusal(self.view, self.context, self)
            if refusal is not None:
                await self.send_message(
                    ErrorMessage(id=message["id"], type="error", payload=[refusal])
                )
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Any, None]) -> None:
        _serve_operation()
        await super().run_operation(operation)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            _went_away()
            return
        await super().handle_task_exception(error)


class LegacyWSHandler(BaseGraphQLWSHandler[Any, None]):
    """graphql-ws: messages checked, the init timeout, cut-offs sent at once, departures
    quiet."""

    _init_received = False

    async def handle(self) -> None:
        timeout = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            timeout.cancel()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if self._init_received:
            return
        with contextlib.suppress(WebSocketDisconnected, WebSocketDisconnect):
            await self.send_message(
                {"type": "connection_error", "payload": {"message": _INIT_TIMEOUT}}
            )
            await self.websocket.close(code=4408, reason=_INIT_TIMEOUT)

    async def handle_message(self, message: OperationMessage) -> None:
        unread: object = message
        if isinstance(unread, Unreadable):
            await self.send_message(
                {"type": "connection_error", "payload": {"message": unread.reason}}
            )
            return
        problem = _problem(dict(message), start="start", stop="stop")
        if problem is None:
            if message["type"] == "connection_init":
                self._init_received = True
            await super().handle_message(message)
            return
        operation_id = message.get("id")
        if message.get("type") == "start" and isinstance(operation_id, str):
            await self.send_message(
                {"type": "error", "id": operation_id, "payload": {"message": problem}}
            )
        else:
            await self.send_message({"type": "connection_error", "payload": {"message": problem}})

    @property
    def open_operations(self) -> int:
        return len(self.tasks)

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            # A reused id replaces its operation: that one counts no more.
            await self.cleanup_operation(message["id"])
            refusal = _refusal(self.view, self.context, self)
            if refusal is not None:
                await self.send_message(
                    LegacyError(type="error", id=message["id"], payload=refusal)
                )
                return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        _serve_operation()
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        except WebSocketDisconnected:
            _went_away()
