"""Where webhooks may be sent: the public internet, not the machines beside the service.

A subscription pointing at 127.0.0.1:5432, 169.254.169.254 (cloud metadata), a private range
or `metadata.google.internal` would let an admin account (or whoever holds one) probe the
inside and read the answers back from `last_error`. The host is resolved and every address
checked when the subscription is saved, and again at each delivery, on the very address the
connection then uses (DNS can change in between). WEBHOOK_ALLOWED_NETWORKS names exceptions
(an intranet receiver; the tests' local receiver).
"""

import ipaddress
import socket
from collections.abc import Iterable

from flask import current_app, has_app_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "169.254.170.2")
)
# Shared address space (CGNAT) and other ranges Python does not call private or reserved.
EXTRA_BLOCKED = tuple(ipaddress.ip_network(n) for n in ("100.64.0.0/10", "192.0.0.0/24"))


class DestinationRefused(ValueError):
    """The URL's host is (or resolves to) an address webhooks may not reach."""


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = current_app.config.get("WEBHOOK_ALLOWED_NETWORKS", "") if has_app_context() else ""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in str(raw).split(",") if n.strip()]


def _internal(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address in METADATA_ADDRESSES
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or any(
            address in network for network in EXTRA_BLOCKED if network.version == address.version
        )
    )


def check_address(address: IPAddress, allowed: Iterable = ()) -> None:
    if any(address.version == n.version and address in n for n in allowed):
        return
    if _internal(address):
        raise DestinationRefused("the host is an internal, private or reserved address")


def resolve(host: str, port: int | None) -> list[IPAddress]:
    if host.rstrip(".").lower() in METADATA_HOSTS:
        raise DestinationRefused("the host is a cloud metadata service")
    try:
        infos = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DestinationRefused("the host name does not resolve") from error
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def safe_addresses(host: str, port: int | None) -> list[IPAddress]:
    """Every address of `host`, or DestinationRefused if any of them is internal."""
    allowed = allowed_networks()
    addresses = resolve(host, port)
    for address in addresses:
        check_address(address, allowed)
    return addresses


def connect(host: str, port: int, timeout: float | None, source_address=None) -> socket.socket:
    """A socket to one checked address of `host` (the check and the connection share it)."""
    last: OSError | None = None
    for address in safe_addresses(host, port):
        try:
            return socket.create_connection((str(address), port), timeout, source_address)
        except OSError as error:
            last = error
    raise last or OSError("could not connect")
