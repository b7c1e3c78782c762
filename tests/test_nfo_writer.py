"""The NFO writer and the file writer on their own: every field written is read back by the
NFO reader as it was (any text, numbers, several episodes in one file), Kodi's artwork names
are the ones the artwork scan reads, and a file goes beside the media atomically, only over a
file reelhouse wrote, never out of the library, and never half-written into a read-only
folder."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelhouse.content.catalogue.models import ImageKind
from reelhouse.ingest.artwork_names import WRITE_PLACES, Owner, kodi_file_name, match
from reelhouse.ingest.writeback.files import (
    Outcome,
    Recorded,
    WriteFailedError,
    digest,
    remove_leftovers,
    write_beside,
)
from reelhouse.providers.nfo import (
    build_movie,
    parse_contents,
    parse_episodes,
    parse_season,
    parse_series,
)
from reelhouse.providers.nfo_writer import (
    NfoActor,
    NfoItem,
    NfoRating,
    NfoSet,
    NfoWatch,
    episodes_nfo,
    movie_nfo,
    season_nfo,
    tvshow_nfo,
    xml_text,
)

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def full_movie() -> NfoItem:
    return NfoItem(
        title="Heat & <Dust>",
        original_title="Chaleur",
        sort_title="heat & <dust>",
        plot='Two men.\nOne city — "L.A."',
        tagline="A Los Angeles crime saga",
        runtime_minutes=170,
        certification="R",
        release_date=date(1995, 12, 15),
        year=1995,
        status="Released",
        genres=["Crime", "Drama"],
        studios=["Warner Bros."],
        tags=["Box set", "4K <remaster>"],
        ratings=[
            NfoRating("imdb", 8.3, 10.0, 700_000),
            NfoRating("tmdb", 7.9, 10.0, 6000, default=True),
        ],
        ids={"tmdb": "949", "imdb": "tt0113277"},
        actors=[
            NfoActor("Al Pacino", "Vincent Hanna", 0, "https://image.example/pacino.jpg"),
            NfoActor("Robert De Niro", "Neil McCauley", 1),
        ],
        directors=["Michael Mann"],
        writers=["Michael Mann"],
        collection=NfoSet("Heat Collection", "Crime in L.A."),
        watch=NfoWatch(3, datetime(2024, 5, 4, 21, 13, tzinfo=UTC), 4321.5, 10200.0),
    )


def test_a_movie_reads_back_whole() -> None:
    body = movie_nfo(full_movie())
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"')
    contents = parse_contents(body, "movie.nfo", "movie", build_movie, now=NOW)
    record = contents.record
    assert record is not None
    assert record.title == "Heat & <Dust>"
    assert record.original_title == "Chaleur"
    assert record.overview == 'Two men.\nOne city — "L.A."'
    assert record.tagline == "A Los Angeles crime saga"
    assert record.runtime_minutes == 170
    assert record.certification == "R"
    assert record.release_date == date(1995, 12, 15)
    assert record.status == "Released"
    assert record.genres == ("Crime", "Drama")
    assert record.studios == ("Warner Bros.",)
    assert record.tags == ("Box set", "4K <remaster>")
    assert {k: (r.value, r.votes) for k, r in record.ratings.items()} == {
        "imdb": (8.3, 700_000),
        "tmdb": (7.9, 6000),
    }
    assert (record.ids.tmdb, record.ids.imdb) == (949, "tt0113277")
    actors = [(c.name, c.character, c.order, c.image) for c in record.credits if c.role == "actor"]
    assert actors == [
        ("Al Pacino", "Vincent Hanna", 0, "https://image.example/pacino.jpg"),
        ("Robert De Niro", "Neil McCauley", 1, None),
    ]
    crew = sorted((c.role, c.name) for c in record.credits if c.role != "actor")
    assert crew == [("director", "Michael Mann"), ("writer", "Michael Mann")]
    assert record.collection is not None
    assert (record.collection.name, record.collection.overview) == (
        "Heat Collection",
        "Crime in L.A.",
    )
    (watch,) = contents.watch
    assert watch.play_count == 3
    assert watch.last_played == datetime(2024, 5, 4, 21, 13, tzinfo=UTC)
    assert (watch.position_s, watch.total_s) == (4321.5, 10200.0)


def test_series_season_and_a_file_of_two_episodes_read_back() -> None:
    show = parse_series(
        tvshow_nfo(NfoItem(title="Show", status="Ended", ids={"tvdb": "81189", "tmdb": "1396"})),
        "tvshow.nfo",
    )
    assert (show.title, show.status, show.ids.tvdb, show.ids.tmdb) == ("Show", "Ended", 81189, 1396)
    season = parse_season(
        season_nfo(
            NfoItem(
                title="Season One",
                plot="It starts.",
                season_number=1,
                release_date=date(2008, 1, 20),
            )
        ),
        "season.nfo",
    )
    assert (season.season_number, season.title, season.overview) == (1, "Season One", "It starts.")
    assert season.release_date == date(2008, 1, 20)
    two = episodes_nfo(
        [
            NfoItem(
                title="Pilot",
                season_number=1,
                episode_number=1,
                ids={"tvdb": "349232"},
                watch=NfoWatch(1, datetime(2024, 1, 1, tzinfo=UTC)),
            ),
            NfoItem(title="Second", season_number=1, episode_number=2, watch=NfoWatch()),
        ]
    )
    episodes = parse_episodes(two, "e.nfo")
    assert [(e.season_number, e.episode_number, e.title) for e in episodes] == [
        (1, 1, "Pilot"),
        (1, 2, "Second"),
    ]
    assert episodes[0].ids.tvdb == 349232
    from reelhouse.providers.nfo import build_episodes

    watch = parse_contents(two, "e.nfo", "episodedetails", build_episodes, now=NOW).watch
    assert [(w.episode_number, w.play_count) for w in watch] == [(1, 1), (2, 0)]


texts = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=200, deadline=None)
@given(
    title=texts.filter(lambda t: xml_text(t).strip() != ""),
    plot=texts,
    genre=texts,
    actor=texts,
    role=texts,
    runtime=st.integers(0, 100_000),
    order=st.integers(0, 2**31),
    rating=st.integers(0, 10_000).map(lambda v: v / 1000),
    votes=st.integers(0, 2**63 - 1),
    plays=st.integers(0, 1_000_000),
)
def test_any_text_and_number_reads_back(
    title: str,
    plot: str,
    genre: str,
    actor: str,
    role: str,
    runtime: int,
    order: int,
    rating: float,
    votes: int,
    plays: int,
) -> None:
    """What XML can hold reads back as it was written; what it cannot (control characters,
    lone surrogates) is dropped, never an unreadable file."""
    body = movie_nfo(
        NfoItem(
            title=title,
            plot=plot,
            genres=[genre],
            runtime_minutes=runtime,
            ratings=[NfoRating("tmdb", rating, 10.0, votes)],
            actors=[NfoActor(actor, role, order)],
            watch=NfoWatch(plays),
        )
    )
    contents = parse_contents(body, "m.nfo", "movie", build_movie, now=NOW)
    record = contents.record
    assert record is not None

    def back(text: str) -> str | None:
        return xml_text(text).strip() or None

    assert record.title == back(title)
    assert record.overview == back(plot)
    assert record.genres == tuple(g for g in [back(genre)] if g)
    assert record.runtime_minutes == (runtime or None)
    assert record.ratings["tmdb"].value == rating
    assert record.ratings["tmdb"].votes == votes
    actors = [(c.name, c.character, c.order) for c in record.credits]
    assert actors == ([(back(actor), back(role) or "", order)] if back(actor) else [])
    assert contents.watch[0].play_count == plays


@pytest.mark.parametrize("owner", list(Owner))
@pytest.mark.parametrize("kind", list(ImageKind))
def test_kodi_names_are_read_back_as_their_kind(owner: Owner, kind: ImageKind) -> None:
    for season in (0, 1, 12):
        name = kodi_file_name(owner, kind, "jpg", stem="Show - S01E01", season=season)
        if name is None:
            continue
        found = match(owner, WRITE_PLACES[owner], name, stem="Show - S01E01", season=season)
        assert found is not None, name
        assert found.kind is kind, name


def test_the_names_kodi_uses() -> None:
    assert kodi_file_name(Owner.MOVIE, ImageKind.POSTER, "jpg", stem="Heat (1995)") == (
        "Heat (1995)-poster.jpg"
    )
    assert kodi_file_name(Owner.MOVIE, ImageKind.BACKDROP, "png", stem="Heat") == "Heat-fanart.png"
    assert kodi_file_name(Owner.SERIES, ImageKind.LOGO, "png") == "clearlogo.png"
    assert kodi_file_name(Owner.SEASON, ImageKind.POSTER, "jpg", season=1) == "season01-poster.jpg"
    assert kodi_file_name(Owner.SEASON, ImageKind.POSTER, "jpg", season=0) == (
        "season-specials-poster.jpg"
    )
    assert kodi_file_name(Owner.EPISODE, ImageKind.STILL, "jpg", stem="E") == "E-thumb.jpg"
    assert kodi_file_name(Owner.MOVIE, ImageKind.POSTER, "gif", stem="Heat") is None


# -- writing files ---------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_file_is_written_once_and_then_left_as_it_is(tmp_path: Path) -> None:
    target = tmp_path / "Heat.nfo"
    first = write_beside(str(target), b"<movie/>", str(tmp_path), None, overwrite_foreign=False)
    assert first.outcome is Outcome.WRITTEN
    assert target.read_bytes() == b"<movie/>"
    assert first.sha256 == digest(b"<movie/>")
    before = target.stat().st_mtime_ns
    recorded = Recorded(first.size, first.sha256)
    again = write_beside(str(target), b"<movie/>", str(tmp_path), recorded, overwrite_foreign=False)
    assert again.outcome is Outcome.UNCHANGED
    assert target.stat().st_mtime_ns == before
    # Ours, still as written: replaced by the new content.
    newer = write_beside(
        str(target), b"<movie>2</movie>", str(tmp_path), recorded, overwrite_foreign=False
    )
    assert newer.outcome is Outcome.WRITTEN
    assert target.read_bytes() == b"<movie>2</movie>"
    assert leftovers(tmp_path) == []


def test_a_foreign_file_is_left_alone_unless_the_library_says_so(tmp_path: Path) -> None:
    target = tmp_path / "Heat.nfo"
    target.write_bytes(b"<movie>curated by hand</movie>")
    skipped = write_beside(str(target), b"<movie/>", str(tmp_path), None, overwrite_foreign=False)
    assert skipped.outcome is Outcome.SKIPPED
    assert target.read_bytes() == b"<movie>curated by hand</movie>"
    # Written by reelhouse once, then edited by hand: foreign again.
    ours = Recorded(8, digest(b"<movie/>"))
    edited = write_beside(str(target), b"<movie/>", str(tmp_path), ours, overwrite_foreign=False)
    assert edited.outcome is Outcome.SKIPPED
    forced = write_beside(str(target), b"<movie/>", str(tmp_path), None, overwrite_foreign=True)
    assert forced.outcome is Outcome.WRITTEN
    assert target.read_bytes() == b"<movie/>"


def test_nothing_is_written_through_a_link_or_out_of_the_library(tmp_path: Path) -> None:
    library, outside = tmp_path / "library", tmp_path / "outside"
    library.mkdir()
    outside.mkdir()
    (library / "escape").symlink_to(outside)
    with pytest.raises(WriteFailedError, match="outside the library"):
        write_beside(
            str(library / "escape" / "x.nfo"), b"x", str(library), None, overwrite_foreign=True
        )
    assert list(outside.iterdir()) == []
    secret = outside / "secret.txt"
    secret.write_bytes(b"keep")
    (library / "x.nfo").symlink_to(secret)
    # A link in the file's place is someone else's: never followed, never replaced.
    for overwrite in (False, True):
        with pytest.raises(WriteFailedError, match="other than a file"):
            write_beside(
                str(library / "x.nfo"), b"x", str(library), None, overwrite_foreign=overwrite
            )
    assert secret.read_bytes() == b"keep"
    assert (library / "x.nfo").is_symlink()


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` made immutable (`chattr +i`): tests run as root, whom permission bits do not
    stop; an immutable folder stops root too (no file created, renamed or removed in it)."""
    subprocess.run(["chattr", "+i", str(folder)], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True, capture_output=True)


