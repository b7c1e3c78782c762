"""Prometheus metrics of the cache.

Hot-path counts (hits, misses) are plain integers that a collector reads at scrape time, so a hit
costs no lock; latencies are ordinary histograms. Everything is registered in the registry given to
the cache (the app's registry, see `reelhouse.app`), or in a private one when none is given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from reelhouse.infra.cache.l1 import L1Store

LOADER_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DELAY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class NamespaceCounts:
    """Counters of one namespace, bumped on the hot path without locks."""

    __slots__ = ("bypassed", "l1_hits", "l1_misses", "l2_hits", "l2_misses", "stale_fills")

    def __init__(self) -> None:
        self.bypassed = 0
        self.l1_hits = 0
        self.l1_misses = 0
        self.l2_hits = 0
        self.l2_misses = 0
        self.stale_fills = 0


class CacheMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.namespaces: dict[str, NamespaceCounts] = {}
        self.invalidations_sent = 0
        self.invalidations_received = 0
        self.l2_errors = 0
        self.pubsub_reconnects = 0
        self.lock_wait_timeouts = 0
        self.lost_invalidations = 0
        self.l2_up: Callable[[], bool] = lambda: False
        self.invalidations_heard: Callable[[], bool] = lambda: True
        self.stores: Mapping[str, L1Store] = {}
        self.loader_seconds = Histogram(
            "reelhouse_cache_loader_seconds",
            "Time spent in loader calls on a cache miss.",
            ["namespace"],
            buckets=LOADER_BUCKETS,
            registry=self.registry,
        )
        self.invalidation_delay = Histogram(
            "reelhouse_cache_invalidation_delay_seconds",
            "Delay from an invalidation in another process to its arrival here.",
            buckets=DELAY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Collector(self))

    def namespace(self, name: str) -> NamespaceCounts:
        counts = self.namespaces.get(name)
        if counts is None:
            counts = self.namespaces[name] = NamespaceCounts()
        return counts


class _Collector(Collector):
    def __init__(self, metrics: CacheMetrics) -> None:
        self._metrics = metrics

    def describe(self) -> list[Metric]:
        return []  # collected lazily; nothing to check for duplicates at registration

    def collect(self) -> Iterator[Metric]:
        m = self._metrics
        requests = CounterMetricFamily(
            "reelhouse_cache_requests",
            "Cache lookups by tier, namespace and result (hit or miss).",
            labels=["tier", "namespace", "result"],
        )
        stale = CounterMetricFamily(
            "reelhouse_cache_stale_fills",
            "Fills not stored because an invalidation raced them.",
            labels=["namespace"],
        )
        bypassed = CounterMetricFamily(
            "reelhouse_cache_bypassed",
            "Reads of a namespace that requires invalidation sent to the loader because this "
            "process could not hear invalidations (Redis or the invalidation channel down).",
            labels=["namespace"],
        )
        grouped: dict[str, NamespaceCounts] = defaultdict(NamespaceCounts)
        grouped.update(m.namespaces)
        for name, counts in sorted(grouped.items()):
            requests.add_metric(["l1", name, "hit"], counts.l1_hits)
            requests.add_metric(["l1", name, "miss"], counts.l1_misses)
            requests.add_metric(["l2", name, "hit"], counts.l2_hits)
            requests.add_metric(["l2", name, "miss"], counts.l2_misses)
            stale.add_metric([name], counts.stale_fills)
            bypassed.add_metric([name], counts.bypassed)
        yield requests
        yield stale
        yield bypassed
        evictions = CounterMetricFamily(
            "reelhouse_cache_evictions",
            "Entries the L1 evicted to stay within its bound.",
            labels=["namespace"],
        )
        entries = GaugeMetricFamily(
            "reelhouse_cache_entries", "Entries in the L1.", labels=["namespace"]
        )
        capacity = GaugeMetricFamily(
            "reelhouse_cache_max_entries", "Bound of the L1.", labels=["namespace"]
        )
        for name, store in sorted(m.stores.items()):
            evictions.add_metric([name], store.evictions)
            entries.add_metric([name], len(store))
            capacity.add_metric([name], store.max_entries)
        yield evictions
        yield entries
        yield capacity
        for metric_name, doc, value in (
            ("invalidations_sent", "Invalidation messages sent.", m.invalidations_sent),
            (
                "invalidations_received",
                "Invalidation messages received from other processes.",
                m.invalidations_received,
            ),
            ("l2_errors", "Failed or timed-out Redis calls.", m.l2_errors),
            (
                "pubsub_reconnects",
                "Reconnections of the invalidation channel.",
                m.pubsub_reconnects,
            ),
            (
                "lock_wait_timeouts",
                "Waits for another process's fill that ran out and loaded here instead.",
                m.lock_wait_timeouts,
            ),
            (
                "lost_invalidations",
                "Invalidations dropped while Redis was down (L1s cleared at recovery instead).",
                m.lost_invalidations,
            ),
        ):
            yield CounterMetricFamily(f"reelhouse_cache_{metric_name}", doc, value=value)
        yield GaugeMetricFamily(
            "reelhouse_cache_l2_up",
            "1 while Redis answers, 0 while the cache runs on the L1 only.",
            value=1 if m.l2_up() else 0,
        )
        yield GaugeMetricFamily(
            "reelhouse_cache_invalidations_heard",
            "1 while this process hears every invalidation (no Redis, or Redis answering and "
            "the channel subscribed), 0 while the namespaces that require it bypass the L1.",
            value=1 if m.invalidations_heard() else 0,
        )
