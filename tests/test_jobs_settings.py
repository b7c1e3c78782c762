"""Job settings from the environment: per-kind limits, and a heartbeat that fits in the lease."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.config import load_settings
from reelhouse.errors import ConfigError


def test_per_kind_attempt_limits_come_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELHOUSE_JOBS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("REELHOUSE_JOBS_KINDS", '{"scan": {"max_attempts": 2}}')
    jobs = load_settings().jobs
    assert (jobs.max_attempts_for("scan"), jobs.max_attempts_for("enrich")) == (2, 7)


def test_a_heartbeat_slower_than_the_lease_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELHOUSE_JOBS_LEASE_S", "10")
    monkeypatch.setenv("REELHOUSE_JOBS_HEARTBEAT_INTERVAL_S", "10")
    with pytest.raises(ConfigError, match=r"heartbeat_interval_s must be below jobs\.lease_s"):
        load_settings()
