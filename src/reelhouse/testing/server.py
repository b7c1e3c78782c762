"""Run an ASGI app under uvicorn on a loopback port, in a background thread: for tests whose
clients (a browser, another process) need a real HTTP server."""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import Literal, Self

import uvicorn
from starlette.types import ASGIApp


class ThreadedServer:
    """`with ThreadedServer(app) as server:` serves `app` at `server.url` until the block ends;
    with `lifespan="on"` the app starts (and stops) as under `reelhouse serve`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        lifespan: Literal["on", "off"] = "off",
        name: str = "test-server",
        stop_timeout_s: float = 10.0,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=1, lifespan=lifespan
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stop_timeout_s = stop_timeout_s

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def __enter__(self) -> Self:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"{self._thread.name} did not start")
            self._thread.join(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(self._stop_timeout_s)
        self._socket.close()
