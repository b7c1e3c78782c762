"""What wraps every route: request ids, request metrics, size limits, gzip and CORS.

All of it is pure ASGI (no `BaseHTTPMiddleware`), so a streamed response (a job's event stream)
passes through as it is produced instead of being buffered.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipMiddleware,
    GZipResponder,
    IdentityResponder,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelhouse.config import HttpSettings
from reelhouse.http.problems import document_problems, problem
from reelhouse.http.zerocopy import ZERO_COPY_SEND
from reelhouse.infra.db.deadline import deadline_in, lift

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode()
_REQUEST_ID_CHARS = re.compile(r"[A-Za-z0-9._:-]+")
#: Methods kept as a label value; any other (a client may send any token) is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: The image uploads (the API's and the admin page's), whose bodies may be larger.
UPLOAD_PATH = re.compile(r"/(?:api|admin)/items/[0-9]+/images/[a-z]+(?:/upload)?", re.IGNORECASE)
#: What a multipart form adds to an uploaded file (its boundaries, headers and CSRF field).
UPLOAD_FORM_BYTES = 64 * 1024
#: The route label of a request no route matched (a 404, a CORS preflight).
UNMATCHED = "unmatched"


class ReelhouseApp(FastAPI):
    """FastAPI with `outer_middleware` wrapped around even Starlette's error middleware, so a
    request that crashes is still counted, logged with its request id and answered with it."""

    def __init__(self, *, outer_middleware: Sequence[Middleware] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outer_middleware = list(outer_middleware)

    def openapi(self) -> dict[str, Any]:
        """The generated document, with the error answers as the problem handlers send them."""
        if self.openapi_schema is None:
            self.openapi_schema = document_problems(super().openapi())
        return self.openapi_schema

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        for cls, args, kwargs in reversed(self.outer_middleware):
            app = cls(app, *args, **kwargs)
        return app


def install_http_middleware(
    app: FastAPI, settings: HttpSettings, *, upload_max_bytes: int | None = None
) -> None:
    """The database deadline, size limits, then gzip, then CORS outermost (so refusals carry
    CORS headers too). Image uploads may be `upload_max_bytes` large (with their form)."""
    app.add_middleware(RequestDeadlineMiddleware, seconds=settings.request_deadline_s)
    app.add_middleware(
        RequestSizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        upload_max_bytes=upload_max_bytes,
    )
    app.add_middleware(
        FileAwareGZipMiddleware,
        minimum_size=settings.gzip_min_bytes,
        # Bytes of no known type (a disc image, say): compressing them is work for nothing.
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/octet-stream"),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER],
        )


class _PassesFiles(IdentityResponder):
    """Starlette's responder, which would drop a zero-copy send (it knows `pathsend` only): a
    body sent from a file goes out as it is, never compressed, and so does the rest of it."""

    passing = False

    async def send_with_compression(self, message: Message) -> None:
        if message["type"] == ZERO_COPY_SEND and not self.passing:
            self.passing = True
            if not (
                self.content_encoding_set or self.partial_response or self.content_type_is_excluded
            ):
                await self.send(self.initial_message)  # held back until the body showed
        if self.passing:
            await self.send(message)
        else:
            await super().send_with_compression(message)


class _GZipPassesFiles(_PassesFiles, GZipResponder):
    pass


class FileAwareGZipMiddleware(GZipMiddleware):
    """Gzip as Starlette does it, but files sent with the zero-copy send extension go through."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or ZERO_COPY_SEND not in scope.get("extensions", {}):
            await super().__call__(scope, receive, send)
            return
        responder: _PassesFiles
        if "gzip" in Headers(scope=scope).get("Accept-Encoding", ""):
            responder = _GZipPassesFiles(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = _PassesFiles(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
        await responder(scope, receive, send)


class RequestIdMiddleware:
    """Every request gets an id: the client's `X-Request-ID` when it is short and plain, else
    a new one. It is bound into every log line of the request and sent back in the response."""

    def __init__(self, app: ASGIApp, *, max_length: int) -> None:
        self.app = app
        self.max_length = max_length

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._from_client(scope) or secrets.token_hex(16)
        header = (_REQUEST_ID_KEY, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)

    def _from_client(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == _REQUEST_ID_KEY:  # ASGI servers lower-case header names
                text: str = value.decode("latin-1")
                if len(text) <= self.max_length and _REQUEST_ID_CHARS.fullmatch(text):
                    return text
                return None
        return None


class HttpMetrics:
    """Requests and their latency by method, route template and status: the template, never
    the path itself, so the number of series stays bounded however many URLs are asked for."""

    def __init__(self, registry: CollectorRegistry) -> None:
        # The full template of each route (with the prefixes of the routers that include it) by
        # the route's id (routes compare by value and are not hashable), learnt at the first
        # request, when every route is in place; the app keeps the routes, so ids stay unique.
        self._templates: dict[int, str] | None = None
        # Each label set's two series, bounded as the labels are.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        labels = ["method", "route", "status"]
        self.requests = Counter(
            "reelhouse_http_requests_total", "HTTP requests answered.", labels, registry=registry
        )
        self.latency = Histogram(
            "reelhouse_http_request_duration_seconds",
            "Seconds from a request's arrival to the end of its response (a stream's whole life).",
            labels,
            registry=registry,
        )

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        route = self._template(scope)
        series = self._series.get((method, route, status))
        if series is None:  # `labels()` checks and converts its arguments on every call
            series = self._series[method, route, status] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route, str(status)),
            )
        requests, latency = series
        requests.inc()
        latency.observe(seconds)

    def _template(self, scope: Scope) -> str:
        route = scope.get("route")  # the route that answered (without its routers' prefixes)
        if route is None:
            return UNMATCHED
        if self._templates is None:
            contexts = iter_route_contexts(scope["app"].routes)
            self._templates = {id(c.original_route): c.path for c in contexts if c.path}
        return self._templates.get(id(route), UNMATCHED)


class HttpMetricsMiddleware:
    """Counts every answered request; one that ends before any answer (the client went away)
    is not counted, having no status."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            if status is not None:
                self.metrics.observe(scope, status, time.perf_counter() - started)


class BodyTooLargeError(HTTPException):
    """Raised from `receive`, so the route's body parsing stops and the problem handler
    answers 413 (FastAPI passes HTTP exceptions through where it wraps others into a 400)."""

    def __init__(self, max_bytes: int, setting: str = "http.max_body_bytes") -> None:
        detail = too_large_detail(max_bytes, setting)
        super().__init__(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, detail)


def too_large_detail(max_bytes: int, setting: str = "http.max_body_bytes") -> str:
    return f"the request body is larger than {max_bytes} bytes (setting {setting})"


def head_too_large_detail(max_bytes: int) -> str:
    return (
        f"the request target and headers are larger than {max_bytes} bytes "
        "(setting http.max_header_bytes)"
    )


class RequestDeadlineMiddleware:
    """Puts each HTTP request's database work under `http.request_deadline_s`
    (`infra/db/deadline.py`) until it starts its answer."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_lifting(message: Message) -> None:
            if message["type"] == "http.response.start":
                lift()  # an event stream or a segment may go on: its reads are not bound
            await send(message)

        with deadline_in(self.seconds):
            await self.app(scope, receive, send_lifting)


class RequestSizeLimitMiddleware:
    """Refuses headers over `max_header_bytes` (431), and a body over `max_body_bytes` (413)
    without reading it: at once by its `Content-Length`, or (chunked) when the bytes streamed
    so far pass the limit. The server bounds what it buffers of headers before this runs.
    An image upload (`UPLOAD_PATH`) may be as large as `upload_max_bytes` and its form."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_header_bytes: int,
        upload_max_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.upload_max_bytes = (
            max(max_body_bytes, upload_max_bytes + UPLOAD_FORM_BYTES)
            if upload_max_bytes is not None
            else max_body_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = len(scope["path"]) + len(scope["query_string"])
        head += sum(len(name) + len(value) for name, value in scope["headers"])
        if head > self.max_header_bytes:
            detail = head_too_large_detail(self.max_header_bytes)
            await problem(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, detail)(scope, receive, send)
            return
        upload = (
            self.upload_max_bytes > self.max_bytes
            and scope["method"] == "POST"
            and UPLOAD_PATH.fullmatch(scope["path"]) is not None
        )
        max_bytes = self.upload_max_bytes if upload else self.max_bytes
        setting = "images.upload_max_bytes" if upload else "http.max_body_bytes"
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            detail = too_large_detail(max_bytes, setting)
            refusal = problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, detail)
            await refusal(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLargeError(max_bytes, setting)
            return message

        await self.app(scope, receive_limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            # The server has already refused a malformed length; a stray one is just not used.
            return int(value) if value.isdigit() else None
    return None
