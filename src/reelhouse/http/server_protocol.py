"""uvicorn's fast HTTP/1.1 protocol (httptools, llhttp) with a bound on what it buffers of a
request head, and the zero-copy send extension (`reelhouse.http.zerocopy`) for direct play.

httptools parses several times faster than h11, but keeps any amount of request line and
headers in memory until they end: one client could send gigabytes of header. This protocol
counts the bytes received while a head is incomplete and answers 431 (problem+json, then closes
the connection) once they pass `http.max_header_bytes`. The count skips the chunk in which a
request begins (it may also carry the end of the previous one), so what is buffered stays under
the limit plus two socket reads; the exact limit is the app's (`RequestSizeLimitMiddleware`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, cast

from starlette.types import ASGIApp
from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from reelhouse.http.middleware import head_too_large_detail
from reelhouse.http.problems import problem
from reelhouse.http.zerocopy import ZeroCopySend, offers_zero_copy


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = 16 * 1024  # set per server by `bounded_httptools`

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False
        self._head_began_now = False
        self._head_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_began_now = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        if offers_zero_copy(self.loop, self.scheme):
            # uvicorn's ASGI types and Starlette's describe the same calls.
            app = cast(ASGI3Application, ZeroCopySend(cast(ASGIApp, app), cycle))
        super()._start_asgi_task(cycle, app)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        if self._head_began_now:
            self._head_began_now = False
            return
        self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes:
            self._refuse_head()

    def _refuse_head(self) -> None:
        status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        refusal = problem(status, head_too_large_detail(self.max_head_bytes))
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            f"content-type: {refusal.media_type}\r\ncontent-length: {len(refusal.body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + bytes(refusal.body))
        self.transport.close()


def bounded_httptools(max_head_bytes: int) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for `uvicorn.run(http=...)`, bounded at `max_head_bytes`."""
    return type(
        "BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"max_head_bytes": max_head_bytes}
    )
