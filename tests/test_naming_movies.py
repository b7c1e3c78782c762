"""Movie names as Plex, Jellyfin, Kodi and Radarr write them, and as releases arrive."""

from __future__ import annotations

from typing import Any

import pytest

from reelhouse.kinds import LibraryKind
from tests.naming_cases import check

MOVIES: list[tuple[str, dict[str, Any]]] = [
    # Title (Year): folders and files.
    ("Movies/The Matrix (1999)/The Matrix (1999).mkv", {"title": "The Matrix", "year": 1999}),
    ("Avatar (2009).mp4", {"kind": "movie", "title": "Avatar", "year": 2009}),
    ("Amélie (2001)/Amélie (2001).mkv", {"title": "Amélie", "year": 2001}),
    ("Léon The Professional [1994].avi", {"title": "Léon The Professional", "year": 1994}),
    ("Se7en (1995)/Se7en (1995).mkv", {"title": "Se7en", "year": 1995}),
    ("WALL·E (2008).mkv", {"title": "WALL·E", "year": 2008}),
    ("Mission Impossible - Fallout (2018).mkv", {"title": "Mission Impossible - Fallout"}),
    (
        "Star Wars Episode IV - A New Hope (1977).mkv",
        {"title": "Star Wars Episode IV - A New Hope"},
    ),
    # Titles with numbers, years and quality-like words.
    ("2001 A Space Odyssey (1968).mkv", {"title": "2001 A Space Odyssey", "year": 1968}),
    ("1917 (2019)/1917 (2019).mkv", {"title": "1917", "year": 2019}),
    ("2012 (2009).mkv", {"title": "2012", "year": 2009}),
    ("Real Steel (2011).mkv", {"title": "Real Steel", "year": 2011}),
    ("It (2017).mkv", {"title": "It", "year": 2017}),
    ("It.mkv", {"title": "It", "year": None}),
    ("Cam (2018).mkv", {"title": "Cam", "year": 2018}),
    ("Cam.2018.1080p.NF.WEB-DL.DDP5.1.x264-GRP.mkv", {"title": "Cam", "year": 2018}),
    ("Blade.Runner.2049.2017.2160p.UHD.BluRay.x265-GRP.mkv", {"title": "Blade Runner 2049"}),
    ("1917.2019.1080p.BluRay.x264-GRP.mkv", {"title": "1917", "year": 2019}),
    ("2001.A.Space.Odyssey.1968.1080p.BluRay.x264.mkv", {"title": "2001 A Space Odyssey"}),
    ("The.French.Connection.1971.720p.BluRay.mkv", {"title": "The French Connection"}),
    ("Charlottes.Web.2006.1080p.WEB.h264-GRP.mkv", {"title": "Charlottes Web", "year": 2006}),
    ("Ocean's Eleven (2001).mkv", {"title": "Ocean's Eleven", "year": 2001}),
    ("Apollo 13 (1995).mkv", {"title": "Apollo 13", "year": 1995}),
    ("The Final Cut (2004).mkv", {"title": "The Final Cut", "edition": None}),
    ("Harry Potter and the Deathly Hallows Part 2 (2011).mkv", {"part": None, "year": 2011}),
    # Release names.
    ("The.Matrix.1999.1080p.BluRay.x264-GRP.mkv", {"title": "The Matrix", "year": 1999}),
    ("The Matrix 1999 1080p BluRay x264.mkv", {"title": "The Matrix", "year": 1999}),
    ("the_matrix_1999_720p.mkv", {"title": "the matrix", "year": 1999}),
    ("Inception.2010.PROPER.720p.BRRip.XviD.AC3-GRP.avi", {"title": "Inception", "year": 2010}),
    (
        "Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-GRP.mkv",
        {"title": "Dune Part Two"},
    ),
    ("Parasite.2019.KOREAN.1080p.BluRay.x264.DTS-GRP.mkv", {"title": "Parasite", "year": 2019}),
    ("Amelie.2001.FRENCH.1080p.BluRay.mkv", {"title": "Amelie", "year": 2001}),
    ("[YTS] Heat (1995) [1080p].mp4", {"title": "Heat", "year": 1995}),
    ("Heat.1995.REMASTERED.1080p.BluRay.x264-GRP.mkv", {"edition": "Remastered"}),
    ("Movie.Title.2019.720p.HDTV.x264-GRP.mkv", {"title": "Movie Title", "year": 2019}),
    ("The.Man.from.U.N.C.L.E.2015.1080p.BluRay.mkv", {"title": "The Man from U.N.C.L.E."}),
    ("Show - E I E I O (2001).mkv", {"title": "Show - E I E I O"}),
    ("www.Torrenting.com - The.Matrix.1999.1080p.mkv", {"title": "The Matrix", "year": 1999}),
    ("[ www.Site.org ] - Heat (1995).mkv", {"title": "Heat", "year": 1995}),
    (
        "The Matrix (1999) {imdb-tt0133093} [Bluray-1080p][DTS 5.1][x264]-GRP.mkv",
        {"title": "The Matrix", "year": 1999, "provider_ids": {"imdb": "tt0133093"}},
    ),
    ("The.Matrix.(1999).mkv", {"title": "The Matrix", "year": 1999}),
    ("Movie.Name.2019.1080p.WEB-DL.H264.AC3-EVO[EtHD].mkv", {"title": "Movie Name", "year": 2019}),
    ("The.Matrix.1999 [1080p].mkv", {"title": "The Matrix", "year": 1999}),
    ("Mr. Nobody 2009 720p.mkv", {"title": "Mr. Nobody", "year": 2009}),
    # Editions.
    (
        "Blade Runner (1982) {edition-Final Cut}.mkv",
        {"title": "Blade Runner", "edition": "Final Cut"},
    ),
    ("Alien (1979) {edition-Director's Cut}.mkv", {"edition": "Director's Cut"}),
    (
        "Aliens.1986.Special.Edition.1080p.BluRay.mkv",
        {"title": "Aliens", "edition": "Special Edition"},
    ),
    ("Apocalypse Now (1979) - Redux.mkv", {"title": "Apocalypse Now", "edition": "Redux"}),
    ("Kingdom.of.Heaven.2005.Directors.Cut.1080p.BluRay.mkv", {"edition": "Director's Cut"}),
    ("Avatar.2009.EXTENDED.1080p.BluRay.x264.mkv", {"title": "Avatar", "edition": "Extended"}),
    ("Movie (2010) - Theatrical Cut.mkv", {"edition": "Theatrical", "version": "Theatrical Cut"}),
    ("Movie.2010.UNRATED.720p.mkv", {"edition": "Unrated"}),
    ("Movie.2010.IMAX.2160p.mkv", {"edition": "IMAX"}),
    ("Movie.2010.25th.Anniversary.Edition.1080p.mkv", {"edition": "Anniversary Edition"}),
    # Provider ids, in every form.
    (
        "The Matrix (1999) [tmdbid-603].mkv",
        {"provider_ids": {"tmdb": "603"}, "title": "The Matrix"},
    ),
    ("The Matrix (1999) {tmdb-603}.mkv", {"provider_ids": {"tmdb": "603"}}),
    ("The Matrix (1999) [imdbid-tt0133093].mkv", {"provider_ids": {"imdb": "tt0133093"}}),
    ("The Matrix (1999) {imdb-tt0133093}.mkv", {"provider_ids": {"imdb": "tt0133093"}}),
    ("The Matrix (1999) (tmdb=603).mkv", {"provider_ids": {"tmdb": "603"}}),
    ("The Matrix (1999) [tmdbid=603].mkv", {"provider_ids": {"tmdb": "603"}}),
    ("The Matrix [tmdbid-603] (1999).mkv", {"title": "The Matrix", "year": 1999}),
    (
        "The Matrix (1999) [imdbid-tt0133093] [tmdbid-603]/The Matrix (1999).mkv",
        {"provider_ids": {"imdb": "tt0133093", "tmdb": "603"}, "title": "The Matrix"},
    ),
    ("Movie (2010) [tmdbid-0].mkv", {"provider_ids": None}),
    ("Movie (2010) [imdbid-0133093].mkv", {"provider_ids": None}),
    ("Movie (2010) [tmdbid-99999999999999999999].mkv", {"provider_ids": None}),
    ("Movie (2010) [TMDBID-42].mkv", {"provider_ids": {"tmdb": "42"}}),
    # Stacking: files and folders, digits and letters.
    ("Movie (2010)/Movie (2010)-cd1.avi", {"title": "Movie", "part": 1}),
    ("Movie (2010)/Movie (2010) - cd2.avi", {"title": "Movie", "part": 2, "version": None}),
    ("Movie (2010)/Movie (2010) part3.mkv", {"part": 3}),
    ("Movie (2010)/Movie (2010).pt4.mkv", {"part": 4}),
    ("Movie (2010)/Movie (2010) disc 1.mkv", {"part": 1}),
    ("Movie (2010)/Movie (2010)-disk2.mkv", {"part": 2}),
    ("Movie (2010)/Movie (2010)-dvd1.mkv", {"part": 1}),
    ("Movie (2010)/Movie (2010)-partb.mkv", {"part": 2}),
    ("Movie (2010)/Movie (2010) cd_d.avi", {"part": 4}),
    ("Movie.2010.DVDRip.XviD-GRP/movie-cd1.avi", {"title": "Movie", "year": 2010, "part": 1}),
    ("Movie.2010.CD2.XviD-GRP.avi", {"title": "Movie", "year": 2010, "part": 2}),
    ("Movie (2010)/CD1/movie.avi", {"title": "Movie", "year": 2010, "part": 1}),
    ("Movie (2010)/Disc 2/VIDEO_TS/VTS_01_1.VOB", {"title": "Movie", "part": 2, "disc": "dvd"}),
    ("Movie (2010)/cd2.avi", {"title": "Movie", "year": 2010, "part": 2}),
    # Alternate versions.
    ("Movie (2010)/Movie (2010) - 1080p.mkv", {"title": "Movie", "version": "1080p"}),
    ("Movie (2010)/Movie (2010) - 2160p HDR.mkv", {"version": "2160p HDR"}),
    ("Movie (2010)/Movie (2010) [4K].mkv", {"version": "4K", "title": "Movie"}),
    ("Movie (2010)/Movie (2010) - [1080p].mkv", {"version": "1080p"}),
    ("Movie (2010)/Movie (2010) - Director's Cut.mkv", {"version": "Director's Cut"}),
    # 3D.
    ("Avatar (2009) 3D HSBS.mkv", {"format_3d": "hsbs", "title": "Avatar"}),
    ("Avatar (2009).3d.fsbs.mkv", {"format_3d": "fsbs"}),
    ("Avatar (2009) - 3D.HTAB.mkv", {"format_3d": "htab"}),
    ("Avatar.2009.3D.1080p.BluRay.Half-OU.x264.mkv", {"format_3d": "htab"}),
    ("Avatar (2009) [3D FTAB].mkv", {"format_3d": "ftab"}),
    ("Avatar.2009.1080p.3D.MVC.BluRay.mkv", {"format_3d": "mvc"}),
    ("Avatar (2009) 3D.mkv", {"format_3d": "3d"}),
    ("Avatar (2009).mkv", {"format_3d": None}),
    # Disc structures and stubs.
    ("Movie (2010)/VIDEO_TS/VIDEO_TS.IFO", {"kind": "movie", "title": "Movie", "disc": "dvd"}),
    ("Movie (2010)/BDMV/STREAM/00001.m2ts", {"kind": "movie", "year": 2010, "disc": "bluray"}),
    ("Movie (2010)/BDMV/", {"kind": "movie", "title": "Movie", "disc": "bluray"}),
    ("Movie (2010)/VIDEO_TS/", {"kind": "movie", "disc": "dvd"}),
    ("Movie (2010).iso", {"kind": "movie", "title": "Movie", "disc": "iso"}),
    ("Movie (2010)/movie.img", {"kind": "movie", "title": "Movie", "disc": "iso"}),
    ("Movie (2010).dvd.disc", {"kind": "movie", "title": "Movie", "stub_type": "dvd"}),
    ("Movie (2010).bluray.disc", {"title": "Movie", "stub_type": "bluray"}),
    ("Movie (2010).hddvd.disc", {"stub_type": "hddvd"}),
    ("Movie (2010).disc", {"title": "Movie", "stub_type": "disc"}),
    # The folder completes a generic or yearless file name.
    ("Movie (2010)/movie.mkv", {"title": "Movie", "year": 2010}),
    ("Some Film (1984) [tmdbid-9]/some film.mkv", {"title": "Some Film", "year": 1984}),
    ("Some Film (1984)/Other Name.mkv", {"title": "Other Name", "year": None}),
]


@pytest.mark.parametrize(("path", "expected"), MOVIES)
def test_movie_names(path: str, expected: dict[str, Any]) -> None:
    check(path, expected)


@pytest.mark.parametrize(
    "path",
    [
        "Movies/Star Trek (2009)/Star Trek (2009).mkv",
        "Show S01E02 (2009).mkv",
        "The.Matrix.1999.1080p.mkv",
    ],
)
def test_a_movie_library_never_makes_episodes(path: str) -> None:
    check(path, {"kind": "movie"}, LibraryKind.MOVIES)


def test_every_movie_is_decided_by_the_fast_path() -> None:
    for path, _ in MOVIES:
        check(path, {"decided_by": "fast"})


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("Movie Title 2 3.mkv", "Movie Title 2 3"),
        ("Godzilla vs Kong 4 5 720.mkv", "Godzilla vs Kong 4 5"),
        ("Kill Bill Vol 2.mkv", "Kill Bill"),
    ],
)
def test_unsure_names_go_to_guessit(path: str, title: str) -> None:
    check(path, {"decided_by": "guessit", "kind": "movie", "title": title})
