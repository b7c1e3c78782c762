"""The ASGI zero-copy send extension (`http.response.zerocopysend`) for uvicorn's httptools
protocol on asyncio's own event loop: a body sent from an open file with the sendfile system call
(asyncio's `loop.sendfile`), from the page cache straight to the socket.

uvicorn does not offer the extension, and ASGI gives an app no way to the socket; reelhouse runs
its own subclass of uvicorn's protocol (`reelhouse.http.server_protocol`), which wraps each
request's app call in `ZeroCopySend` where the extension can work: plain HTTP (sendfile cannot
write into TLS) on a selector event loop (uvloop has no `sendfile`). Headers go through uvicorn
as ever; the file's bytes are counted against the response's `Content-Length` as uvicorn
counts its own, and the final message completes the response through uvicorn, so keep-alive,
pipelining and the access log work unchanged.

Messages: `{"type": "http.response.zerocopysend", "file": <file object>, "offset": int,
"count": int, "more_body": bool}`. This server needs `offset` and `count` (the spec lets them
default to the file's position and end), and a `Content-Length` (no chunked encoding).

A send on a connection that is gone raises `ConnectionClosedError` (an `OSError`, as ASGI 2.4
asks of a send after a disconnect), so that the app stops at once rather than send on into
nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from reelhouse.infra.logging import get_logger

ZERO_COPY_SEND = "http.response.zerocopysend"

log = get_logger(__name__)


class ConnectionClosedError(ConnectionError):
    """The response cannot go on: the client went away, or the file ended early and the
    connection was closed, its body being shorter than promised."""


def offers_zero_copy(loop: asyncio.AbstractEventLoop, scheme: str | None) -> bool:
    return scheme == "http" and isinstance(loop, asyncio.SelectorEventLoop)


class ZeroCopySend:
    """One request's app call, with the extension offered in its scope and served on `cycle`."""

    def __init__(self, app: ASGIApp, cycle: RequestResponseCycle) -> None:
        self.app = app
        self.cycle = cycle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("extensions", {})[ZERO_COPY_SEND] = {}

        async def send_or_send_file(message: Message) -> None:
            if message["type"] == ZERO_COPY_SEND:
                await self._send_file(message)
            else:
                await send(message)

        await self.app(scope, receive, send_or_send_file)

    async def _send_file(self, message: Message) -> None:
        cycle = self.cycle
        if not cycle.response_started or cycle.response_complete or cycle.chunked_encoding:
            raise RuntimeError(f"{ZERO_COPY_SEND} needs a started response with a Content-Length")
        transport = cycle.transport
        if cycle.flow.write_paused and not cycle.disconnected:
            await cycle.flow.drain()
        if cycle.disconnected or transport.is_closing():
            raise ConnectionClosedError("the client is gone")
        file: Any = message["file"]
        count: int = message["count"]
        loop = asyncio.get_running_loop()
        try:
            sent = await loop.sendfile(transport, file, message["offset"], count)
        except ConnectionError as exc:
            transport.close()
            raise ConnectionClosedError("the client is gone") from exc
        cycle.expected_content_length -= sent
        if sent < count:
            log.warning("a file ended before the bytes promised", missing_bytes=count - sent)
            transport.close()
            raise ConnectionClosedError("the file ended early")
        if not message.get("more_body", False):
            await cycle.send({"type": "http.response.body", "body": b"", "more_body": False})
