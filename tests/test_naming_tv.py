"""TV names: season folders in many languages, every episode marker, multi-episode files, dates,
anime absolute numbers and specials."""

from __future__ import annotations

from typing import Any

import pytest

from reelhouse.kinds import LibraryKind
from reelhouse.naming import identify
from tests.naming_cases import check

EPISODES: list[tuple[str, dict[str, Any]]] = [
    # Series and season from folders (Plex, Jellyfin, Kodi, Sonarr).
    (
        "Breaking Bad (2008)/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv",
        {
            "series": "Breaking Bad",
            "year": 2008,
            "season": 1,
            "episode": 2,
            "episode_title": "Cat's in the Bag",
        },
    ),
    (
        "Breaking Bad (2008) [tvdbid-81189]/Season 1/Breaking Bad S01E01.mkv",
        {"series": "Breaking Bad", "provider_ids": {"tvdb": "81189"}},
    ),
    ("The Office (US) {tvdb-73244}/S02/The Office S02E01.mkv", {"provider_ids": {"tvdb": "73244"}}),
    ("Dark/Staffel 2/Dark.S02E03.German.1080p.WEB.mkv", {"series": "Dark", "season": 2}),
    ("La Casa de Papel/Temporada 3/La Casa de Papel 3x04.mkv", {"season": 3, "episode": 4}),
    ("Gomorra/Stagione 1/Gomorra - 1x05.mkv", {"series": "Gomorra", "season": 1, "episode": 5}),
    ("Show/Saison 4/Show S04E01.mkv", {"season": 4}),
    ("Show/Seizoen 2/01.mkv", {"series": "Show", "season": 2, "episode": 1}),
    ("Show/Sezon 5/Odcinek S05E02.mkv", {"season": 5, "episode": 2}),
    ("Show/Säsong 1/E03.mkv", {"season": 1, "episode": 3}),
    ("Show/Сезон 2/Show E07.mkv", {"season": 2, "episode": 7}),
    ("Show/第2季/Show E07.mkv", {"season": 2, "episode": 7}),
    ("Show/Series 3/Show - Episode 4.mkv", {"series": "Show", "season": 3, "episode": 4}),
    ("Show/Season.02/Show.S02E10.mkv", {"season": 2, "episode": 10}),
    ("Show/1. Staffel/Show - E02.mkv", {"season": 1, "episode": 2}),
    ("Show/Season 1/05 - The Fifth.mkv", {"season": 1, "episode": 5, "episode_title": "The Fifth"}),
    # Markers.
    ("Show.S01E02.720p.HDTV.x264-GRP.mkv", {"series": "Show", "season": 1, "episode": 2}),
    ("Show.s1e2.mkv", {"season": 1, "episode": 2}),
    ("Show.S01.E02.mkv", {"season": 1, "episode": 2}),
    ("Show S01 E02.mkv", {"season": 1, "episode": 2}),
    ("Show_S01_E02.mkv", {"season": 1, "episode": 2}),
    ("Show - 1x02 - Title.mkv", {"season": 1, "episode": 2, "episode_title": "Title"}),
    ("Show.1x02.mkv", {"season": 1, "episode": 2}),
    ("Show.10x102.mkv", {"season": 10, "episode": 102}),
    ("Show - Season 3 Episode 9.mkv", {"series": "Show", "season": 3, "episode": 9}),
    ("Show Season 3, Episode 9 - Finale.mkv", {"season": 3, "episode": 9}),
    ("Show.S2024E05.mkv", {"season": 2024, "episode": 5}),
    ("Show.S01E1234.mkv", {"season": 1, "episode": 1234}),
    (
        "Game.of.Thrones.S08E06.The.Iron.Throne.1080p.AMZN.WEB-DL.DDP5.1.H.264-GRP.mkv",
        {"series": "Game of Thrones", "episode_title": "The Iron Throne"},
    ),
    ("Doctor.Who.2005.S01E01.Rose.mkv", {"series": "Doctor Who", "year": 2005, "episode": 1}),
    ("Show (2019) - S01E01.mkv", {"series": "Show", "year": 2019}),
    ("1923.S01E01.1080p.mkv", {"series": "1923", "season": 1, "episode": 1}),
    ("24.S03E05.mkv", {"series": "24", "season": 3, "episode": 5}),
    ("The 100 - S02E03.mkv", {"series": "The 100", "season": 2}),
    ("Show [tvdbid-1234] - S01E01.mkv", {"series": "Show", "provider_ids": {"tvdb": "1234"}}),
    # Sonarr and Radarr formats.
    (
        "TV/Show (2019)/Season 01/Show (2019) - S01E01 - Pilot [WEBDL-1080p][x264]-GRP.mkv",
        {"series": "Show", "year": 2019, "episode": 1, "episode_title": "Pilot"},
    ),
    (
        "Anime/Show/Season 1/Show - S01E01 - 001 - Title [HDTV-1080p].mkv",
        {"season": 1, "episode": 1, "absolute_episode": 1, "episode_title": "Title"},
    ),
    ("Show - S02E03 - 027.mkv", {"season": 2, "episode": 3, "absolute_episode": 27}),
    ("Show/Season 1/Show.s01e01.mkv", {"series": "Show", "season": 1, "episode": 1}),
    ("TV/Show/Season 1/Show - 101 - Title.mkv", {"season": 1, "episode": 1}),
    ("TV/Show/Season 2/Show - 214.mkv", {"season": 2, "episode": 14}),
    ("TV/Show/Season 1/Show - 214.mkv", {"season": 1, "episode": 214}),
    ("Show.S01E01.PROPER.1080p.WEB.H264-GRP[rarbg].mkv", {"series": "Show", "episode_title": None}),
    # Multi-episode files.
    ("Show.S01E01-E03.mkv", {"episode": 1, "end_episode": 3, "episodes": [1, 2, 3]}),
    ("Show.S01E01E02.mkv", {"episode": 1, "end_episode": 2, "episodes": [1, 2]}),
    ("Show.S01E01E02E03.mkv", {"episodes": [1, 2, 3]}),
    ("Show.S01E01-03.mkv", {"episodes": [1, 2, 3]}),
    ("Show S01E01-S01E02.mkv", {"episodes": [1, 2]}),
    ("Show - S01E01 - E02 - Title.mkv", {"episodes": [1, 2], "episode_title": "Title"}),
    ("Show.S01E01.E02.mkv", {"episodes": [1, 2]}),
    ("Show.1x01-02.mkv", {"season": 1, "episodes": [1, 2]}),
    ("Show.1x01x02.mkv", {"episodes": [1, 2]}),
    ("Show.1x01-1x02.mkv", {"episodes": [1, 2]}),
    ("Show.S01E01-720p.mkv", {"episodes": [1], "end_episode": None}),
    ("Show.S01E05-03.mkv", {"episodes": [5, 3]}),
    # Dates.
    ("The Daily Show 2023-07-14.mkv", {"series": "The Daily Show", "air_date": "2023-07-14"}),
    (
        "The.Daily.Show.2023.07.14.Guest.Name.720p.WEB.mkv",
        {"air_date": "2023-07-14", "episode_title": "Guest Name"},
    ),
    # Anime absolute numbering.
    (
        "[SubsPlease] One Piece - 1085 [1080p].mkv",
        {"series": "One Piece", "absolute_episode": 1085, "season": None, "episode": None},
    ),
    (
        "[Erai-raws] Jujutsu Kaisen - 05v2 [720p][Multiple Subtitle].mkv",
        {"series": "Jujutsu Kaisen", "absolute_episode": 5},
    ),
    (
        "[Group]_Cowboy_Bebop_-_12_[ABCD1234].mkv",
        {"series": "Cowboy Bebop", "absolute_episode": 12},
    ),
    ("[Group] Show S2 - 05 [720p].mkv", {"series": "Show", "season": 2, "episode": 5}),
    (
        "Naruto/Naruto - 136.mkv",
        {"series": "Naruto", "absolute_episode": 136},
    ),
    # Specials.
    ("Show/Specials/Show S00E01.mkv", {"season": 0, "episode": 1}),
    ("Show/Specials/Show - E02 - Christmas.mkv", {"season": 0, "episode": 2}),
    ("Show/Season 0/Show 0x03.mkv", {"season": 0, "episode": 3}),
    ("Show.S00E10.mkv", {"season": 0, "episode": 10}),
]