def test_a_read_only_folder_is_a_clear_error_and_nothing_half_written(tmp_path: Path) -> None:
    folder = tmp_path / "Heat (1995)"
    folder.mkdir()
    (folder / "Heat.mkv").write_bytes(b"")
    with read_only(folder):
        assert not os.access(folder / "probe", os.F_OK)
        with pytest.raises(WriteFailedError) as raised:
            write_beside(
                str(folder / "Heat.nfo"), b"<movie/>", str(tmp_path), None, overwrite_foreign=False
            )
        assert str(folder / "Heat.nfo") in raised.value.detail
        assert "not permitted" in raised.value.detail
    assert sorted(p.name for p in folder.iterdir()) == ["Heat.mkv"]


def test_what_a_killed_write_back_left_is_removed_and_nothing_else(tmp_path: Path) -> None:
    library, outside = tmp_path / "library", tmp_path / "outside"
    folder = library / "Heat (1995)"
    folder.mkdir(parents=True)
    outside.mkdir()
    (library / "escape").symlink_to(outside)
    now = time.time_ns()

    def made(path: Path, age_s: int) -> Path:
        path.write_bytes(b"half")
        os.utime(path, ns=(now - age_s * 10**9, now - age_s * 10**9))
        return path

    left = made(folder / ".Heat.nfo.reelhouse-0a1b2c3d.tmp", 3600)
    in_use = made(folder / ".Heat-poster.jpg.reelhouse-11223344.tmp", -5)  # newer than the job
    users = [
        made(folder / ".Heat.nfo.tmp", 3600),  # a hidden file that is no temporary of ours
        made(folder / "Heat.nfo.reelhouse-0a1b2c3d.tmp", 3600),
        made(outside / ".x.nfo.reelhouse-0a1b2c3d.tmp", 3600),  # beyond a link out
    ]
    folders = [(str(folder), str(library)), (str(library / "escape"), str(library)),
               (str(library / "gone"), str(library))]  # fmt: skip
    assert remove_leftovers(folders, now) == 1
    assert not left.exists()
    assert in_use.exists()
    assert all(path.exists() for path in users)
