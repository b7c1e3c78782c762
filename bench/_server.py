"""`reelhouse serve` as a subprocess for the benchmarks: started on a free port with only the
`REELHOUSE_*` settings it is given, an initial admin, and its CPU and memory measured."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from reelhouse.testing.ports import free_port

ADMIN = "admin"
PASSWORD = "benchmark password"  # noqa: S105 - a throw-away account


class Server:
    """`reelhouse serve` in a subprocess, on a free port, with only `REELHOUSE_*` env it sets."""

    def __init__(self, data: Path, database_url: str, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REELHOUSE_")}
        self.env.update(
            {
                "REELHOUSE_DATA_DIR": str(data),
                "REELHOUSE_DATABASE_URL": database_url,
                "REELHOUSE_SERVER_PORT": str(self.port),
                "REELHOUSE_SERVER_RUN_WORKERS": "false",
                "REELHOUSE_SCAN_WATCH": "false",
                "REELHOUSE_SCAN_FULL_SCAN_INTERVAL_S": "0",
                "REELHOUSE_LOG_LEVEL": "warning",
                "REELHOUSE_AUTH_INITIAL_ADMIN_USERNAME": ADMIN,
                "REELHOUSE_AUTH_INITIAL_ADMIN_PASSWORD": PASSWORD,
                "REELHOUSE_AUTH_PASSWORD_HASH_ITERATIONS": "1",
                "REELHOUSE_AUTH_PASSWORD_HASH_MEMORY_KIB": "1024",
                **extra_env,
            }
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reelhouse", "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def cpu_s(self) -> float:
        """CPU seconds of the server and its children (uvicorn's workers, if any)."""
        assert self.process is not None
        main = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [main, *main.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
