"""The HTTP transport outgoing webhooks leave by: no SSRF, no proxies from the environment.

The host of an endpoint's URL is resolved when connecting, every address it resolves to
is checked (domain/webhook_urls.forbidden_address), and the connection goes to the
address checked, so a name that resolves to a public address when checked and to a
private one a moment later (DNS rebinding) cannot get past. TLS still verifies the
URL's host name: httpcore starts TLS with the origin's name, not the address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import anyio
import httpcore
import httpx

from callboard.domain.webhook_urls import forbidden_address

__all__ = ["guarded_transport"]


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, connecting only to addresses a webhook may go to."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in found]
        for address in addresses:
            if reason := forbidden_address(address):
                raise httpcore.ConnectError(
                    f"refused: {host} resolves to {address}, {reason} "
                    "([outbound] allow_private_networks is false)"
                )
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        return await self._inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refused: webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(*, allow_private_networks: bool) -> httpx.AsyncHTTPTransport:
    """The transport for `[outbound] allow_private_networks`: guarded unless it is true."""
    transport = httpx.AsyncHTTPTransport(retries=0)
    if not allow_private_networks:
        # httpx takes no network backend; its pool (httpcore's) does, and this is the
        # one place httpx keeps it.
        transport._pool._network_backend = _GuardedBackend()
    return transport
