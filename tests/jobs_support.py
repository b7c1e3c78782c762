"""Helpers shared by the job queue tests: a settable clock, fast settings, polling, test tables."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from reelhouse.config import JobsSettings
from reelhouse.infra.db.engine import Database

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

#: Short intervals so tests finish quickly; correctness never depends on them.
FAST = {
    "poll_interval_s": 0.02,
    "heartbeat_interval_s": 0.2,
    "lease_s": 5.0,
    "progress_flush_interval_s": 0.05,
    "retry_backoff_base_s": 0.01,
    "retry_backoff_max_s": 0.05,
    "shutdown_grace_s": 5.0,
}


def fast_settings(**overrides: Any) -> JobsSettings:
    return JobsSettings(**{**FAST, **overrides})


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within_s: float = 60.0, what: str = "condition"
) -> Any:
    """Poll `check` until it returns something truthy; fail after a generous bound."""
    deadline = time.monotonic() + within_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s} s")
        await asyncio.sleep(0.02)


#: Tables the test handlers write to: what ran, and the results of batch items.
TEST_TABLES = (
    "CREATE TABLE test_executions (job_id BIGINT NOT NULL, worker TEXT NOT NULL)",
    "CREATE TABLE test_results (tag TEXT NOT NULL, item INTEGER NOT NULL, value BIGINT NOT NULL,"
    " PRIMARY KEY (tag, item))",
    "CREATE TABLE test_processed (tag TEXT NOT NULL, item INTEGER NOT NULL,"
    " attempt INTEGER NOT NULL)",
)


async def create_test_tables(database: Database) -> None:
    async with database.transaction() as session:
        for statement in TEST_TABLES:
            await session.execute(text(statement))


async def rows(database: Database, query: str, **params: Any) -> list[tuple[Any, ...]]:
    """A query's rows (reads only; on SQLite, a read takes no write lock)."""
    async with database.read() as session:
        return [tuple(row) for row in await session.execute(text(query), params)]


class WorkerProcess:
    """A real worker process (tests/job_worker_process.py) on the test's database."""

    SCRIPT = Path(__file__).with_name("job_worker_process.py")

    def __init__(self, url: str, directory: Path, name: str, **jobs_settings: Any) -> None:
        self.url = url
        self.ready = directory / f"{name}.ready"
        self.log = directory / f"{name}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REELHOUSE_")}
        self.env["REELHOUSE_DATA_DIR"] = str(directory / "data")
        self.env["REELHOUSE_LOG_FORMAT"] = "json"
        settings = {**FAST, "lease_s": 2.0, "heartbeat_interval_s": 0.3, **jobs_settings}
        for key, value in settings.items():
            self.env[f"REELHOUSE_JOBS_{key.upper()}"] = str(value)
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, command: Sequence[str] | None = None) -> WorkerProcess:
        argv = command or (sys.executable, str(self.SCRIPT), self.url, str(self.ready))
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *argv, env=self.env, stdout=log, stderr=log
            )
        if command is None:
            await eventually(self._is_ready, what=f"worker {self.ready.stem} starting")
        return self

    async def _is_ready(self) -> bool:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
        return self.ready.exists()

    @property
    def name(self) -> str:
        return self.ready.read_text()

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            raise

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
