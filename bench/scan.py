"""Library scan throughput on SQLite and PostgreSQL, printed as JSON.

Writes a synthetic library of empty files (``reelhouse.testing.library``) into a temporary
folder, then measures next to a bare ``os.walk`` + ``stat`` of the same tree: the first scan
(walk + identify + store) and an unchanged rescan. Run:
``python bench/scan.py [--files N] [--postgres-url URL] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from reelhouse.config import DatabaseSettings, ScanSettings
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.libraries.scan import LibraryScanner
from reelhouse.testing.library import generate_library, write_library

# The generator's top folders, as a user would make them two libraries.
LIBRARIES = {LibraryKind.MOVIES: ("Movies", "Downloads"), LibraryKind.TV: ("TV", "Anime")}


def bare_walk(root: Path) -> float:
    start = time.perf_counter()
    for folder, _, names in os.walk(root):
        for name in names:
            os.stat(os.path.join(folder, name))
    return time.perf_counter() - start


async def _admin(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
    )


async def measure(url: str, root: Path) -> dict[str, Any]:
    database = Database(create_engine(url, DatabaseSettings()))
    try:
        await migrate.upgrade(database)
        ids = []
        async with database.transaction() as session:
            for kind, folders in LIBRARIES.items():
                roots = [str(root / folder) for folder in folders]
                ids.append((await LibraryRepository(session).add(kind, kind, roots)).id)
        scanner = LibraryScanner(database, ScanSettings())
        start = time.perf_counter()
        first = [await scanner.scan(library_id) for library_id in ids]
        first_s = time.perf_counter() - start
        rescan_s = float("inf")
        for _ in range(3):  # best of three, like the bare walk it is compared with
            start = time.perf_counter()
            again = [await scanner.scan(library_id) for library_id in ids]
            rescan_s = min(rescan_s, time.perf_counter() - start)
    finally:
        await database.close()
    seen = sum(r.progress.files_seen for r in first)
    return {
        "files_stored": sum(r.progress.new for r in first),
        "first_scan_s": round(first_s, 3),
        "first_scan_files_per_s": round(seen / first_s),
        "rescan_s": round(rescan_s, 3),
        "rescan_unchanged": sum(r.progress.unchanged for r in again),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"files_generated": args.files}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "library"
        write_library(root, generate_library(args.files, seed=args.seed))
        walk_s = min(bare_walk(root) for _ in range(3))
        out["bare_walk_stat_s"] = round(walk_s, 3)
        for backend in args.backends.split(","):
            if backend == "sqlite":
                result = await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", root)
            else:
                name = f"reelhouse_bench_{uuid.uuid4().hex[:10]}"
                admin = await _admin(args.postgres_url)
                try:
                    await admin.execute(f'CREATE DATABASE "{name}"')
                    url = make_url(args.postgres_url).set(database=name)
                    result = await measure(url.render_as_string(hide_password=False), root)
                finally:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    await admin.close()
            result["rescan_vs_bare_walk"] = round(result["rescan_s"] / walk_s, 2)
            out[backend] = result
    out["targets"] = {"rescan_vs_bare_walk_at_most": 3, "first_scan_files_per_s_at_least": 2000}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "REELHOUSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