@pytest.mark.parametrize(("path", "expected"), EPISODES)
def test_episode_names(path: str, expected: dict[str, Any]) -> None:
    library = LibraryKind.TV if path.startswith("Naruto/") else None
    check(path, {"kind": "episode", "decided_by": "fast", **expected}, library)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Show/Season 1/", {"kind": "season_folder", "season": 1, "series": "Show"}),
        ("Show (2010) [tvdbid-5]/S03/", {"season": 3, "year": 2010, "provider_ids": {"tvdb": "5"}}),
        ("Show/Staffel 10/", {"season": 10}),
        ("Show/Temporada 1/", {"season": 1}),
        ("Show/Specials/", {"kind": "season_folder", "season": 0}),
        ("Show/Season 00/", {"season": 0}),
        ("Show/시즌 2/", {"season": 2}),
        ("Show/シーズン3/", {"season": 3}),
        ("Show/2nd Season/", {"season": 2}),
        ("Show/Season 1 (2005)/", {"season": 1, "series": "Show"}),
        ("Show/Season 2 - The Return/", {"season": 2}),
        ("Show/Staffel 3 [1080p]/", {"season": 3}),
    ],
)
def test_season_folders(path: str, expected: dict[str, Any]) -> None:
    check(path, {"kind": "season_folder", **expected})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "Breaking Bad (2008) [tvdbid-81189]/",
            {"kind": "series_folder", "series": "Breaking Bad"},
        ),
        ("Some Show/", {"kind": "unknown"}),
    ],
)
def test_series_folders_in_an_auto_library(path: str, expected: dict[str, Any]) -> None:
    check(path, expected)


