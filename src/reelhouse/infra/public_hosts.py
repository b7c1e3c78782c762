"""Outbound requests to URLs found in untrusted places (an NFO's `<thumb>`, a provider's image
path) go only to public addresses (house rule 11): no loopback, private, link-local (the cloud
metadata address), shared or reserved ones, unless a setting allows a host or a network.

The check sits where connections are made (httpcore's network backend, under httpx's pool), so
it covers every connection the client opens, each redirect's included: the host is resolved
there, every address it resolves to must be allowed, and the socket connects to the address
that was checked — a DNS answer that changes between a check and the connection (rebinding)
cannot lead elsewhere. TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Sequence

import httpcore
import httpx

from reelhouse.errors import InvalidInputError

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenAddressError(InvalidInputError):
    """The URL leads to an address outbound requests may not go to."""


class AddressPolicy:
    """Public addresses, plus `networks`; any address of a host in `hosts`."""

    def __init__(self, hosts: Sequence[str] = (), networks: Sequence[IpNetwork] = ()) -> None:
        self.hosts = frozenset(host.lower().rstrip(".") for host in hosts)
        self.networks = tuple(networks)

    def allows(self, host: str, address: IpAddress) -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_global or any(address in network for network in self.networks)


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses `policy` allows, raising `ForbiddenAddressError` (before
    any packet is sent) for a host that resolves to any other."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self._policy = policy
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await self._checked_address(host, port)
        return await self._inner.connect_tcp(
            str(address), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddressError("outbound requests go over TCP only", field="url")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def _checked_address(self, host: str, port: int) -> IpAddress:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in found]
        refused = [a for a in addresses if not self._policy.allows(host, a)]
        if refused:
            raise ForbiddenAddressError(
                f"{host} resolves to {refused[0]}, where outbound requests may not go",
                field="url",
            )
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        return addresses[0]


def checked_transport(policy: AddressPolicy, **options: typing.Any) -> httpx.AsyncHTTPTransport:
    """An httpx transport (`options` as `httpx.AsyncHTTPTransport` takes them) whose every
    connection goes through `CheckedNetworkBackend`. httpx takes no network backend, so the
    pool's is replaced: httpcore 1.x keeps it in `_network_backend` (tests hold this)."""
    transport = httpx.AsyncHTTPTransport(**options)
    pool = transport._pool
    pool._network_backend = CheckedNetworkBackend(policy, pool._network_backend)
    return transport
