"""What every outbound HTTP caller shares: the TLS set-up, a body read that stops at a cap, and
`Retry-After`."""

from __future__ import annotations

import ssl
import time
from email.utils import parsedate_to_datetime
from functools import lru_cache

import httpx

from reelhouse.errors import UpstreamResponseError


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The certificate store every outbound client verifies against, loaded once per process
    (slow to load) and shared, as an `SSLContext` may be."""
    return httpx.create_ssl_context()


async def read_capped(response: httpx.Response, limit: int, label: str) -> bytes:
    """The body of a streamed `response`, read no further than `limit` bytes: a declared or
    actual bigger body is an unusable answer (`UpstreamResponseError`), not a memory spike."""
    declared = response.headers.get("Content-Length")
    too_big = UpstreamResponseError(f"{label}: body larger than {limit} bytes")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
