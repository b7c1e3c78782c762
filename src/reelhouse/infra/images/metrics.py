"""Prometheus metrics of the image store: fetches by outcome, files written by kind."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from reelhouse.errors import (
    DomainError,
    NotFoundError,
    RateLimitedError,
    UpstreamUnavailableError,
)


class ImageMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.fetches = Counter(
            "reelhouse_image_fetches_total",
            "Image fetches by outcome: ok, not_found, unavailable, rate_limited, refused "
            "(a bad image or URL) or error (the disk, a bug).",
            ["outcome"],
            registry=self.registry,
        )
        self.retries = Counter(
            "reelhouse_image_fetch_retries_total",
            "Image download attempts after the first (5xx, timeouts, connection errors, 429s).",
            registry=self.registry,
        )
        self.written = Counter(
            "reelhouse_image_files_written_total",
            "Files the image store wrote: originals, or resized copies (variants).",
            ["kind"],
            registry=self.registry,
        )


def fetch_outcome(exc: BaseException) -> str:
    """The `outcome` label of a fetch that raised `exc`."""
    for error_type, outcome in (
        (NotFoundError, "not_found"),
        (RateLimitedError, "rate_limited"),
        (UpstreamUnavailableError, "unavailable"),
        (DomainError, "refused"),
    ):
        if isinstance(exc, error_type):
            return outcome
    return "error"
