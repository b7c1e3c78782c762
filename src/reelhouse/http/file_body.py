"""A response whose body is a range of an open file, sent from its descriptor: with sendfile
where the server offers the zero-copy send extension (`reelhouse.http.zerocopy`), else read in
chunks in a worker thread. Never more than a chunk of the file is in memory.

A client that goes away costs nothing more: the send stops at once (a watch on `receive` cancels
it, and a zero-copy send to a closed connection raises), nothing is logged, and the descriptor
is closed whatever happens.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Mapping

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from reelhouse.http.zerocopy import ZERO_COPY_SEND
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)
#: Readahead advice; not on every system (macOS has none), and readahead is off without it.
_ADVISE = getattr(os, "posix_fadvise", None)


class FileBodyResponse(Response):
    """`length` bytes of `file` from `offset` (the caller sets `Content-Length`); the response
    owns `file` and closes it."""

    def __init__(
        self,
        file: io.FileIO,
        offset: int,
        length: int,
        *,
        status_code: int,
        headers: Mapping[str, str],
        media_type: str,
        chunk_bytes: int,
        readahead_bytes: int,
        sendfile: bool,
    ) -> None:
        super().__init__(None, status_code, headers, media_type)
        self.file = file
        self.offset = offset
        self.length = length
        self.chunk_bytes = chunk_bytes
        self.readahead_bytes = readahead_bytes if _ADVISE is not None else 0
        self.sendfile = sendfile

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, headers = self.status_code, self.raw_headers
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            if self.length == 0:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await self._send_until_disconnect(scope, receive, send)
        finally:
            self.file.close()

    async def _send_until_disconnect(self, scope: Scope, receive: Receive, send: Send) -> None:
        zero_copy = self.sendfile and ZERO_COPY_SEND in scope.get("extensions", {})
        with anyio.CancelScope() as sending:
            watch = asyncio.get_running_loop().create_task(_stop_on_disconnect(receive, sending))
            try:
                if zero_copy:
                    await self._send_with_sendfile(send)
                else:
                    await self._send_chunks(send)
            finally:
                watch.cancel()
        await asyncio.wait({watch})

    async def _send_with_sendfile(self, send: Send) -> None:
        position, end = self.offset, self.offset + self.length
        advised = position  # the kernel was asked to read ahead up to here
        while position < end:
            count = min(self.chunk_bytes, end - position)
            if self.readahead_bytes and position + count > advised - self.readahead_bytes:
                advised = min(end, position + 2 * self.readahead_bytes)
                await anyio.to_thread.run_sync(_read_ahead, self.file, position, advised)
            message = {"type": ZERO_COPY_SEND, "file": self.file, "offset": position,
                       "count": count, "more_body": position + count < end}  # fmt: skip
            try:
                await send(message)
            except ConnectionError:
                return  # the connection is closed: nothing more can be sent
            position += count

    async def _send_chunks(self, send: Send) -> None:
        position, end = self.offset, self.offset + self.length
        fd = self.file.fileno()
        while position < end:
            chunk = await anyio.to_thread.run_sync(
                os.pread, fd, min(self.chunk_bytes, end - position), position
            )
            if not chunk:
                # The file was cut short while being sent: the body cannot be what its
                # `Content-Length` says, so it is left incomplete (the server closes the
                # connection, the client sees a short body).
                log.warning("a file ended before the bytes promised", missing_bytes=end - position)
                return
            position += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": position < end})


async def _stop_on_disconnect(receive: Receive, sending: anyio.CancelScope) -> None:
    """Cancel `sending` when the client goes away (or `receive` fails: nothing to wait for)."""
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    finally:
        sending.cancel()


def _read_ahead(file: io.FileIO, start: int, end: int) -> None:
    """Ask the kernel to read bytes `start` to `end` into the page cache; it returns once the
    reads are queued, and sendfile later finds the bytes there (or on their way)."""
    assert _ADVISE is not None  # noqa: S101 - readahead is off without it
    _ADVISE(file.fileno(), start, end - start, os.POSIX_FADV_WILLNEED)
