"""Background work: the job queue and its workers, and library scans."""

from __future__ import annotations

from pydantic import Field, model_validator

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class JobKindSettings(Section):
    max_attempts: PositiveInt = Field(description="Attempts before a job of this kind fails.")


def _default_job_kinds() -> dict[str, JobKindSettings]:
    provider_work = ("catalogue.enrich", "catalogue.refresh", "catalogue.artwork")
    return {kind: JobKindSettings(max_attempts=12) for kind in provider_work}


class JobsSettings(Section):
    concurrency: PositiveInt = Field(4, description="Jobs one worker process runs at once.")
    lease_s: PositiveFloat = Field(
        60.0, description="Seconds a claimed job stays owned without a heartbeat."
    )
    heartbeat_interval_s: PositiveFloat = Field(
        15.0,
        description="Seconds between lease renewals of a running job; must be below `lease_s`.",
    )
    poll_interval_s: PositiveFloat = Field(1.0, description="Seconds between idle queue polls.")
    cancel_poll_interval_s: PositiveFloat = Field(
        2.0,
        description="Seconds between reads of a running job's cancel request and lease, between "
        "its heartbeats: how soon a cancel (or a lease taken over) stops its provider requests "
        "and waits.",
    )
    progress_flush_interval_s: PositiveFloat = Field(
        2.0,
        description="Seconds between writes of a running job's progress (checkpoints and the "
        "end of a job always write it).",
    )
    max_attempts: PositiveInt = Field(
        5, description="Attempts before a job fails, unless `kinds` says otherwise."
    )
    kinds: dict[str, JobKindSettings] = Field(
        default_factory=_default_job_kinds,
        description='Per-kind overrides, e.g. `{"jobs.prune": {"max_attempts": 2}}`. By default '
        "the jobs that call providers retry for about eleven hours of backoff, so a provider "
        "outage delays them instead of failing them.",
    )
    retry_backoff_base_s: PositiveFloat = Field(
        10.0, description="Delay before the first retry; it doubles with each further attempt."
    )
    retry_backoff_max_s: PositiveFloat = Field(
        3_600.0, description="Longest delay between two attempts of a job."
    )
    retry_jitter: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Fraction of a retry delay that is random, so jobs failing together do "
        "not retry together.",
    )
    shutdown_grace_s: float = Field(
        30.0,
        ge=0,
        description="Seconds a stopping worker lets running jobs reach their next checkpoint "
        "before it interrupts them; interrupted jobs go back to the queue.",
    )
    retention_s: PositiveInt = Field(
        7 * 86_400, description="Seconds finished jobs are kept before `jobs.prune` deletes them."
    )
    prune_interval_s: int = Field(
        86_400, ge=0, description="Seconds between periodic `jobs.prune` runs (0 = never)."
    )
    prune_batch_size: PositiveInt = Field(
        1_000, description="Finished jobs `jobs.prune` deletes per transaction."
    )

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> JobsSettings:
        if self.heartbeat_interval_s >= self.lease_s:
            raise ValueError("jobs.heartbeat_interval_s must be below jobs.lease_s")
        return self

    def max_attempts_for(self, kind: str) -> int:
        override = self.kinds.get(kind)
        return override.max_attempts if override else self.max_attempts


class ScanSettings(Section):
    full_scan_interval_s: int = Field(
        6 * 3_600, ge=0, description="Seconds between periodic full library scans (0 = never)."
    )
    watch: bool = Field(True, description="Watch library folders and rescan what changes.")
    watch_refresh_s: PositiveFloat = Field(
        60.0, description="Seconds between reloads of the set of watched library folders."
    )
    watch_max_folders: PositiveInt = Field(
        100,
        description="Folders of one library changed in one burst above which a watched change "
        "becomes a full scan of the library.",
    )
    debounce_ms: PositiveInt = Field(
        2_000, description="Quiet time before watched changes become a scan."
    )
    missing_grace_s: int = Field(
        30 * 86_400,
        ge=0,
        description="Seconds a file stays recorded as missing (a disk may come back) before the "
        "cleanup forgets it; its item stays.",
    )
    cleanup_interval_s: int = Field(
        86_400, ge=0, description="Seconds between cleanups of long-missing files (0 = never)."
    )
    write_batch: PositiveInt = Field(
        1_000,
        description="New or changed files identified and written per transaction during a scan.",
    )
    ignore_file_max_bytes: PositiveInt = Field(
        1024 * 1024,
        description="Largest `.ignore` / `.plexignore` file read; a larger one (or one that is "
        "not a regular file: a FIFO, a link to a device) is skipped and reported as a scan "
        "problem.",
    )
    follow_symlinks_outside_roots: bool = Field(
        False,
        description="Index and serve files reached through a symbolic link that leads out of "
        "every folder of their library (a film linked in from another disk). Off: such a "
        "file is skipped and reported as a scan problem, and a stored file that now leads "
        "out is never served (direct play, streaming, subtitles).",
    )
