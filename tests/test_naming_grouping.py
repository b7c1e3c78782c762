"""Grouping paths into items: stacked parts, alternate versions, extras and subtitles."""

from __future__ import annotations

from typing import Any

from reelhouse.kinds import LibraryKind
from reelhouse.naming import group, group_items, identify


def grouped(*paths: str, library: LibraryKind | None = None) -> list[dict[str, Any]]:
    return group(identify(p, library=library) for p in paths)


def test_stacked_parts_and_versions_extras_and_subtitles_make_one_movie() -> None:
    items = grouped(
        "Heat (1995)/Heat (1995)-cd2.avi",
        "Heat (1995)/Heat (1995)-cd1.avi",
        "Heat (1995)/Heat (1995) - 2160p.mkv",
        "Heat (1995)/Heat (1995)-trailer.mkv",
        "Heat (1995)/Featurettes/Making Heat.mkv",
        "Heat (1995)/Heat (1995)-cd1.en.forced.srt",
        "Heat (1995)/sample.mkv",
    )
    movie, sample = items
    assert (movie["kind"], movie["title"], movie["year"]) == ("movie", "Heat", 1995)
    assert movie["versions"] == [
        {"label": "Heat (1995)", "parts": ["Heat (1995)/Heat (1995)-cd1.avi",
                                           "Heat (1995)/Heat (1995)-cd2.avi"]},
        {"label": "2160p", "parts": ["Heat (1995)/Heat (1995) - 2160p.mkv"]},
    ]  # fmt: skip
    assert [e["extra_type"] for e in movie["extras"]] == ["trailer", "featurette"]
    assert [s["language"] for s in movie["subtitles"]] == ["en"]
    assert sample["kind"] == "sample"


def test_a_dvd_folder_is_one_movie_with_one_version() -> None:
    (movie,) = grouped(
        "Heat (1995)/VIDEO_TS/VIDEO_TS.IFO",
        "Heat (1995)/VIDEO_TS/VTS_01_1.VOB",
        "Heat (1995)/VIDEO_TS/VTS_01_2.VOB",
    )
    assert [v["label"] for v in movie["versions"]] == ["dvd"]
    assert len(movie["versions"][0]["parts"]) == 3


def test_flat_folders_keep_movies_apart_and_attach_extras_by_name() -> None:
    items = grouped(
        "Movies/Heat (1995).mkv",
        "Movies/Alien (1979).mkv",
        "Movies/Alien (1979)-trailer.mkv",
        "Movies/Alien (1979).de.srt",
    )
    by_title = {i["title"]: i for i in items}
    assert set(by_title) == {"Heat", "Alien"}
    assert len(by_title["Alien"]["extras"]) == 1
    assert len(by_title["Alien"]["subtitles"]) == 1
    assert "extras" not in by_title["Heat"]


def test_release_subs_folder_belongs_to_the_video_above() -> None:
    (movie,) = grouped(
        "Heat.1995.1080p.BluRay-GRP/Heat.1995.1080p.BluRay-GRP.mkv",
        "Heat.1995.1080p.BluRay-GRP/Subs/2_English.srt",
    )
    assert movie["subtitles"][0]["language"] == "en"


def test_subs_sorted_by_video_belong_to_that_video() -> None:
    paths = (
        "Show.S01.1080p-GRP/Show.S01E01.1080p-GRP.mkv",
        "Show.S01.1080p-GRP/Show.S01E02.1080p-GRP.mkv",
        "Show.S01.1080p-GRP/Subs/Show.S01E02.1080p-GRP/3_French.srt",
    )
    grouping = group_items(identify(p) for p in paths)
    (owner,) = [item for item in grouping.items if item.subtitles]
    (subtitle,) = owner.subtitles
    assert owner.video_of(subtitle).path == paths[1]
    assert subtitle.language == "fr"


def test_a_subtitle_belongs_to_the_version_its_name_names() -> None:
    paths = (
        "Heat (1995)/Heat (1995) - 2160p.mkv",
        "Heat (1995)/Heat (1995) - 1080p.mkv",
        "Heat (1995)/Heat (1995) - 1080p.de.srt",
        "Heat (1995)/Subs/English.srt",
    )
    (movie,) = group_items(identify(p) for p in paths).items
    named, loose = movie.subtitles
    assert movie.video_of(named).path == paths[1]
    # A subtitle that names no version belongs to the first one.
    assert movie.video_of(loose).path == paths[0]


def test_episode_versions_are_one_episode() -> None:
    items = grouped(
        "Show/Season 1/Show S01E01.mkv",
        "Show/Season 1/Show S01E01 - 720p.mkv",
        "Show/Season 1/Show S01E02-E03.mkv",
    )
    assert [(i["episodes"], len(i["versions"])) for i in items] == [([1], 2), ([2, 3], 1)]


def test_unowned_extras_and_junk_stand_alone() -> None:
    items = grouped("Trailers/Something.mkv", "@eaDir/x.mkv")
    assert sorted(i["kind"] for i in items) == ["extra", "ignored"]
