"""Probing and subtitles in the pipeline: a scanned library's files are probed after their
enrichment, what the probe found shows in the API (and filters listings), unreadable files keep
their items with the reason, and external subtitles join their videos."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pysubs2
import pytest

from reelhouse.config import MediaSettings, Settings
from reelhouse.infra.jobs.models import JobState
from reelhouse.playback.probing import PROBE_KIND
from reelhouse.testing import media
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled
from tests.support import Api
from tests.test_web import log_in

SRT_CP1252 = media.srt_text("Café, naïve — déjà vu.", "Voilà.")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test media, made once for the module."""
    folder = tmp_path_factory.mktemp("samples")
    return {
        "mp4": media.h264_aac_mp4(folder),
        "mkv": media.h264_ac3_two_languages_mkv(folder),
        "hdr": media.hevc_hdr10_mkv(folder),
        "subtitled": media.mkv_with_subtitles(folder),
    }


def place(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return target


def movie_library(root: Path, samples: dict[str, Path]) -> None:
    place(samples["mkv"], root / "Heat (1995)" / "Heat (1995).mkv")
    subs = root / "Heat (1995)" / "Subs"
    subs.mkdir(parents=True)
    media.external_srt(subs / "2_French.srt", SRT_CP1252, "cp1252")
    place(samples["hdr"], root / "Alien (1979)" / "Alien (1979) - 2160p.mkv")
    place(samples["mp4"], root / "Alien (1979)" / "Alien (1979) - 1080p.mp4")
    media.external_srt(
        root / "Alien (1979)" / "Alien (1979) - 1080p.en.srt", media.srt_text(), "utf-8", bom=True
    )
    place(samples["subtitled"], root / "Brazil (1985)" / "Brazil (1985).mkv")
    broken = root / "Casablanca (1942)" / "Casablanca (1942).mkv"
    broken.parent.mkdir()
    media.truncated(samples["mkv"], broken.parent, broken.name)
    qwzx = place(samples["mp4"], root / "Qwzx Vlorp (1987)" / "Qwzx Vlorp (1987).mp4")
    # An undecodable subtitle, and a VobSub pair: listed, never converted.
    (qwzx.parent / "Qwzx Vlorp (1987).en.srt").write_bytes(bytes(range(256)) * 4)
    (qwzx.parent / "Qwzx Vlorp (1987).de.sub").write_bytes(b"\x00\x00\x01\xba" + b"\x00" * 60)
    (qwzx.parent / "Qwzx Vlorp (1987).de.idx").write_text("# VobSub index file, v7\n")
    (root / "Dune (1984)").mkdir()
    (root / "Dune (1984)" / "Dune (1984).mp4").write_bytes(b"")


async def details_by_title(api: Api, token: dict[str, str]) -> dict[str, dict[str, Any]]:
    listing = await api.client.get("/api/movies?limit=50", headers=token)
    found = {}
    for movie in listing.json()["items"]:
        detail = await api.client.get(f"/api/movies/{movie['id']}", headers=token)
        found[movie["title"]] = detail.json()
    return found


async def scanned(api: Api, token: dict[str, str], root: Path) -> list[Any]:
    library = await add_library(api, token, "Movies", "movies", root)
    response = await api.client.post(f"/api/libraries/{library}/scan", headers=token)
    assert response.status_code == 202, response.text
    return await settled(api)


async def test_probed_files_show_their_streams_and_unreadable_ones_their_reason(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    samples: dict[str, Path],
) -> None:
    root = tmp_path / "movies"
    movie_library(root, samples)
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        jobs = await scanned(api, token, root)
        (probe,) = [j for j in jobs if j.kind == PROBE_KIND]
        assert probe.progress["counters"] == {"probed": 5, "failed": 2}
        movies = await details_by_title(api, token)

        # Files are in "files" (an item's own) and "extras"; extras are probed too.
        (heat,) = movies["Heat"]["files"]
        facts = heat["media"]
        assert facts["container"] == "matroska"
        assert facts["duration_s"] == pytest.approx(media.DURATION_S, abs=0.2)
        assert facts["size"] == heat["size"]
        (video,) = facts["video"]
        assert (video["codec"], video["width"], video["height"]) == ("h264", 320, 180)
        assert (video["bit_depth"], video["hdr"]) == (8, None)
        stereo, surround = facts["audio"]
        assert (stereo["codec"], stereo["channels"], stereo["language"]) == ("ac3", 2, "eng")
        assert (surround["channels"], surround["language"]) == (6, "ger")
        assert surround["commentary"]
        assert not stereo["commentary"]
        assert [c["title"] for c in facts["chapters"]] == ["Opening", "Ending"]
        (french,) = heat["subtitles"]
        assert (french["source"], french["language"], french["format"]) == ("external", "fr", "srt")
        # A movie no provider knows takes its runtime from its file (two seconds: a minute).
        assert movies["Qwzx Vlorp"]["runtime_minutes"] == 1

        by_container = {f["container"]: f for f in movies["Alien"]["files"]}
        hdr = by_container["mkv"]["media"]["video"][0]
        assert (hdr["codec"], hdr["bit_depth"], hdr["hdr"]) == ("hevc", 10, "hdr10")
        assert by_container["mkv"]["subtitles"] == []
        (english,) = by_container["mp4"]["subtitles"]
        assert (english["language"], english["number"]) == ("en", 0)

        embedded = movies["Brazil"]["files"][0]["subtitles"]
        assert [(s["source"], s["format"], s["language"]) for s in embedded] == [
            ("embedded", "subrip", "eng"),
            ("embedded", "ass", "fre"),
        ]
        assert embedded[1]["forced"]
        assert embedded[0]["default"]

        for title in ("Casablanca", "Dune"):
            (file,) = movies[title]["files"]
            assert file["media"] is None
            assert "Invalid data" in file["probe_error"] or "error" in file["probe_error"]

        await subtitles_are_served(api, token, movies)
        await the_page_shows_badges(api, movies)

        hdr_only = await api.client.get("/api/movies?hdr=true", headers=token)
        assert [m["title"] for m in hdr_only.json()["items"]] == ["Alien"]
        surround_sound = await api.client.get("/api/movies?min_channels=6", headers=token)
        assert [m["title"] for m in surround_sound.json()["items"]] == ["Heat"]
        uhd = await api.client.get("/api/movies?resolution=4k", headers=token)
        assert uhd.json()["items"] == []
        sd = await api.client.get("/api/movies?resolution=sd", headers=token)
        assert len(sd.json()["items"]) == 4


def cue_texts(vtt: str) -> list[str]:
    """The texts of a WebVTT document's cues, read by a subtitle library."""
    assert vtt.startswith("WEBVTT\n")
    return [event.plaintext for event in pysubs2.SSAFile.from_string(vtt, format_="vtt")]


async def subtitles_are_served(
    api: Api, token: dict[str, str], movies: dict[str, dict[str, Any]]
) -> None:
    async def vtt(title: str, number: int, file_id: int | None = None) -> Any:
        query = f"?file={file_id}" if file_id else ""
        item = movies[title]["id"]
        return await api.client.get(
            f"/api/items/{item}/subtitles/{number}.vtt{query}", headers=token
        )

    french = await vtt("Heat", 0)
    assert french.status_code == 200, french.text
    assert french.headers["content-type"] == "text/vtt; charset=utf-8"
    assert cue_texts(french.text) == ["Café, naïve — déjà vu.", "Voilà."]
    assert (await vtt("Heat", 1)).status_code == 404
    english = next(f for f in movies["Alien"]["files"] if f["container"] == "mp4")
    assert cue_texts((await vtt("Alien", 0, english["id"])).text) == ["Hello there.", "Goodbye."]
    # The other version has no subtitles.
    assert (await vtt("Alien", 0)).status_code == 404
    for number, texts in ((0, ["Hello there.", "Goodbye."]), (1, ["Bonjour.", "Au revoir."])):
        embedded = await vtt("Brazil", number)
        assert embedded.status_code == 200, embedded.text
        assert cue_texts(embedded.text) == texts
        again = await vtt("Brazil", number)  # from the subtitle cache now
        assert again.content == embedded.content
    formats = [(t["format"], t["text"]) for t in movies["Qwzx Vlorp"]["files"][0]["subtitles"]]
    assert sorted(formats) == [("idx", False), ("srt", True), ("sub", False)]
    for track in movies["Qwzx Vlorp"]["files"][0]["subtitles"]:
        refused = await vtt("Qwzx Vlorp", track["number"])
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"


async def the_page_shows_badges(api: Api, movies: dict[str, dict[str, Any]]) -> None:
    await log_in(api, "viewer", is_admin=True)

    async def page(title: str) -> str:
        response = await api.client.get(f"/movies/{movies[title]['id']}")
        assert response.status_code == 200, response.text
        return response.text

    heat = await page("Heat")
    assert re.findall(r'class="badge media">([^<]*)', heat) == ["SD", "H264", "5.1"]
    assert "♪ eng, ger" in heat
    assert "CC fr" in heat
    alien = await page("Alien")  # two versions, each with its own badges
    assert "HDR10" in alien
    assert "HEVC" in alien
    assert "Stereo" in alien
    assert "Not readable: " in await page("Casablanca")


async def test_a_second_scan_probes_only_what_changed(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    samples: dict[str, Path],
) -> None:
    root = tmp_path / "movies"
    place(samples["mp4"], root / "Heat (1995)" / "Heat (1995).mp4")
    place(samples["mkv"], root / "Alien (1979)" / "Alien (1979).mkv")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        scan = f"/api/libraries/{library}/scan"
        await api.client.post(scan, headers=token)
        first = [j for j in await settled(api) if j.kind == PROBE_KIND]
        assert first[0].progress["counters"] == {"probed": 2}
        # The same files again: nothing to probe. A file replaced by other bytes: probed again.
        place(samples["hdr"], root / "Alien (1979)" / "Alien (1979).mkv")
        await api.client.post(scan, headers=token)
        second = [j for j in await settled(api) if j.kind == PROBE_KIND]
        assert len(second) == 2
        assert second[0].progress["counters"] == {"probed": 1}
        movies = await details_by_title(api, token)
        assert movies["Alien"]["files"][0]["media"]["video"][0]["codec"] == "hevc"


async def test_without_ffprobe_nothing_is_probed_and_subtitles_still_attach(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    samples: dict[str, Path],
) -> None:
    root = tmp_path / "movies"
    place(samples["mp4"], root / "Heat (1995)" / "Heat (1995).mp4")
    media.external_srt(root / "Heat (1995)" / "Heat (1995).en.srt", media.srt_text(), "utf-8")
    settings = pipeline_settings(
        provider_settings,
        database_url,
        tmp_path / "data",
        media=MediaSettings(ffprobe_path=str(tmp_path / "no-ffprobe-here")),
    )
    async with running_server(settings) as (api, token):
        jobs = await scanned(api, token, root)
        (probe,) = [j for j in jobs if j.kind == PROBE_KIND]
        assert probe.state == JobState.SUCCEEDED
        assert probe.progress["counters"] == {}
        (file,) = (await details_by_title(api, token))["Heat"]["files"]
        assert (file["media"], file["probe_error"]) == (None, None)
        (english,) = file["subtitles"]
        assert (english["source"], english["language"]) == ("external", "en")


async def test_listings_sort_by_resolution_and_channels_page_by_page(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    samples: dict[str, Path],
) -> None:
    root = tmp_path / "movies"
    root.mkdir()
    media.h264_aac_mp4(root, "Wide Qwzx (2001).mp4", size="640x360")
    place(samples["mkv"], root / "Surround Qwzx (2002).mkv")
    place(samples["mp4"], root / "Small Qwzx (2003).mp4")
    (root / "Empty Qwzx (2004).mp4").write_bytes(b"")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        await scanned(api, token, root)

        async def titles(query: str) -> list[str]:
            found, cursor = [], None
            while True:
                after = f"&cursor={cursor}" if cursor else ""
                page = await api.client.get(f"/api/movies?{query}&limit=1{after}", headers=token)
                assert page.status_code == 200, page.text
                found += [m["title"] for m in page.json()["items"]]
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    return found

        # Items without a probe come last, whichever the direction; ties in id order.
        widest = await titles("sort=resolution&order=desc")
        assert (widest[0], set(widest[1:3]), widest[3]) == (
            "Wide Qwzx",
            {"Surround Qwzx", "Small Qwzx"},
            "Empty Qwzx",
        )
        narrowest = await titles("sort=resolution")
        assert (set(narrowest[:2]), narrowest[2:]) == (
            {"Surround Qwzx", "Small Qwzx"},
            ["Wide Qwzx", "Empty Qwzx"],
        )
        loudest = await titles("sort=channels&order=desc")
        assert (loudest[0], set(loudest[1:3]), loudest[3]) == (
            "Surround Qwzx",
            {"Wide Qwzx", "Small Qwzx"},
            "Empty Qwzx",
        )


async def test_external_subtitles_follow_renames_and_deletes(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    samples: dict[str, Path],
) -> None:
    folder = tmp_path / "movies" / "Heat (1995)"
    place(samples["mp4"], folder / "Heat (1995).mp4")
    media.external_srt(folder / "Heat (1995).en.srt", media.srt_text(), "utf-8")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", folder.parent)

        async def rescanned() -> list[tuple[str, str, str]]:
            response = await api.client.post(f"/api/libraries/{library}/scan", headers=token)
            assert response.status_code == 202, response.text
            await settled(api)
            (file,) = (await details_by_title(api, token))["Heat"]["files"]
            return [(file["path"].rsplit("/", 1)[-1], s["language"], s["format"])
                    for s in file["subtitles"]]  # fmt: skip

        assert await rescanned() == [("Heat (1995).mp4", "en", "srt")]
        # Renamed together (as Radarr renames a film and its subtitles): still together.
        (folder / "Heat (1995).mp4").rename(folder / "Heat (1995) - 1080p.mp4")
        (folder / "Heat (1995).en.srt").rename(folder / "Heat (1995) - 1080p.en.srt")
        assert await rescanned() == [("Heat (1995) - 1080p.mp4", "en", "srt")]
        # A subtitle deleted leaves the details at once; one added joins.
        (folder / "Heat (1995) - 1080p.en.srt").unlink()
        assert await rescanned() == []
        media.external_srt(folder / "Heat (1995) - 1080p.de.srt", media.srt_text(), "utf-8")
        assert await rescanned() == [("Heat (1995) - 1080p.mp4", "de", "srt")]
