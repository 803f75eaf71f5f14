"""HTTP/1.1 requests whose body is never finished, on a plain socket (h11 frames them):
what a server answers before it has the whole body, or without reading it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def unfinished_request(
    url: str,
    headers: Mapping[str, str],
    parts: Iterable[bytes],
    *,
    method: str = "POST",
    timeout: float = 10,  # noqa: ASYNC109
) -> Answer:
    """Send the head and `parts` of a request whose body never ends; the answer the
    server gives all the same (`TimeoutError` if it waits for the rest instead)."""
    split = urlsplit(url)
    reader, writer = await asyncio.open_connection(split.hostname, split.port)
    connection = h11.Connection(h11.CLIENT)
    target = split.path + (f"?{split.query}" if split.query else "")
    head = [("Host", split.netloc), *headers.items()]
    try:
        async with asyncio.timeout(timeout):
            writer.write(connection.send(h11.Request(method=method, target=target, headers=head)))
            for part in parts:
                writer.write(connection.send(h11.Data(data=part)))
                with contextlib.suppress(ConnectionError):  # answered and closed already
                    await writer.drain()
            return await _answer(connection, reader)
    finally:
        writer.close()


async def _answer(connection: h11.Connection, reader: asyncio.StreamReader) -> Answer:
    response: h11.Response | None = None
    body = bytearray()
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Response):
            response = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            assert response is not None, "the server closed without an answer"
            headers = {k.decode().lower(): v.decode() for k, v in response.headers}
            return Answer(response.status_code, headers, bytes(body))
