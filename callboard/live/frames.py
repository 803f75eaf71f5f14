"""WebSocket frames written straight to the connection, for fanning out live events.

Through ASGI, each message a server sends is an awaited `send` call: the ASGI event, the
websockets library's framing, a write to the socket. A live event for 1,000 subscribers
pays that 1,000 times, and one core managed about 10,000 such messages a second
(bench/bench_events.py). `FrameWritingProtocol` is uvicorn's own WebSocket protocol
(websockets-sansio) with one addition: every WebSocket scope carries a `FrameWriter`
(`scope["extensions"][EXTENSION]["writer"]`), with which the app writes already-encoded
text messages as frames, without an await, several in one write if it likes.

On a compressed connection the writer is not `open` (per-message deflate keeps state from
one message to the next), and under another server there is none: the app then sends
through ASGI. `serve`, `demo` and the tests run uvicorn with this protocol (app.py
`server_options`).

What a client has not read yet stays mostly in the server's sight: the protocol keeps the
kernel's share of it small (`_SEND_BUFFER`), so that a client that stops reading is seen
as too slow (uvicorn's back-pressure, the unread bytes `write` returns) within a few
events. The writer also sends a subscription's last messages without waiting for the
client to read what came before (`send_now`).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState

__all__ = ["EXTENSION", "FrameWriter", "FrameWritingProtocol", "frame_writer", "text_frame"]

EXTENSION = "callboard.frames"

_FIN_TEXT = 0x81  # a whole message (FIN) of text (opcode 1)

# The socket send buffer of a WebSocket connection (Linux doubles it: 128 KiB). Left to
# itself Linux grows it to 4 MiB (net.ipv4.tcp_wmem), thousands of events that a client
# not reading held out of the server's sight: it was neither paused nor over its
# unread-bytes bound until then, and the keepalive (uvicorn's ping, 20 s, and 20 s for
# the pong) closed it with 1011 first. 128 KiB in flight still carries about 1 MiB/s at 125 ms
# round trips, far above an event stream's needs.
_SEND_BUFFER = 64 * 1024


def text_frame(message: bytes) -> bytes:
    """A server's frame for one text message: final, unmasked (RFC 6455, 5.2)."""
    size = len(message)
    if size < 126:
        header = bytes((_FIN_TEXT, size))
    elif size < 1 << 16:
        header = struct.pack("!BBH", _FIN_TEXT, 126, size)
    else:
        header = struct.pack("!BBQ", _FIN_TEXT, 127, size)
    return header + message


class FrameWriter:
    """Writes frames to one WebSocket connection, in order with the ASGI sends (both
    write to the transport from the event loop, each frame whole)."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def __repr__(self) -> str:
        return f"<FrameWriter client={self._protocol.client!r}>"

    @property
    def open(self) -> bool:
        """Accepted, not closing, and sending frames as they are (no compression)."""
        protocol = self._protocol
        return (
            protocol.handshake_complete
            and not protocol.close_sent
            and not protocol.disconnected
            and not protocol.transport.is_closing()
            and not protocol.conn.extensions
        )

    @property
    def closing(self) -> bool:
        """Closed, or closing (by either side): nothing more goes out."""
        protocol = self._protocol
        return protocol.close_sent or protocol.disconnected or protocol.transport.is_closing()

    @property
    def backed_up(self) -> bool:
        """The client is behind on reading: uvicorn's ASGI sends wait until it catches up."""
        return not self._protocol.writable.is_set()

    async def caught_up(self) -> None:
        """Returns once ASGI sends go through again (or the connection is lost)."""
        await self._protocol.writable.wait()

    def send_now(self, text: str) -> None:
        """Sends a text message at once, however much the client has left unread (through
        the protocol's own framing, so compressed connections too); nothing once closing."""
        protocol = self._protocol
        if self.closing:
            return
        try:
            protocol.conn.send_text(text.encode())
        except InvalidState:  # the client's close frame came in meanwhile
            return
        protocol.transport.write(b"".join(protocol.conn.data_to_send()))

    def write(self, frames: bytes) -> int | None:
        """Writes the frames unless the connection is closing; returns the bytes written
        but not yet taken by the client's socket (None: closing, nothing written)."""
        # Called once per subscriber per batch of events: as few steps as can be.
        protocol = self._protocol
        transport = protocol.transport
        if protocol.close_sent or transport.is_closing():
            return None
        transport.write(frames)
        return transport.get_write_buffer_size()


class FrameWritingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, offering a `FrameWriter` in the ASGI scope, with a
    small socket send buffer (`_SEND_BUFFER`)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)

    async def run_asgi(self) -> None:
        # An ASGI extension is a name and a dict of what it offers.
        self.scope["extensions"][EXTENSION] = {"writer": FrameWriter(self)}
        await super().run_asgi()


def frame_writer(scope: Any) -> FrameWriter | None:
    """The scope's frame writer, if its server offers one."""
    writer = ((scope.get("extensions") or {}).get(EXTENSION) or {}).get("writer")
    return writer if isinstance(writer, FrameWriter) else None
