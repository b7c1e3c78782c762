"""A synthetic media library: realistic paths with the identity each one should get.

Plex / Jellyfin / Kodi names, release names, extras, samples, stacked parts, alternate versions,
multi-episode files, date-based shows, anime, subtitles and junk; deterministic from a seed.
Titles come from a built-in word list or from a catalogue (the fake providers' titles).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_WORDS = (
    "Silent", "River", "Night", "Empire", "Last", "Winter", "Golden", "City", "Shadow", "Storm",
    "Glass", "Iron", "Summer", "Hidden", "Signal", "Harbor", "Echo", "Crimson", "Paper", "Moon",
    "North", "Wild", "Lost", "Garden", "Falcon", "Bright", "Stone", "Cold", "Velvet", "Machine",
    "Quiet", "Broken", "Secret", "Orchard", "Tide", "Ember", "Atlas", "Copper", "Distant", "Ghost",
    "Amélie", "Café", "Straße", "Ōkami", "Ægir", "Niño",
)  # fmt: skip
_TRICKY = (
    "It",
    "Cam",
    "Real Steel",
    "2001 A Space Odyssey",
    "1917",
    "The 100",
    "Se7en",
    "Apollo 13",
)
_RESOLUTIONS = ("720p", "1080p", "2160p")
_SOURCES = ("BluRay", "WEB-DL", "WEBRip", "HDTV", "BDRip")
_CODECS = ("x264", "x265", "H.264", "HEVC", "XviD")
_GROUPS = ("GRP", "SPARKS", "NTb", "FLUX", "RARBG", "YIFY")
_ANIME_GROUPS = ("SubsPlease", "Erai-raws", "HorribleSubs", "Judas")
_JUNK = ("@eaDir/{t}.mkv", "#recycle/{t}.mkv", ".DS_Store", "Thumbs.db", "{t}/.{t}.mkv",
         "$RECYCLE.BIN/{t}.mkv", ".snapshot/{t}.mkv", "lost+found/#1234.mkv",
         "Movies/@eaDir/{t} (2001).mkv/SYNOVIDEO_VIDEO_SCREENSHOT.jpg", "Movies/.DS_Store",
         "TV/#recycle/{t} S01E01.mkv", "Downloads/{t}/.{t}.mkv.part",
         "Movies/{t} (1999)/.@__thumb/{t}.mkv")  # fmt: skip


@dataclass(frozen=True, slots=True)
class CatalogueTitle:
    """A title to build names from: a movie (``series=False``) or a series."""

    title: str
    year: int
    series: bool = False
    #: The provider id a folder name may carry (`[tmdbid-N]`, `[tvdbid-N]`); random when unset.
    provider_id: int | None = None


@dataclass(frozen=True, slots=True)
class GeneratedPath:
    """A path (relative to the library root) and the identity fields it must get."""

    path: str
    expected: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, seed: int, titles: Sequence[CatalogueTitle]) -> None:
        self.rng = random.Random(seed)
        self.titles = titles

    def title(self, series: bool) -> CatalogueTitle:
        pool = [t for t in self.titles if t.series == series]
        if pool:
            return self.rng.choice(pool)
        rng = self.rng
        if rng.random() < 0.08:
            text = rng.choice(_TRICKY)
        else:
            words = rng.sample(_WORDS, rng.randint(1, 3))
            text = " ".join(["The", *words] if rng.random() < 0.3 else words)
        return CatalogueTitle(text, rng.randint(1930, 2025), series)

    def provider_id(self, chosen: CatalogueTitle) -> int:
        return chosen.provider_id or self.rng.randint(1, 999999)

    def release(self) -> str:
        rng = self.rng
        return (
            ".".join((rng.choice(_RESOLUTIONS), rng.choice(_SOURCES), rng.choice(_CODECS)))
            + "-"
            + rng.choice(_GROUPS)
        )

    def movie(self) -> Iterator[GeneratedPath]:
        rng = self.rng
        chosen = self.title(series=False)
        title, year = chosen.title, chosen.year
        truth = {"kind": "movie", "title": title, "year": year}
        style = rng.random()
        if style < 0.45:
            folder = f"Movies/{title} ({year})"
            if rng.random() < 0.3:
                folder += f" [tmdbid-{self.provider_id(chosen)}]"
            name = f"{title} ({year})"
            if rng.random() < 0.1:
                yield GeneratedPath(f"{folder}/{name}-cd1.avi", {**truth, "part": 1})
                yield GeneratedPath(f"{folder}/{name}-cd2.avi", {**truth, "part": 2})
            else:
                yield GeneratedPath(f"{folder}/{name}.mkv", truth)
            if rng.random() < 0.2:
                yield GeneratedPath(f"{folder}/{name} - 2160p.mkv", {**truth, "version": "2160p"})
            if rng.random() < 0.3:
                yield GeneratedPath(
                    f"{folder}/{name}.en.srt", {"kind": "subtitle", "language": "en"}
                )
            if rng.random() < 0.3:
                yield GeneratedPath(f"{folder}/{name}-trailer.mkv", {"kind": "extra"})
            if rng.random() < 0.2:
                extra = rng.choice(("Featurettes", "Behind The Scenes", "Deleted Scenes", "Extras"))
                yield GeneratedPath(f"{folder}/{extra}/{rng.choice(_WORDS)}.mkv", {"kind": "extra"})
            if rng.random() < 0.2:
                yield GeneratedPath(f"{folder}/{name}.nfo", {"kind": "ignored"})
        elif style < 0.85:
            dotted = title.replace(" ", ".")
            release = f"{dotted}.{year}.{self.release()}"
            yield GeneratedPath(f"Downloads/{release}/{release}.mkv", truth)
            if rng.random() < 0.3:
                yield GeneratedPath(f"Downloads/{release}/sample-{release.lower()}.mkv",
                                    {"kind": "sample"})  # fmt: skip
            if rng.random() < 0.2:
                yield GeneratedPath(f"Downloads/{release}/Subs/2_English.srt",
                                    {"kind": "subtitle", "language": "en"})  # fmt: skip
        else:
            yield GeneratedPath(f"Movies/{title} ({year}).mp4", truth)

    def series(self) -> Iterator[GeneratedPath]:
        rng = self.rng
        chosen = self.title(series=True)
        title, year = chosen.title, chosen.year
        style = rng.random()
        seasons = rng.randint(1, 3)
        episodes = rng.randint(3, 12)
        if style < 0.5:
            root = f"TV/{title} ({year})"
            if rng.random() < 0.3:
                root += f" [tvdbid-{self.provider_id(chosen)}]"
            for season in range(1, seasons + 1):
                e = 1
                while e <= episodes:
                    span = 2 if rng.random() < 0.08 and e < episodes else 1
                    marker = f"S{season:02d}E{e:02d}" + (f"-E{e + 1:02d}" if span == 2 else "")
                    name = f"{title} ({year}) - {marker} - {rng.choice(_WORDS)}.mkv"
                    truth = {"kind": "episode", "series": title, "year": year, "season": season,
                             "episodes": list(range(e, e + span))}  # fmt: skip
                    yield GeneratedPath(f"{root}/Season {season:02d}/{name}", truth)
                    e += span
            if rng.random() < 0.3:
                special = {"kind": "episode", "series": title, "year": year, "season": 0,
                           "episodes": [1]}  # fmt: skip
                yield GeneratedPath(f"{root}/Specials/{title} ({year}) - S00E01.mkv", special)
        elif style < 0.8:
            dotted = title.replace(" ", ".")
            for season in range(1, seasons + 1):
                for e in range(1, episodes + 1):
                    name = f"{dotted}.S{season:02d}E{e:02d}.{self.release()}.mkv"
                    truth = {"kind": "episode", "series": title, "season": season, "episodes": [e]}
                    yield GeneratedPath(f"TV/{title}/Season {season}/{name}", truth)
        elif style < 0.92:
            group = rng.choice(_ANIME_GROUPS)
            for n in range(1, episodes * seasons + 1):
                name = f"[{group}] {title} - {n:02d} [1080p].mkv"
                truth = {"kind": "episode", "series": title, "absolute_episode": n}
                yield GeneratedPath(f"Anime/{title}/{name}", truth)
        else:
            for _ in range(episodes):
                day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                truth = {"kind": "episode", "series": title, "air_date": day}
                yield GeneratedPath(f"TV/{title}/Season {year}/{title} {day}.mkv", truth)

    def junk(self) -> GeneratedPath:
        word = self.rng.choice(_WORDS)
        return GeneratedPath(self.rng.choice(_JUNK).format(t=word), {"kind": "ignored"})


def generate_library(
    count: int, *, seed: int = 0, titles: Sequence[CatalogueTitle] = ()
) -> list[GeneratedPath]:
    """``count`` paths (relative, ``/``-separated), with no duplicates, in generation order."""
    builder = _Builder(seed, titles)
    seen: set[str] = set()
    out: list[GeneratedPath] = []
    while len(out) < count:
        roll = builder.rng.random()
        batch = (
            [builder.junk()] if roll < 0.04 else builder.series() if roll < 0.4 else builder.movie()
        )
        for generated in batch:
            if generated.path not in seen and len(out) < count:
                seen.add(generated.path)
                out.append(generated)
    return out


def write_library(root: Path, paths: Sequence[GeneratedPath]) -> None:
    """Create every path under ``root`` as an empty file."""
    for generated in paths:
        target = root / generated.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
