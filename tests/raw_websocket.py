"""A WebSocket client that reads only when told to, for clients that stop reading: the
server's frames exactly in the order they came (websockets' sans-I/O protocol over an
asyncio stream, so nothing reads or answers behind the test's back)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri


class RawClient:
    def __init__(
        self, protocol: ClientProtocol, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._protocol = protocol
        self._reader = reader
        self._writer = writer
        self._frames: list[Frame] = []

    def send(self, message: dict[str, Any]) -> None:
        self._protocol.send_text(json.dumps(message).encode())
        self._flush()

    def ping(self, payload: bytes = b"order") -> None:
        """A WebSocket ping: the server answers it at once, behind what it sent before."""
        self._protocol.send_ping(payload)
        self._flush()

    def abort(self) -> None:
        """Gone, without a close frame (a client killed, a network cut)."""
        self._writer.transport.abort()

    async def frame(self) -> Frame:
        """The next frame the server sent (data, pong or close), reading as needed."""
        while not self._frames:
            async with asyncio.timeout(10):
                data = await self._reader.read(1 << 16)
            if not data:
                raise ConnectionError("the server closed the connection without a close frame")
            self._protocol.receive_data(data)
            self._frames.extend(e for e in self._protocol.events_received() if isinstance(e, Frame))
        return self._frames.pop(0)

    async def message(self) -> dict[str, Any]:
        """The next text message, skipping nothing but pings."""
        while True:
            frame = await self.frame()
            if frame.opcode is Opcode.TEXT:
                message = json.loads(frame.data)
                assert isinstance(message, dict)
                return message
            assert frame.opcode is Opcode.PING, f"expected a message, got {frame}"

    def _flush(self) -> None:
        self._writer.write(b"".join(self._protocol.data_to_send()))


@contextlib.asynccontextmanager
async def raw_client(http_url: str, subprotocol: str) -> AsyncIterator[RawClient]:
    """A connection to `http_url`'s /graphql with the subprotocol, handshake done."""
    url = http_url.replace("http://", "ws://") + "/graphql"
    protocol = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol(subprotocol)])
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        protocol.send_request(protocol.connect())
        writer.write(b"".join(protocol.data_to_send()))
        response = None
        while response is None:
            async with asyncio.timeout(10):
                data = await reader.read(1 << 16)
            protocol.receive_data(data)
            events = protocol.events_received()
            response = next((e for e in events if isinstance(e, Response)), None)
        assert response.status_code == 101, response
        client = RawClient(protocol, reader, writer)
        client._frames.extend(e for e in events if isinstance(e, Frame))
        yield client
    finally:
        writer.transport.abort()
