"""The fake TMDb / TheTVDB as a process for the benchmarks, started and waited for."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx


def start_fake(
    port: int,
    *,
    movies: int,
    series: int,
    latency_ms: float,
    rate_limit: float,
    fault_rate: float = 0.0,
    rate_limit_fault_rate: float = 0.0,
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "reelhouse.testing.fake_providers",
        "--host", "127.0.0.1", "--port", str(port),
        "--movies", str(movies), "--series", str(series),
        "--latency-ms", str(latency_ms), "--rate-limit", str(rate_limit),
        "--fault-rate", str(fault_rate), "--rate-limit-fault-rate", str(rate_limit_fault_rate),
    ]  # fmt: skip
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_fake/stats", timeout=0.5)
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.1)
        else:
            return process
