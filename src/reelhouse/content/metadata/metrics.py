"""Prometheus metrics of the provider clients, labelled by provider (a short, fixed set).

They register in the registry the app serves at `/metrics` (one per app, so that several apps or
test clients in one process do not collide); without one they get a private registry.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ProviderMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "reelhouse_provider_requests_total",
            "Upstream provider requests by outcome (HTTP status or failure kind).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "reelhouse_provider_request_seconds",
            "Upstream provider request latency.",
            ["provider"],
            registry=self.registry,
        )
        self.retries = Counter(
            "reelhouse_provider_retries_total",
            "Retried provider requests.",
            ["provider"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "reelhouse_provider_rate_limited_total",
            "429 answers from providers.",
            ["provider"],
            registry=self.registry,
        )
        self.breaker_state = Gauge(
            "reelhouse_provider_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
            ["provider"],
            registry=self.registry,
        )
        self.cache = Counter(
            "reelhouse_provider_cache_total",
            "Provider answers served from the cache (hit) or fetched (miss).",
            ["provider", "result"],
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 when never set), for tests and diagnostics."""
        return self.registry.get_sample_value(name, labels) or 0.0
