"""Which items the staleness refresh re-fetches: new releases soonest, running series next,
everything else after the longest wait; unmatched and deleted items never."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.movies.models import Movie
from reelhouse.content.tv.models import Episode, Series
from reelhouse.infra.db.engine import Database
from reelhouse.ingest.pipeline import CONTINUING
from reelhouse.kinds import ItemKind

NOW = datetime(2030, 6, 1, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def test_stale_items_by_age_and_status(database: Database) -> None:
    new, old = date(2030, 5, 20), date(1999, 1, 1)
    rows = {
        "new, fetched 3 days ago": Movie(release_date=new, tmdb_id=1, metadata_refreshed_at=ago(3)),
        "new, fetched today": Movie(release_date=new, tmdb_id=2, metadata_refreshed_at=ago(0.5)),
        "old, 10 days ago": Movie(release_date=old, tmdb_id=3, metadata_refreshed_at=ago(10)),
        "old, 40 days ago": Movie(release_date=old, tmdb_id=4, metadata_refreshed_at=ago(40)),
        "unmatched, never fetched": Movie(),
        "running, fetched 8 days ago": Series(status="Returning Series", tmdb_id=5,
                                              metadata_refreshed_at=ago(8)),
        "ended, 8 days ago": Series(status="Ended", tmdb_id=6, metadata_refreshed_at=ago(8)),
        "deleted, fetched 90 days ago": Movie(tmdb_id=7, metadata_refreshed_at=ago(90),
                                              deleted_at=ago(1)),
        "an episode, fetched 90 days ago": Episode(tmdb_id=8, metadata_refreshed_at=ago(90)),
    }  # fmt: skip
    async with database.transaction() as session:
        for title, item in rows.items():
            item.title = title
            session.add(item)
        await session.flush()
        ids = {item.id: title for title, item in rows.items()}
    async with database.read() as session:
        stale = await AnyItemRepository(session).stale(
            kinds=[ItemKind.MOVIE, ItemKind.SERIES],
            new_since=(NOW - timedelta(days=60)).date(),
            new_before=ago(2),
            continuing=CONTINUING,
            continuing_before=ago(7),
            before=ago(30),
            limit=10,
        )
    # Oldest first, so a batch limit takes the longest-waiting items.
    assert [ids[i] for i in stale] == [
        "old, 40 days ago",
        "running, fetched 8 days ago",
        "new, fetched 3 days ago",
    ]
