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
"""

from __future__ import annotations

import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = ["EXTENSION", "FrameWriter", "FrameWritingProtocol", "frame_writer", "text_frame"]

EXTENSION = "callboard.frames"

_FIN_TEXT = 0x81  # a whole message (FIN) of text (opcode 1)


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
    """uvicorn's WebSocket protocol, offering a `FrameWriter` in the ASGI scope."""

    async def run_asgi(self) -> None:
        # An ASGI extension is a name and a dict of what it offers.
        self.scope["extensions"][EXTENSION] = {"writer": FrameWriter(self)}
        await super().run_asgi()


def frame_writer(scope: Any) -> FrameWriter | None:
    """The scope's frame writer, if its server offers one."""
    writer = ((scope.get("extensions") or {}).get(EXTENSION) or {}).get("writer")
    return writer if isinstance(writer, FrameWriter) else None
