"""A large catalogue seeded straight through the repositories, for the benchmarks.

`seed_movies` fills a movie library (what `web_page.py` measures); `seed_library` adds series,
seasons and episodes, people with credits and, given an image store, stored posters, up to
`items` rows of the items table. `seed_files` gives every movie and episode a present file
(what Continue Watching and Next Up offer), `seed_images` any items an image. Titles are two
words of a fixed vocabulary and a number, so searches for a word pair find a few hundred
candidates, as in a real library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select

from reelhouse.config import DatabaseSettings, ImagesSettings, Settings
from reelhouse.content.catalogue.models import CreditRole, Image, ImageKind, MediaFileItem
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository, PersonInput
from reelhouse.content.movies.models import Movie
from reelhouse.content.tv.models import Episode, Season, Series
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.images import ImageStore
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.models import FileState, MediaFile
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.server import LOOPBACK

BATCH = 5_000


def seeding_settings(database_url: str, data: Path) -> Settings:
    """The settings a seeding uses: the image store may fetch from the fake providers, which
    serve on loopback (outbound requests go to public addresses only, unless allowed)."""
    return Settings(
        data_dir=data,
        database=DatabaseSettings(url=database_url),
        images=ImagesSettings(allowed_networks=LOOPBACK),
    )


ADJECTIVES = (
    "silent", "crimson", "hidden", "broken", "golden", "last", "frozen", "wild", "dark",
    "bright", "lost", "burning", "quiet", "iron", "velvet", "hollow", "electric", "distant",
    "savage", "gentle", "midnight", "shattered", "endless", "secret", "northern",
)  # fmt: skip
NOUNS = (
    "river", "empire", "garden", "horizon", "machine", "kingdom", "harbor", "mirror", "forest",
    "signal", "desert", "winter", "island", "station", "shadow", "voyage", "city", "promise",
    "frontier", "orchard", "lantern", "citadel", "echo", "tide", "compass",
)  # fmt: skip
SEASONS_PER_SERIES = 3
EPISODES_PER_SEASON = 20
CREDITS_PER_MOVIE = 4


def title(n: int) -> str:
    """The `n`th title: every adjective-noun pair in turn, then a number that makes it unique."""
    pair = n % (len(ADJECTIVES) * len(NOUNS))
    adjective, noun = ADJECTIVES[pair % len(ADJECTIVES)], NOUNS[pair // len(ADJECTIVES)]
    return f"{adjective.title()} {noun.title()} {n}"


def search_terms() -> list[str]:
    """Every adjective-noun pair, as a user would type it."""
    return [f"{adjective} {noun}" for noun in NOUNS for adjective in ADJECTIVES]


@dataclass
class SeededLibrary:
    movie_library_id: int
    tv_library_id: int | None = None
    movie_ids: list[int] = field(default_factory=list)
    series_ids: list[int] = field(default_factory=list)
    episode_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    items: int = 0
    credits: int = 0
    with_poster: list[int] = field(default_factory=list)


async def seed_movies(database: Database, library_id: int, count: int, start: int = 0) -> list[int]:
    """`count` movies in the library, in transactions of `BATCH`; their ids in order."""
    ids: list[int] = []
    for first in range(start, start + count, BATCH):
        async with database.transaction() as session:
            movies = [
                Movie(
                    library_id=library_id,
                    title=title(n),
                    year=1930 + n % 95,
                    community_rating=(n % 100) / 10,
                    runtime_minutes=80 + n % 70,
                    overview=f"A film about the {NOUNS[n % len(NOUNS)]} and a {ADJECTIVES[n % 7]} "
                    "stranger.",
                )
                for n in range(first, min(start + count, first + BATCH))
            ]
            session.add_all(movies)
            await session.flush()
            ids.extend(movie.id for movie in movies)
    return ids


async def movie_library(database: Database, name: str = "Movies") -> int:
    async with database.transaction() as session:
        return (await LibraryRepository(session).add(name, LibraryKind.MOVIES, ["/m"])).id


async def seed_library(
    database: Database,
    items: int,
    *,
    people: int = 5_000,
    store: ImageStore | None = None,
    image_urls: Sequence[str] = (),
    posters: int = 2_000,
    movie_share: float = 0.95,
) -> SeededLibrary:
    """`items` items: `movie_share` of them movies, the rest series with their seasons and
    episodes; `people` people credited `CREDITS_PER_MOVIE` times per movie; and the first
    `posters` movies with a poster among `image_urls`, downloaded into `store`."""
    seeded = SeededLibrary(await movie_library(database))
    async with database.transaction() as session:
        tv = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/tv"])
    seeded.tv_library_id = tv.id
    movies = round(items * movie_share)
    seeded.movie_ids = await seed_movies(database, seeded.movie_library_id, movies)
    await _seed_tv(database, seeded, items - movies)
    await _seed_people(database, seeded, people)
    if store is not None and image_urls:
        seeded.with_poster = seeded.movie_ids[:posters]
        await seed_images(database, seeded.with_poster, ImageKind.POSTER, store, image_urls)
    seeded.items = len(seeded.movie_ids) + (items - movies)
    return seeded


async def _seed_tv(database: Database, seeded: SeededLibrary, items: int) -> None:
    """Series of `SEASONS_PER_SERIES` seasons of `EPISODES_PER_SEASON` episodes, `items` rows
    in all (the last series may be cut short)."""
    assert seeded.tv_library_id is not None
    library_id = seeded.tv_library_id
    per_series = 1 + SEASONS_PER_SERIES * (1 + EPISODES_PER_SEASON)
    series_count = -(-items // per_series)
    left = items
    for first in range(0, series_count, BATCH // per_series):
        numbers = range(first, min(series_count, first + BATCH // per_series))
        async with database.transaction() as session:
            shows = [
                Series(library_id=library_id, title=title(n), year=1960 + n % 65) for n in numbers
            ]
            session.add_all(shows)
            await session.flush()
            seeded.series_ids.extend(show.id for show in shows)
            left -= len(shows)
            seasons: list[tuple[int, Series, Season]] = []
            for n, show in zip(numbers, shows, strict=True):
                for number in range(1, SEASONS_PER_SERIES + 1):
                    if left > 0:
                        season = Season(
                            library_id=library_id,
                            parent_id=show.id,
                            title=f"Season {number}",
                            index_number=number,
                        )
                        seasons.append((n, show, season))
                        left -= 1
            session.add_all(season for _, _, season in seasons)
            await session.flush()
            episodes: list[Episode] = []
            for n, show, season in seasons:
                count = max(0, min(EPISODES_PER_SEASON, left))
                left -= count
                number = season.index_number or 0
                episodes += [
                    Episode(
                        library_id=library_id,
                        parent_id=season.id,
                        series_id=show.id,
                        title=f"{title(n)} {number}x{e:02d}",
                        index_number=e,
                        parent_index_number=number,
                    )
                    for e in range(1, count + 1)
                ]
            session.add_all(episodes)
            await session.flush()
            seeded.episode_ids.extend(episode.id for episode in episodes)


async def _seed_people(database: Database, seeded: SeededLibrary, count: int) -> None:
    if count <= 0:
        return
    inputs = [
        PersonInput(f"{ADJECTIVES[p % 25].title()} {NOUNS[p // 25 % 25].title()}son {p}", p + 1)
        for p in range(count)
    ]
    async with database.transaction() as session:
        ids = await PeopleRepository(session).ensure(inputs)
    seeded.person_ids = [ids[("tmdb_id", p + 1)] for p in range(count)]
    people = seeded.person_ids
    for first in range(0, len(seeded.movie_ids), BATCH):
        chunk = seeded.movie_ids[first : first + BATCH]
        credits = {
            movie_id: [
                CreditInput(
                    people[(i * CREDITS_PER_MOVIE + k) % len(people)],
                    CreditRole.CAST,
                    character=f"Role {k}",
                    sort_order=k,
                )
                for k in range(CREDITS_PER_MOVIE)
            ]
            for i, movie_id in enumerate(chunk, start=first)
        }
        async with database.transaction() as session:
            await PeopleRepository(session).set_credits_many(credits)
        seeded.credits += sum(len(c) for c in credits.values())


async def seed_images(
    database: Database,
    item_ids: Sequence[int],
    kind: ImageKind,
    store: ImageStore,
    urls: Sequence[str],
) -> None:
    """A selected image of `kind` for each of `item_ids`, taking `urls` in turn (each one
    downloaded into `store` once), in transactions of `BATCH`."""
    stored = [await store.fetch(url) for url in urls]
    for first in range(0, len(item_ids), BATCH):
        async with database.transaction() as session:
            session.add_all(
                Image(
                    item_id=item_id,
                    kind=kind,
                    provider="tmdb",
                    provider_path=f"/p{n % len(stored)}.jpg",
                    local_path=stored[n % len(stored)].path,
                    width=stored[n % len(stored)].width,
                    height=stored[n % len(stored)].height,
                    blurhash=stored[n % len(stored)].blurhash,
                    selected=True,
                )
                for n, item_id in enumerate(item_ids[first : first + BATCH], start=first)
            )


def file_row(library_id: int, item_id: int, now: datetime) -> dict[str, object]:
    path = f"/f/{item_id}.mkv"
    return {
        "library_id": library_id, "path": path, "path_bytes": path.encode(),
        "size": 1_500_000_000, "mtime_ns": 1, "inode": item_id, "device": 1,
        "container": "mkv", "state": FileState.PRESENT, "first_seen_at": now, "updated_at": now,
    }  # fmt: skip


async def seed_files(database: Database, seeded: SeededLibrary) -> int:
    """A present file for every movie and episode, linked to it (its inode is the item's id,
    which the links are made from); how many."""
    now = utcnow()
    owners = [(seeded.movie_library_id, i) for i in seeded.movie_ids]
    owners += [(seeded.tv_library_id or 0, i) for i in seeded.episode_ids]
    for first in range(0, len(owners), BATCH):
        rows = [
            file_row(library_id, item_id, now)
            for library_id, item_id in owners[first : first + BATCH]
        ]
        async with database.transaction() as session:
            await session.execute(insert(MediaFile), rows)
    async with database.transaction() as session:
        links = select(MediaFile.id, MediaFile.inode).where(MediaFile.device == 1)
        await session.execute(
            insert(MediaFileItem).from_select(["media_file_id", "item_id"], links)
        )
    return len(owners)
