"""Running the whole server against the fake providers, for the pipeline tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reelhouse.config import AuthSettings, DatabaseSettings, Settings
from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.infra.jobs.models import ACTIVE_STATES
from reelhouse.libraries.models import MediaFile
from tests.jobs_support import eventually, fast_settings
from tests.support import FAST_HASHING, NO_PERIODIC_SCAN, Api, bearer, running_api


def pipeline_settings(
    provider_settings: Callable[..., Settings],
    database_url: str,
    data_dir: Path,
    *,
    providers: dict[str, Any] | None = None,
    **sections: Any,
) -> Settings:
    """The fakes' provider settings (with `providers` overrides), with this test's database,
    data and quick job polling."""
    return provider_settings(**(providers or {})).model_copy(
        update={
            "data_dir": data_dir,
            "database": DatabaseSettings(url=database_url),
            "auth": AuthSettings(**FAST_HASHING),  # type: ignore[arg-type]
            "jobs": fast_settings(),
            "scan": NO_PERIODIC_SCAN,
            **sections,
        }
    )


@asynccontextmanager
async def running_server(settings: Settings) -> AsyncIterator[tuple[Api, dict[str, str]]]:
    """The app with its workers, and an admin's authorization header."""
    async with running_api(settings) as api:
        yield api, bearer(await api.token_for("admin", is_admin=True))


async def add_library(api: Api, token: dict[str, str], name: str, kind: str, *roots: Path) -> int:
    response = await api.client.post(
        "/api/libraries",
        json={"name": name, "kind": kind, "paths": [str(r) for r in roots]},
        headers=token,
    )
    assert response.status_code == 201, response.text
    library_id: int = response.json()["id"]
    return library_id


async def settled(api: Api, within_s: float = 120.0) -> list[Any]:
    """Wait until no job is queued or running; the jobs, newest first."""

    async def idle() -> list[Any] | None:
        jobs = await api.services.jobs.list_jobs(limit=200)
        return None if any(j.state in ACTIVE_STATES for j in jobs) else jobs

    jobs: list[Any] = await eventually(idle, within_s=within_s, what="the pipeline to settle")
    return jobs


@dataclass(frozen=True)
class Stored:
    """Where the pipeline put a file: its id, and the id of the item it plays (and its series)."""

    file_id: int
    item_id: int
    series_id: int | None


async def stored_files(api: Api) -> dict[str, Stored]:
    """Every linked file of the catalogue by its path."""
    async with api.services.users.database.read() as session:
        rows = (
            await session.execute(
                select(MediaFile.path, MediaFile.id, Item.id, Item.series_id)
                .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
                .join(Item, Item.id == MediaFileItem.item_id)
            )
        ).all()
    return {path: Stored(file_id, item_id, series) for path, file_id, item_id, series in rows}


def touch(path: Path, content: bytes = b"") -> None:
    """A file (empty unless said), with its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def pipeline_process_env(fake_url: str) -> dict[str, str]:
    """What a `reelhouse` process running the pipeline in a test needs besides its database:
    the fake providers, no watcher and no periodic scan, small enrichment batches."""
    return {
        "REELHOUSE_TMDB_BASE_URL": f"{fake_url}/3",
        "REELHOUSE_TMDB_API_KEY": "test-tmdb-key",
        "REELHOUSE_TMDB_RATE_LIMIT_PER_S": "1000",
        "REELHOUSE_TVDB_BASE_URL": f"{fake_url}/v4",
        "REELHOUSE_TVDB_API_KEY": "test-tvdb-key",
        "REELHOUSE_TVDB_RATE_LIMIT_PER_S": "1000",
        "REELHOUSE_SCAN_WATCH": "false",
        "REELHOUSE_SCAN_FULL_SCAN_INTERVAL_S": "0",
        "REELHOUSE_ENRICHMENT_CONCURRENCY": "2",
        "REELHOUSE_ENRICHMENT_CHECKPOINT_EVERY": "2",
        "REELHOUSE_ENRICHMENT_REFRESH_INTERVAL_S": "0",
    }
