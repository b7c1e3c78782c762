"""The artwork conventions of Kodi, Jellyfin and Plex as a table, and where each item's images are
looked for: which file is which image of which item, and which wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelhouse.content.catalogue.models import ImageKind
from reelhouse.content.enrichment import UnlinkedFile
from reelhouse.ingest.artwork_names import CONVENTIONS, IMAGE_EXTENSIONS, Owner, Place, match
from reelhouse.ingest.links import ItemFile
from reelhouse.ingest.local_artwork import Look, find_local, looks_of
from reelhouse.kinds import ItemKind
from reelhouse.naming import identify

P, B, L, BA, T, S = (
    ImageKind.POSTER,
    ImageKind.BACKDROP,
    ImageKind.LOGO,
    ImageKind.BANNER,
    ImageKind.THUMB,
    ImageKind.STILL,
)
M, SR, SE, E = Owner.MOVIE, Owner.SERIES, Owner.SEASON, Owner.EPISODE
FOLDER, BESIDE, SERIES = Place.FOLDER, Place.BESIDE, Place.SERIES_FOLDER
STEM = "Heat (1995)"

# (owner, place, file name, season, expected kind or None)
CASES = [
    (M, FOLDER, "poster.jpg", None, P),
    (M, FOLDER, "folder.jpg", None, P),
    (M, FOLDER, "cover.png", None, P),
    (M, FOLDER, "Poster.JPG", None, P),
    (M, FOLDER, "fanart.jpg", None, B),
    (M, FOLDER, "backdrop.webp", None, B),
    (M, FOLDER, "background.jpeg", None, B),
    (M, FOLDER, "banner.jpg", None, BA),
    (M, FOLDER, "logo.png", None, L),
    (M, FOLDER, "clearlogo.png", None, L),
    (M, FOLDER, "landscape.jpg", None, T),
    (M, FOLDER, "thumb.jpg", None, T),
    (M, FOLDER, "clearart.png", None, None),  # known, no kind kept
    (M, FOLDER, "disc.png", None, None),
    (M, FOLDER, "discart.png", None, None),
    (M, FOLDER, "poster.gif", None, None),  # not an artwork extension
    (M, FOLDER, "poster.jpg.part", None, None),
    (M, FOLDER, "poster", None, None),
    (M, FOLDER, "season01-poster.jpg", None, None),
    (M, BESIDE, f"{STEM}-poster.jpg", None, P),
    (M, BESIDE, f"{STEM}.jpg", None, P),
    (M, BESIDE, f"{STEM}-fanart.jpg", None, B),
    (M, BESIDE, f"{STEM}-clearlogo.png", None, L),
    (M, BESIDE, f"{STEM}-banner.tbn", None, BA),
    (M, BESIDE, f"{STEM}-landscape.jpg", None, T),
    (M, BESIDE, f"{STEM}-discart.png", None, None),
    (M, BESIDE, "Heat (1995) 2-poster.jpg", None, None),  # another video's
    (M, BESIDE, "poster.jpg", None, None),
    (SR, FOLDER, "poster.jpg", None, P),
    (SR, FOLDER, "folder.jpg", None, P),
    (SR, FOLDER, "show.jpg", None, P),
    (SR, FOLDER, "fanart.jpg", None, B),
    (SR, FOLDER, "banner.jpg", None, BA),
    (SR, FOLDER, "clearlogo.png", None, L),
    (SR, FOLDER, "landscape.jpg", None, T),
    (SR, FOLDER, "season01-poster.jpg", None, None),  # a season's, not the series'
    (SE, SERIES, "season01-poster.jpg", 1, P),
    (SE, SERIES, "season1-poster.jpg", 1, P),
    (SE, SERIES, "Season01-Poster.JPG", 1, P),
    (SE, SERIES, "season01.jpg", 1, P),
    (SE, SERIES, "season02-poster.jpg", 1, None),  # another season's
    (SE, SERIES, "season-specials-poster.jpg", 0, P),
    (SE, SERIES, "season-specials-poster.jpg", 1, None),
    (SE, SERIES, "season00-poster.jpg", 0, P),
    (SE, SERIES, "season01-banner.jpg", 1, BA),
    (SE, SERIES, "season01-fanart.jpg", 1, B),
    (SE, SERIES, "season01-landscape.jpg", 1, T),
    (SE, SERIES, "season-all-poster.jpg", 1, None),
    (SE, SERIES, "poster.jpg", 1, None),
    (SE, FOLDER, "poster.jpg", None, P),
    (SE, FOLDER, "folder.jpg", None, P),
    (SE, FOLDER, "fanart.jpg", None, B),
    (SE, FOLDER, "banner.jpg", None, BA),
    (E, BESIDE, "Show - S01E01-thumb.jpg", None, S),
    (E, BESIDE, "Show - S01E01.jpg", None, S),
    (E, BESIDE, "Show - S01E01.png", None, S),
    (E, BESIDE, "Show - S01E01-poster.jpg", None, None),
    (E, BESIDE, "Show - S01E02-thumb.jpg", None, None),
]


@pytest.mark.parametrize(("owner", "place", "name", "season", "kind"), CASES)
def test_conventions(
    owner: Owner, place: Place, name: str, season: int | None, kind: ImageKind | None
) -> None:
    stem = "Show - S01E01" if owner is Owner.EPISODE else STEM
    found = match(owner, place, name, stem=stem, season=season)
    assert (found.kind if found else None) == kind


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        (f"{STEM}-poster.jpg", "poster.jpg"),  # named for the video beats the folder's name
        ("poster.jpg", "folder.jpg"),
        ("folder.jpg", "cover.jpg"),
        ("poster.jpg", "poster.png"),  # then by extension
        ("fanart.jpg", "backdrop.jpg"),
        ("clearlogo.png", "logo.png"),
    ],
)
def test_the_first_convention_wins(better: str, worse: str) -> None:
    def rank(name: str) -> tuple[int, int]:
        place = Place.BESIDE if name.startswith(STEM) else Place.FOLDER
        found = match(Owner.MOVIE, place, name, stem=STEM)
        assert found is not None
        return found.rank

    assert rank(better) < rank(worse)


def test_every_convention_is_read_by_someone_and_named_once() -> None:
    keys = [(c.owner, c.place, c.name) for c in CONVENTIONS]
    assert len(keys) == len(set(keys))
    assert all(c.readers and set(c.readers) <= {"kodi", "jellyfin", "plex"} for c in CONVENTIONS)


@given(st.text(max_size=40), st.sampled_from(list(Owner)), st.sampled_from(list(Place)))
def test_any_name_is_matched_or_not_never_an_error(name: str, owner: Owner, place: Place) -> None:
    found = match(owner, place, name, stem="x", season=1)
    if found is not None:
        assert name.rpartition(".")[2].lower() in IMAGE_EXTENSIONS


def held(item_id: int, kind: ItemKind, path: str, root: str, **more: int) -> ItemFile:
    identity = identify(os.path.relpath(path, root))
    return ItemFile(item_id, kind, UnlinkedFile(item_id * 100, path, identity), **more)


def test_a_movie_folder_is_looked_in_only_when_it_holds_one_movie() -> None:
    root = "/m"
    files = [
        held(1, ItemKind.MOVIE, "/m/Heat (1995)/Heat (1995).mkv", root),
        held(2, ItemKind.MOVIE, "/m/Action/Alien (1979).mkv", root),
        held(3, ItemKind.MOVIE, "/m/Action/Aliens (1986).mkv", root),
        held(4, ItemKind.MOVIE, "/m/Loose (2001).mkv", root),
    ]
    looks = set(looks_of(files, [root]))
    assert Look(1, M, FOLDER, "/m/Heat (1995)") in looks
    assert Look(1, M, BESIDE, "/m/Heat (1995)", "Heat (1995)") in looks
    assert Look(2, M, BESIDE, "/m/Action", "Alien (1979)") in looks
    assert not {look for look in looks if look.place is FOLDER and look.item_id != 1}


def test_a_series_is_looked_for_in_its_folder_its_seasons_and_beside_episodes() -> None:
    root = "/tv"
    episode = "/tv/Show/Season 1/Show - S01E01.mkv"
    files = [held(10, ItemKind.EPISODE, episode, root, season_id=5, series_id=3, season_number=1)]
    looks = set(looks_of(files, [root]))
    assert looks == {
        Look(10, E, BESIDE, "/tv/Show/Season 1", "Show - S01E01"),
        Look(3, SR, FOLDER, "/tv/Show"),
        Look(5, SE, SERIES, "/tv/Show", season=1),
        Look(5, SE, FOLDER, "/tv/Show/Season 1"),
    }


def test_finding_takes_the_best_file_of_each_kind(tmp_path: Path) -> None:
    folder = tmp_path / "Heat (1995)"
    folder.mkdir()
    for name in ("folder.jpg", "poster.png", "Heat (1995)-poster.jpg", "fanart.jpg", "x.nfo"):
        (folder / name).write_bytes(b"12345")
    looks = [
        Look(1, M, FOLDER, str(folder)),
        Look(1, M, BESIDE, str(folder), "Heat (1995)"),
        Look(2, M, FOLDER, str(tmp_path / "gone")),
    ]
    found = find_local(looks)
    assert {k: os.path.basename(v.path) for k, v in found.images.items()} == {
        (1, P): "Heat (1995)-poster.jpg",
        (1, B): "fanart.jpg",
    }
    assert found.images[1, P].size == 5
    assert found.unread == {str(tmp_path / "gone")}


def test_the_documented_table_is_the_table() -> None:
    """docs/artwork.md lists every convention, in order, with its kind and readers."""
    docs = (Path(__file__).parent.parent / "docs" / "artwork.md").read_text()
    rows = [line for line in docs.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(CONVENTIONS)
    for row, convention in zip(rows, CONVENTIONS, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[0] == convention.owner.value
        assert convention.name in cells[1]
        assert cells[3] == (
            f"`{convention.kind.value}`" if convention.kind else "recognised, not kept"
        )
        assert cells[4] == ", ".join(convention.readers)
