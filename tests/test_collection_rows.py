"""A collection's parts and an item's trailers as stored rows, on both databases: replaced
precisely, and links out built only for known sites and keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reelhouse.content.catalogue.videos import trailers, video_url
from reelhouse.content.metadata.models import Candidate, ExternalIds, Video
from reelhouse.content.movies.models import Collection, Movie
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import ItemKind


def part(tmdb_id: int, title: str, year: int | None) -> Candidate:
    return Candidate(
        provider="tmdb", kind=ItemKind.MOVIE, ids=ExternalIds(tmdb=tmdb_id), title=title, year=year
    )


async def test_parts_are_replaced_and_read_in_year_order(database: Database) -> None:
    async with database.transaction() as session:
        collections = CollectionRepository(session)
        collection = await collections.add(Collection(title="Alien Collection", tmdb_id=8091))
        first = [part(679, "Aliens", 1986), part(348, "Alien", 1979), part(9, "Untitled", None)]
        await collections.set_parts(collection.id, first)
        await collections.set_parts(collection.id, first)  # again: nothing changes
        found = await collections.parts(collection.id)
        assert [(p.tmdb_id, p.year) for p in found] == [(348, 1979), (679, 1986), (9, None)]
        await collections.set_parts(collection.id, [part(679, "Aliens (1986)", 1986)])
        found = await collections.parts(collection.id)
        assert [(p.tmdb_id, p.title) for p in found] == [(679, "Aliens (1986)")]
        await collections.set_parts(collection.id, [])
        assert await collections.parts(collection.id) == []


async def test_videos_are_replaced_trailers_first(database: Database) -> None:
    videos = [
        Video(site="YouTube", key="tease1", kind="Teaser", name="Teaser"),
        Video(site="YouTube", key="trail1", kind="Trailer", name="Trailer", language="en"),
        Video(site="Vimeo", key="123", kind="Trailer", name="On Vimeo"),
        Video(site="YouTube", key="clip1", kind="Clip", name="A clip"),
        Video(site="Dailymotion", key="x1", kind="Trailer", name="Elsewhere"),
        Video(site="YouTube", key="bad/../key", kind="Trailer", name="Not a key"),
    ]
    async with database.transaction() as session:
        movies = MovieRepository(session)
        movie = await movies.add(Movie(title="Heat", tmdb_id=949))
        await movies.set_videos(movie.id, trailers(videos))
        await movies.set_videos(movie.id, trailers(videos))
        stored = await movies.videos(movie.id)
        assert [(v.site, v.key, v.kind) for v in stored] == [
            ("youtube", "trail1", "trailer"),
            ("vimeo", "123", "trailer"),
            ("youtube", "tease1", "teaser"),
        ]
        await movies.set_videos(movie.id, trailers(videos[:1]))
        assert [v.key for v in await movies.videos(movie.id)] == ["tease1"]


@given(site=st.sampled_from(["youtube", "YouTube", "vimeo", "other"]), key=st.text(max_size=80))
def test_a_link_out_is_built_only_from_a_known_site_and_a_plain_key(site: str, key: str) -> None:
    url = video_url(site, key)
    if url is None:
        return
    assert url.startswith(("https://www.youtube.com/watch?v=", "https://vimeo.com/"))
    assert url.endswith(key)
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
