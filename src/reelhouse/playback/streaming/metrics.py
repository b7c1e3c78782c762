"""Prometheus metrics of streaming, labelled by mode (direct, remux, transcode: a fixed set)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Encoder speeds (times real time) the histogram tells apart: below 1 a player stalls.
SPEED_BUCKETS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)


class StreamingMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.started = Counter(
            "reelhouse_playback_sessions_total",
            "Playbacks planned, by mode: direct play, or an HLS session that remuxes or "
            "transcodes.",
            ["mode"],
            registry=self.registry,
        )
        self.active = Gauge(
            "reelhouse_stream_sessions_active",
            "HLS sessions this process holds, by mode.",
            ["mode"],
            registry=self.registry,
        )
        self.speed = Histogram(
            "reelhouse_encoder_speed",
            "ffmpeg's speed (times real time) when it finishes a segment, by mode.",
            ["mode"],
            buckets=SPEED_BUCKETS,
            registry=self.registry,
        )
        self.segments = Counter(
            "reelhouse_stream_segments_total",
            "HLS segments ffmpeg made, by mode.",
            ["mode"],
            registry=self.registry,
        )
        self.failures = Counter(
            "reelhouse_ffmpeg_failures_total",
            "ffmpeg runs of HLS sessions that failed, by mode.",
            ["mode"],
            registry=self.registry,
        )
        self.refused = Counter(
            "reelhouse_stream_sessions_refused_total",
            "HLS sessions refused because every slot was taken.",
            registry=self.registry,
        )
        self.folder_bytes = Gauge(
            "reelhouse_transcode_folder_bytes",
            "Bytes of finished segments in this process's transcode folder.",
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 when never set), for tests and diagnostics."""
        return self.registry.get_sample_value(name, labels) or 0.0
