"""The app's services and settings, as dependencies of any route, API or page alike."""

from __future__ import annotations

import re
from ipaddress import IPv6Address, ip_address
from typing import Annotated

from fastapi import Depends, Request

from reelhouse.bootstrap import Services
from reelhouse.config import Settings
from reelhouse.http.encoded import EncodedBodies

# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` one in
# its thread pool, a thread hop (and a GIL hand-over) per dependency per request.


async def app_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(app_services)]


async def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def encoded_bodies(request: Request) -> EncodedBodies:
    """The app's cache of encoded answers."""
    bodies: EncodedBodies = request.app.state.bodies
    return bodies


def client_address(request: Request) -> str | None:
    """The caller's address, as the server saw it (behind a proxy trusted by `uvicorn
    --forwarded-allow-ips`, the client the proxy names)."""
    return request.client.host if request.client is not None else None


#: Headers in which a proxy names the client it forwards (each may list several hops).
_FORWARDING_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
_FORWARDED_FOR = re.compile(r'for="?\[?([^\]";,]+)', re.IGNORECASE)


def from_loopback(request: Request) -> bool:
    """Whether the caller is on the server's own machine: its address (after the proxies uvicorn
    trusts, as `client_address`) is a loopback one, and so is every address a forwarding header
    names. A proxy on this machine that uvicorn was not told to trust then still does not make
    its clients local, and a forged header from elsewhere changes nothing (the peer's own
    address is not loopback). The browser must also have asked for a loopback host
    (`localhost`, `127.0.0.1`, `[::1]`): a page of another site that a local browser reaches
    this server with (DNS rebinding) names its own host."""
    named = [client_address(request) or ""]
    for header in _FORWARDING_HEADERS:
        for value in request.headers.getlist(header):
            if header == "forwarded":
                named += _FORWARDED_FOR.findall(value)
            else:
                named += value.split(",")
    hosts = [request.headers.get("host", ""), *request.headers.getlist("x-forwarded-host")]
    return all(_is_loopback(address.strip()) for address in named) and all(
        _is_loopback_host(host.strip()) for host in hosts
    )


def _is_loopback_host(host: str) -> bool:
    """A `Host` header (a name or an address, with or without a port) naming this machine."""
    if host.startswith("["):  # [::1]:8420
        name = host[1:].partition("]")[0]
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    return name.casefold() == "localhost" or _is_loopback(name)


def _is_loopback(address: str) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False  # a name, "unknown", an obfuscated node: nothing proves it local
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.is_loopback
