"""Extras, samples, subtitles, junk and ignore rules, and the library-root rule."""

from __future__ import annotations

from typing import Any

import pytest

from reelhouse.naming import IgnoreRules, Kind, identify
from tests.naming_cases import check

EXTRA_FOLDERS = [
    ("Extras", "other"),
    ("extras", "other"),
    ("Featurettes", "featurette"),
    ("Behind The Scenes", "behind_the_scenes"),
    ("Deleted Scenes", "deleted_scene"),
    ("Interviews", "interview"),
    ("Scenes", "scene"),
    ("Shorts", "short"),
    ("Trailers", "trailer"),
    ("Other", "other"),
    ("Clips", "clip"),
    ("theme-music", "theme_song"),
    ("backdrops", "theme_video"),
]


@pytest.mark.parametrize(("folder", "extra_type"), EXTRA_FOLDERS)
def test_extras_by_folder(folder: str, extra_type: str) -> None:
    check(
        f"Movies/Heat (1995)/{folder}/Anything At All (2020).mkv",
        {"kind": "extra", "extra_type": extra_type, "owner": "Movies/Heat (1995)/"},
    )
    check(f"Show/{folder}/Blooper Reel.mp4", {"kind": "extra", "owner": "Show/"})
    check(f"Show/{folder}/", {"kind": "extra", "extra_type": extra_type, "owner": "Show/"})


SUFFIXES = [
    ("trailer", "trailer"),
    ("featurette", "featurette"),
    ("behindthescenes", "behind_the_scenes"),
    ("deleted", "deleted_scene"),
    ("deletedscene", "deleted_scene"),
    ("interview", "interview"),
    ("scene", "scene"),
    ("short", "short"),
    ("clip", "clip"),
    ("other", "other"),
    ("extra", "other"),
]


@pytest.mark.parametrize(("suffix", "extra_type"), SUFFIXES)
def test_extras_by_suffix(suffix: str, extra_type: str) -> None:
    check(
        f"Heat (1995)/Heat (1995)-{suffix}.mkv",
        {"kind": "extra", "extra_type": extra_type, "title": "Heat", "year": 1995},
    )
    check(f"Heat (1995)/Making Of-{suffix}2.mkv", {"kind": "extra", "extra_type": extra_type})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Heat (1995)/trailer.mkv", {"kind": "extra", "extra_type": "trailer", "title": None}),
        ("Heat (1995)/Trailer.MP4", {"kind": "extra", "extra_type": "trailer"}),
        ("Heat (1995)/Heat.1995.trailer.mkv", {"kind": "extra", "extra_type": "trailer"}),
        ("Heat (1995)/theme.mp3", {"kind": "extra", "extra_type": "theme_song"}),
        ("Heat (1995)/backdrop.mp4", {"kind": "extra", "extra_type": "theme_video"}),
        ("Heat (1995)/song.mp3", {"kind": "ignored", "reason": "not_media"}),
        ("Heat (1995)/Short Circuit (1986).mkv", {"kind": "movie", "title": "Short Circuit"}),
        ("Heat (1995)/The Other Guys (2010).mkv", {"kind": "movie", "title": "The Other Guys"}),
        ("Trailer Park Boys (2001)/S01E01.mkv", {"kind": "episode", "series": "Trailer Park Boys"}),
    ],
)
def test_extras_by_name(path: str, expected: dict[str, Any]) -> None:
    check(path, expected)


@pytest.mark.parametrize(
    "path",
    [
        "Movie.2010.1080p.BluRay.x264-GRP/sample-movie.2010.1080p.mkv",
        "Movie.2010.1080p.BluRay.x264-GRP/movie.2010.1080p-sample.mkv",
        "Movie.2010.1080p.BluRay.x264-GRP/Sample/movie.mkv",
        "Movie.2010.1080p.BluRay.x264-GRP/grp-movie.sample.mkv",
        "Movie (2010)/sample.mkv",
        "Movie (2010)/Movie (2010) sample.mkv",
        "Movies/Movie (2010)/Samples/clip.mkv",
        "Show/Season 1/Show.S01E01.SAMPLE.mkv",
    ],
)
def test_samples(path: str) -> None:
    check(path, {"kind": "sample", "extra_type": "sample"})


def test_sample_in_a_title_is_not_a_sample() -> None:
    check("Free Sample Friday (2015).mkv", {"kind": "movie", "title": "Free Sample Friday"})


@pytest.mark.parametrize(
    ("root", "path"),
    [
        ("/media/Trailers", "/media/Trailers/Heat (1995)/Heat (1995).mkv"),
        ("/media/Extras/", "/media/Extras/Heat (1995).mkv"),
        ("/srv/Samples", "/srv/Samples/Heat (1995).mkv"),
        ("/srv/.hidden/movies", "/srv/.hidden/movies/Heat (1995).mkv"),
    ],
)
def test_the_library_root_is_never_an_extras_or_junk_folder(root: str, path: str) -> None:
    check(path, {"kind": "movie", "title": "Heat"}, root=root)


def test_the_library_root_itself() -> None:
    check("/media/movies/", {"kind": "unknown", "reason": "library_root"}, root="/media/movies")


def test_without_the_root_the_same_folder_is_an_extras_folder() -> None:
    check("/media/Trailers/Heat (1995).mkv", {"kind": "extra"})


