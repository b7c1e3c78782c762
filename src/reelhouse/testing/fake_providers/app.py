"""One Starlette app serving a fake TMDb v3 under `/3` and a fake TheTVDB v4 under `/v4`, and
their image hosts (`/t/p/...` and `/banners/...`, see `images`).

Every answer goes through `Control`: the rate limit (429 + `Retry-After`), latency, counting and
the injected faults. `/_fake/stats`, `/_fake/reset` and `/_fake/configure` steer a running server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from reelhouse.testing.fake_providers import images, tmdb_json, tvdb_json
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.control import Control, FaultConfig, retry_after_header

Handler = Callable[[Request], Awaitable[Any]]


class NotFound(Exception):  # noqa: N818 - the fake's own signal for a 404
    pass


class Unauthorized(Exception):  # noqa: N818 - the fake's own signal for a 401
    pass


class FakeProviders:
    """The fake servers' state: catalogue, control, and the credentials they accept."""

    def __init__(
        self,
        catalogue: Catalogue,
        config: FaultConfig | None = None,
        *,
        tmdb_api_key: str | None = None,
        tvdb_api_key: str | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.control = Control(config)
        self.tmdb_api_key = tmdb_api_key
        self.tvdb_api_key = tvdb_api_key
        self._tokens_issued = 0

    def issue_token(self) -> str:
        self._tokens_issued += 1
        return f"fake-{self.control.token_generation}-{self._tokens_issued}"

    def check_tmdb(self, request: Request) -> None:
        if self.tmdb_api_key is None:
            return
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tmdb_api_key not in (request.query_params.get("api_key"), bearer):
            raise Unauthorized

    def check_tvdb(self, request: Request) -> None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not token.startswith(f"fake-{self.control.token_generation}-"):
            raise Unauthorized


def create_app(fake: FakeProviders) -> Starlette:
    control = fake.control

    def endpoint(name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            path = request.url.path
            fault, retry_after = control.admit(
                name, path, rate_limited=name not in images.CDN_ENDPOINTS
            )
            response = await _respond(request, handler, fault, retry_after)
            control.record(path, response.status_code)
            return response

        return serve

    async def _respond(
        request: Request, handler: Handler, fault: str | None, retry_after: float | None
    ) -> Response:
        config = control.config
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        if fault == "rate_limit":
            return JSONResponse(
                {"status_code": 25, "status_message": "Your request count is over the limit."},
                status_code=429,
                headers={"Retry-After": retry_after_header(retry_after or 1.0)},
            )
        if fault == "rate_limit_bare":  # a 429 that does not say when to come back
            return JSONResponse({"status_code": 25}, status_code=429)
        if fault is not None and fault.startswith("error"):
            status = int(fault.partition(":")[2] or 503)
            headers = (
                {} if retry_after is None else {"Retry-After": retry_after_header(retry_after)}
            )
            return JSONResponse(
                {"status_message": "Internal error."}, status_code=status, headers=headers
            )
        if fault == "timeout":
            await asyncio.sleep(config.hang_s)
        if fault == "redirect_loop":
            return RedirectResponse(str(request.url), status_code=302)
        try:
            payload = await handler(request)
        except NotFound:
            return JSONResponse(
                {"success": False, "status_code": 34, "status_message": "Not found."},
                status_code=404,
            )
        except Unauthorized:
            return JSONResponse(
                {"success": False, "status_code": 7, "status_message": "Invalid API key."},
                status_code=401,
            )
        if isinstance(payload, Response):
            return _binary(payload, fault, config)
        if isinstance(payload, dict) and fault == "huge_id":
            payload = {**payload, "id": 2**64}  # one past what a 64-bit id column holds
        elif isinstance(payload, dict) and fault == "wrong_type":
            payload = {**payload, "id": {"unexpected": "object"}}
        body = json.dumps(payload).encode()
        if fault == "malformed":
            body = b"{'not': json,"
        elif fault == "truncated":
            body = body[: len(body) // 2]
        elif fault == "oversized":
            body = b'{"padding": "' + b"x" * config.oversized_bytes + b'"}'
        return Response(body, media_type="application/json")

    routes = [
        Route(path, endpoint(name, handler), methods=[method])
        for method, path, name, handler in [
            *tmdb_json.routes(fake, NotFound),
            *tvdb_json.routes(fake, NotFound, Unauthorized),
            *images.routes(NotFound),
        ]
    ]

    async def stats(_: Request) -> Response:
        return JSONResponse(control.stats.as_json())

    async def reset(_: Request) -> Response:
        control.reset_stats()
        control.reset_bucket()
        return JSONResponse({"ok": True})

    async def configure(request: Request) -> Response:
        values = await request.json()
        injections = values.pop("inject", [])
        control.configure(**values)
        for injection in injections:
            control.inject(**injection)
        return JSONResponse({"ok": True})

    routes += [
        Route("/_fake/stats", stats),
        Route("/_fake/reset", reset, methods=["POST"]),
        Route("/_fake/configure", configure, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _binary(answer: Response, fault: str | None, config: FaultConfig) -> Response:
    """An image answer, spoilt as asked: HTML instead, cut in half, or too big."""
    body = bytes(answer.body)
    if fault in ("malformed", "not_image"):
        body = b"<!doctype html><title>Not an image</title><p>Try again later.</p>"
    elif fault == "truncated":
        body = body[: len(body) // 2]
    elif fault == "oversized":  # streamed without a length: only counting stops it
        return StreamingResponse(_padding(config.oversized_bytes), media_type=answer.media_type)
    return Response(body, media_type=answer.media_type)


async def _padding(size: int) -> AsyncIterator[bytes]:
    chunk = b"\xff" * 65_536
    for start in range(0, size, len(chunk)):
        yield chunk[: size - start]
