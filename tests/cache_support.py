"""Helpers of the cache tests: settings, and a private redis-server that a test can stop."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from typing import Any

import redis

from reelhouse.config import CacheNamespaceSettings, CacheSettings, RedisSettings
from reelhouse.testing.ports import free_port


def cache_settings(prefix: str, **overrides: Any) -> CacheSettings:
    namespaces = overrides.pop(
        "namespaces", {"test": CacheNamespaceSettings(max_entries=1_000, ttl_s=60.0)}
    )
    values: dict[str, Any] = {
        "key_prefix": prefix,
        "namespaces": namespaces,
        "ttl_jitter": 0.0,
        "pubsub_ping_s": 0.5,
    }
    values.update(overrides)
    return CacheSettings(**values)


def redis_settings(url: str | None, **overrides: Any) -> RedisSettings:
    values: dict[str, Any] = {"url": url, "timeout_s": 0.25, "retry_after_s": 0.2}
    values.update(overrides)
    return RedisSettings(**values)


class PrivateRedis:
    """A redis-server of one test, on a free loopback port, that the test stops and restarts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (scripts/services.sh installs it)")
        self._binary = binary

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        try:
            for _ in range(100):
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"private redis-server on port {self.port} did not start")

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing answers (slow Redis)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