@pytest.mark.parametrize(
    "path",
    [
        "Movies/@eaDir/Heat (1995).mkv",
        "Movies/#recycle/Heat (1995).mkv",
        "$RECYCLE.BIN/Heat (1995).mkv",
        "Movies/.snapshot/daily/Heat (1995).mkv",
        "lost+found/#12345.mkv",
        "Movies/.hidden.mkv",
        "Movies/Heat (1995)/.Heat (1995).mkv",
        "Movies/Thumbs.db",
        "Movies/Heat (1995)/.DS_Store",
        "System Volume Information/x.mkv",
        "Movies/.Trash-1000/Heat (1995).mkv",
        "Movies/@eaDir/",
        "Movies/Heat (1995)/Plex Versions/Optimized for TV/Heat (1995).mp4",
    ],
)
def test_junk_is_ignored(path: str) -> None:
    check(path, {"kind": "ignored", "reason": "junk"})


@pytest.mark.parametrize(
    "path", ["Heat (1995)/Heat (1995).nfo", "Heat (1995)/poster.jpg", "readme", "x.txt"]
)
def test_files_that_are_not_media_are_ignored(path: str) -> None:
    check(path, {"kind": "ignored", "reason": "not_media"})


def test_an_empty_ignore_file_skips_its_folder() -> None:
    rules = IgnoreRules.of([("Movies/Private", "")])
    ignored = identify("Movies/Private/Heat (1995).mkv", ignore=rules)
    kept = identify("Movies/Public/Heat (1995).mkv", ignore=rules)
    assert (ignored.kind, ignored.reason) == (Kind.IGNORED, "ignore_file")
    assert kept.kind is Kind.MOVIE
    assert identify("Movies/Private/", ignore=rules).kind is not Kind.IGNORED
    assert identify("Movies/Private/deeper/x (2001).mkv", ignore=rules).kind is Kind.IGNORED


@pytest.mark.parametrize(
    ("content", "path", "ignored"),
    [
        ("*.sample.mkv\n", "Movies/a.sample.mkv", True),
        ("*.sample.mkv\n", "Movies/Heat (1995).mkv", False),
        ("# comment\n\nwip/\n", "Movies/wip/Heat (1995).mkv", True),
        ("wip/\n", "Movies/wip.mkv", False),
        ("/Heat*\n", "Movies/Heat (1995)/Heat (1995).mkv", True),
        ("/Heat*\n", "Movies/x/Heat (1995).mkv", False),
        ("*.mkv\n!keep.mkv\n", "Movies/keep.mkv", False),
        ("*.mkv\n!keep.mkv\n", "Movies/drop.mkv", True),
        ("**/extras-old/**\n", "Movies/a/extras-old/b.mkv", True),
    ],
)
def test_ignore_files_hold_gitignore_patterns(content: str, path: str, ignored: bool) -> None:
    rules = IgnoreRules.of([("Movies", content)])
    assert rules.ignores(path, is_dir=False) is ignored


def test_an_ignore_file_never_ignores_its_own_folder() -> None:
    rules = IgnoreRules.of([("Movies", "")])
    assert not rules.ignores("Movies/", is_dir=True)
    assert rules.ignores("Movies/x/", is_dir=True)
    assert not rules.ignores("Moviesx/y.mkv", is_dir=False)


SUBTITLES: list[tuple[str, dict[str, Any]]] = [
    ("Heat (1995)/Heat (1995).en.srt", {"language": "en", "forced": False, "sdh": False}),
    ("Heat (1995)/Heat (1995).eng.srt", {"language": "en", "video_stem": "Heat (1995)"}),
    ("Heat (1995)/Heat (1995).en.forced.srt", {"language": "en", "forced": True}),
    ("Heat (1995)/Heat (1995).forced.en.srt", {"language": "en", "forced": True}),
    ("Heat (1995)/Heat (1995).de.sdh.srt", {"language": "de", "sdh": True}),
    ("Heat (1995)/Heat (1995).fr.cc.ass", {"language": "fr", "sdh": True}),
    ("Heat (1995)/Heat (1995).es.hi.srt", {"language": "es", "sdh": True}),
    ("Heat (1995)/Heat (1995).pt-BR.default.srt", {"language": "pt-BR", "default": True}),
    ("Heat (1995)/Heat (1995).zh-Hant.srt", {"language": "zh-Hant"}),
    (
        "Heat (1995)/Heat (1995).ger.forced.default.sub",
        {"language": "de", "forced": True, "default": True},
    ),
    ("Heat (1995)/Heat (1995).English.srt", {"language": "en"}),
    ("Heat (1995)/Heat (1995).srt", {"language": None, "video_stem": "Heat (1995)"}),
    ("Heat (1995)/Heat (1995).1080p.srt", {"language": None, "video_stem": "Heat (1995).1080p"}),
    ("Heat.1995.1080p.BluRay-GRP/Subs/2_English.srt", {"language": "en", "video_stem": None}),
    ("Heat.1995.1080p.BluRay-GRP/Subs/French.srt", {"language": "fr"}),
    ("Show/Season 1/Show S01E01.en.vtt", {"language": "en", "video_stem": "Show S01E01"}),
]


@pytest.mark.parametrize(("path", "expected"), SUBTITLES)
def test_external_subtitles(path: str, expected: dict[str, Any]) -> None:
    check(path, {"kind": "subtitle", **expected})
