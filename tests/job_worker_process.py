"""A worker process for the tests: the real `Worker`, with the test handlers registered.

Usage: python job_worker_process.py DATABASE_URL READY_FILE. Job settings come from the
REELHOUSE_JOBS_* environment like any reelhouse process; SIGTERM stops it gracefully.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from job_handlers import register_test_handlers
from reelhouse.config import DatabaseSettings, load_settings
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.worker import Worker, worker_name
from reelhouse.infra.logging import configure_logging


async def main(url: str, ready_file: Path) -> None:
    settings = load_settings()
    configure_logging(settings.log)
    database = Database(create_engine(url, DatabaseSettings()))
    name = worker_name()
    registry = JobRegistry()
    register_test_handlers(registry, database, name)
    worker = Worker(database, registry, settings.jobs, name=name)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, worker.stop)
    await asyncio.to_thread(ready_file.write_text, name)
    try:
        await worker.run()
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