def test_series_folder_in_a_tv_library() -> None:
    check(
        "Some Show (2001)/",
        {"kind": "series_folder", "series": "Some Show", "year": 2001},
        LibraryKind.TV,
    )


def test_bare_numbers_count_only_in_season_folders() -> None:
    check("Show/Season 1/03.mkv", {"kind": "episode", "episode": 3})
    check("Show/03 Bonus.mkv", {"kind": "movie"})


def test_a_tv_library_file_without_marker_asks_guessit() -> None:
    check("Show/Show 102.mkv", {"decided_by": "guessit", "kind": "episode"}, LibraryKind.TV)


def test_an_impossible_date_is_no_air_date() -> None:
    check("Show 2023-02-29.mkv", {"air_date": None})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Attack on Titan - 01.mkv", {"kind": "episode", "absolute_episode": 1}),
        ("One.Piece.E1085.1080p.mkv", {"kind": "episode", "series": "One Piece", "episode": 1085}),
        ("Star Wars Episode 1 - The Phantom Menace (1999).mkv", {"kind": "movie"}),
        ("Heat (1995)/Heat - 2.mkv", {"kind": "movie"}),
    ],
)
def test_weak_markers_in_a_mixed_library_only_without_a_year(
    path: str, expected: dict[str, Any]
) -> None:
    check(path, expected)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "Marvels.Agents.of.S.H.I.E.L.D.S01E01.720p.mkv",
            {"series": "Marvels Agents of S.H.I.E.L.D."},
        ),
        ("S.W.A.T.2017.S05E01.720p.mkv", {"series": "S.W.A.T.", "year": 2017}),
        ("Show.S02E01E02.German.720p.mkv", {"episode_title": None}),
        ("Show.S01E01.French.Kiss.720p.mkv", {"episode_title": "French Kiss"}),
        ("Show (2020) - S01E03 - German.mkv", {"episode_title": "German"}),
        ("Show.S01E03.Pilot.GERMAN.mkv", {"episode_title": "Pilot"}),
    ],
)
def test_release_acronyms_and_languages(path: str, expected: dict[str, Any]) -> None:
    check(path, expected)


def test_a_release_season_pack_is_a_season_folder_of_its_series() -> None:
    check(
        "Downloads/Show.Name.S01.COMPLETE.720p.BluRay/Show.Name.S01E03.720p.BluRay.mkv",
        {"series": "Show Name", "season": 1, "episode": 3},
    )
    check(
        "Downloads/Show.Name.S01.COMPLETE.720p.BluRay/",
        {"kind": "season_folder", "series": "Show Name", "season": 1},
    )
    check("Downloads/Show.Name.S01.COMPLETE.720p.BluRay/04.mkv", {"series": "Show Name"})
    check("Show S01 Something Else/", {"kind": "unknown"})


@pytest.mark.parametrize("word", ["Seasonal Affective (2001)", "Seasons (2015)", "Series 7 x"])
def test_titles_that_start_like_a_season_are_not_seasons(word: str) -> None:
    check(f"Movies/{word}/", {"kind": "movie_folder" if "(" in word else "unknown"})


def test_identities_from_one_folder_share_no_state() -> None:
    """A folder's name is parsed once for every file below it: what each identity holds is its
    own, so changing one identity's ids changes no other's."""
    folder = "/tv/Show (2020) [tvdbid-123]/"
    season = identify(folder + "Season 1/", library=LibraryKind.TV)
    first = identify(folder + "Season 1/Show S01E01.mkv", library=LibraryKind.TV)
    first.provider_ids["tvdb"] = "999"
    season.provider_ids.clear()
    again = identify(folder + "Season 1/Show S01E02.mkv", library=LibraryKind.TV)
    assert again.provider_ids == {"tvdb": "123"}
    assert identify(folder, library=LibraryKind.TV).provider_ids == {"tvdb": "123"}
    assert identify(folder + "Season 1/", library=LibraryKind.TV).provider_ids == {"tvdb": "123"}
