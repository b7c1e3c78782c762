"""What the fake servers do besides answering: pace, count, and misbehave on demand."""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

FAULTS = (
    "error",
    "rate_limit",
    "rate_limit_bare",
    "timeout",
    "malformed",
    "truncated",
    "oversized",
    "redirect_loop",
    "huge_id",
    "wrong_type",
    "not_image",
)


@dataclass
class ScriptedFault:
    """The next `times` requests whose path matches `path` get `fault` (`error`: with HTTP
    `status`). `retry_after` is the `Retry-After` of a `rate_limit` (1 s unless given) or of an
    `error` (none unless given)."""

    path: str
    fault: str
    times: int = 1
    status: int = 503
    retry_after: float | None = None

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; one of {', '.join(FAULTS)}")


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    rate_limit_per_s: float | None = None
    burst: float | None = None
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    hang_s: float = 30.0
    #: A regular expression: when set, the random faults above hit only the paths it matches
    #: (`^/t/p/`: TMDb's image host), the rest of the server answers well.
    fault_path: str | None = None
    oversized_bytes: int = 12 * 1024 * 1024
    tvdb_page_size: int = 500
    seed: int = 0


@dataclass
class Stats:
    requests: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    ok_by_path: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    logins: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_endpoint": dict(self.by_endpoint),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "faults": dict(self.faults),
            "rate_limited": self.rate_limited,
            "logins": self.logins,
            "max_ok_per_path": max(self.ok_by_path.values(), default=0),
        }


class Control:
    """Shared by the routes of one fake server; thread-safe so tests can steer a running server."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self.stats = Stats()
        self.script: deque[ScriptedFault] = deque()
        self.token_generation = 0
        self._lock = threading.Lock()
        self._random = random.Random(self.config.seed)
        self._tokens = 0.0
        self._refilled = time.monotonic()
        self.reset_bucket()

    def reset_bucket(self) -> None:
        with self._lock:
            self._tokens = self._capacity()
            self._refilled = time.monotonic()

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = Stats()

    def configure(self, **values: Any) -> None:
        with self._lock:
            for name, value in values.items():
                if not hasattr(self.config, name):
                    raise ValueError(f"unknown fake setting {name!r}")
                setattr(self.config, name, value)
            self._random = random.Random(self.config.seed)
        self.reset_bucket()

    def inject(
        self,
        path: str,
        fault: str,
        times: int = 1,
        status: int = 503,
        retry_after: float | None = None,
    ) -> None:
        with self._lock:
            self.script.append(ScriptedFault(path, fault, times, status, retry_after))

    def expire_tokens(self) -> None:
        """Every TheTVDB token issued so far stops working (the next request gets 401)."""
        with self._lock:
            self.token_generation += 1

    def admit(
        self, endpoint: str, path: str, *, rate_limited: bool = True
    ) -> tuple[str | None, float | None]:
        """Count a request and decide its fate: (fault or None, seconds for a Retry-After, None
        for none)."""
        with self._lock:
            self.stats.requests += 1
            self.stats.by_endpoint[endpoint] += 1
            wait = self._take_token() if rate_limited else 0.0
            if wait > 0:
                self.stats.rate_limited += 1
                return "rate_limit", wait
            fault, retry_after = self._scripted(path) or (self._random_fault(path), None)
            if fault:
                self.stats.faults[fault] += 1
            if fault == "rate_limit" and retry_after is None:
                retry_after = 1.0
            return fault, retry_after

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self.stats.by_status[status] += 1
            if status == 200:
                self.stats.ok_by_path[path] += 1

    def _capacity(self) -> float:
        rate = self.config.rate_limit_per_s
        return 0.0 if rate is None else max(1.0, self.config.burst or rate)

    def _take_token(self) -> float:
        rate = self.config.rate_limit_per_s
        if rate is None:
            return 0.0
        now = time.monotonic()
        self._tokens = min(self._capacity(), self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / rate

    def _scripted(self, path: str) -> tuple[str, float | None] | None:
        for rule in self.script:
            if re.search(rule.path, path):
                rule.times -= 1
                if rule.times <= 0:
                    self.script.remove(rule)
                fault = rule.fault if rule.fault != "error" else f"error:{rule.status}"
                return fault, rule.retry_after
        return None

    def _random_fault(self, path: str) -> str | None:
        config = self.config
        if config.fault_path is not None and not re.search(config.fault_path, path):
            return None
        roll = self._random.random()
        for fault, rate in (
            ("error", config.error_rate),
            ("rate_limit", config.rate_limit_rate),
            ("timeout", config.timeout_rate),
            ("malformed", config.malformed_rate),
        ):
            if roll < rate:
                return fault
            roll -= rate
        return None


def retry_after_header(seconds: float) -> str:
    """Delay-seconds is an integer (RFC 9110), so round up: never invite a request too early."""
    return str(max(1, math.ceil(seconds)))
