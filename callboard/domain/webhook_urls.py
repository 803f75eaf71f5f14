"""Where an outgoing webhook may go: an http(s) URL, and never (unless allowed) an
address inside the network Callboard runs in."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from callboard.domain.errors import BadInput

__all__ = ["MAX_URL", "check_url", "forbidden_address"]

MAX_URL = 2048

# Cloud metadata services answer on these; some are not in the private ranges.
_METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("169.254.170.2"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("fd00:ec2::254"),
}


def check_url(url: str, *, allow_private: bool) -> str:
    """`url` if an endpoint may have it; `BadInput` otherwise. A host name is resolved
    only when sending (outbound/addresses.py), where its addresses are checked."""
    parts = urlsplit(url)
    if len(url) > MAX_URL:
        raise BadInput(f"`url` is at most {MAX_URL} characters.", field="url")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"'{url}' is not an http(s) URL.", field="url")
    if parts.username or parts.password:
        raise BadInput(
            "Put no credentials in `url`: the signature vouches for Callboard.", field="url"
        )
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if not allow_private:
        if host == "localhost" or host.endswith(".localhost"):
            raise BadInput(f"'{host}' is this machine; endpoints must be public.", field="url")
        if address is not None and (reason := forbidden_address(address)):
            raise BadInput(f"'{host}' is {reason}; endpoints must be public.", field="url")
    return url


def forbidden_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a webhook may not go to `address` (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_multicast:
        return "a private address"
    if address.is_unspecified:
        return "an unspecified address"
    return None
