"""Write the naming corpus (``tests/data/naming_corpus/*.tsv``) from the naming conventions.

Run ``python -m tests.naming_corpus_build`` from the repository root after changing a template.
Every name is built from a template of a documented convention (Plex, Jellyfin and Kodi naming,
Sonarr's and Radarr's naming tokens, the TRaSH guides' recommended formats, scene release rules,
fansub habits) filled with invented titles, and its expected reading is derived from the same
template values: nothing here runs a parser. Deterministic: the same code writes the same files.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reelhouse.kinds import LibraryKind
from reelhouse.naming.identity import Numbering
from reelhouse.testing.naming_corpus import CLASSES, CorpusCase

CORPUS_DIR = Path(__file__).parent / "data" / "naming_corpus"

_WORDS = (
    "Marrow", "Lantern", "Quill", "Saffron", "Tundra", "Hollow", "Vesper", "Cinder", "Juniper",
    "Halcyon", "Mosaic", "Thistle", "Ridge", "Orbit", "Pillar", "Wren", "Gossamer", "Basalt",
    "Meridian", "Fable", "Lark", "Nimbus", "Sorrel", "Bramble", "Cobalt", "Drift", "Ferrous",
    "Gable", "Heron", "Ivory", "Jasper", "Kestrel", "Lumen", "Mica", "Nettle", "Oriel",
    "Pewter", "Quarry", "Rook", "Sable", "Tallow", "Umber", "Vellum", "Willow", "Yarrow",
    "Zephyr", "Aster", "Bellwether", "Cairn", "Dunmore", "Elder", "Fennel", "Galloway",
    "Hartwell", "Inkwell", "Jubilee", "Kettle", "Loam", "Mistral", "Northgate",
)  # fmt: skip
_JOINS = ("of", "and", "in", "for")
_EPISODE_TITLES = (
    "Pilot", "The Long Night", "Crossing Over", "A Quiet Place to Land", "Homecoming",
    "The Last Lantern", "Tides", "Breaking Ground", "Small Mercies", "The Visitor",
    "Old Friends", "Into the Marrow", "Paper Walls", "Endgame", "First Light",
)  # fmt: skip
_GROUPS = ("GRP", "NTb", "FLUX", "SPARKS", "EVO", "CMRG", "KiNGS", "playWEB", "TEPES", "BLOOM")
_ANIME_GROUPS = ("SubsPlease", "Erai-raws", "Judas", "ASW", "EMBER", "Nekomoe kissaten",
                 "LoliHouse", "Sakurato", "DBD-Raws", "VCB-Studio")  # fmt: skip
_RES = ("720p", "1080p", "2160p")
_SOURCES = ("BluRay", "WEB-DL", "WEBRip", "HDTV", "BDRip", "AMZN.WEB-DL", "NF.WEB-DL")
_CODECS = ("x264", "x265", "H.264", "HEVC", "H.265", "AVC")
_AUDIO = ("DDP5.1", "AAC2.0", "DTS-HD.MA.5.1", "TrueHD.7.1.Atmos", "AC3", "EAC3", "FLAC")
_SEPARATORS = (".", " ", "_")
# Edition words as releases write them, with the edition they name (Radarr's edition tags).
_EDITIONS = (
    ("Directors.Cut", "Director's Cut"), ("Director's Cut", "Director's Cut"),
    ("EXTENDED", "Extended"), ("Extended.Cut", "Extended"), ("Extended Edition", "Extended"),
    ("Theatrical.Cut", "Theatrical"), ("UNRATED", "Unrated"), ("Uncut", "Uncut"),
    ("REMASTERED", "Remastered"), ("IMAX", "IMAX"), ("Special.Edition", "Special Edition"),
    ("Collectors.Edition", "Collector's Edition"), ("Final.Cut", "Final Cut"),
    ("Ultimate.Edition", "Ultimate Edition"), ("Criterion", "Criterion"),
    ("Open.Matte", "Open Matte"), ("OPEN MATTE", "Open Matte"), ("Redux", "Redux"),
    ("Despecialized", "Despecialized"), ("Diamond.Edition", "Diamond Edition"),
    ("50th.Anniversary.Edition", "Anniversary Edition"),
    ("25th Anniversary", "Anniversary Edition"),
    ("RECUT", "Recut"), ("Restored", "Restored"), ("Rogue.Cut", "Rogue Cut"),
    ("Signature.Edition", "Signature Edition"), ("Platinum.Edition", "Platinum Edition"),
    ("RECUT.EXTENDED", "Recut Extended"),
    ("Special.Edition.Remastered", "Special Edition Remastered"),
    ("Extended.Directors.Cut", "Extended Director's Cut"),
    ("UNRATED.EXTENDED", "Unrated Extended"),
    ("Remastered.Uncut", "Remastered Uncut"),
)  # fmt: skip
# Scene words for the language of a release, and other scene words that follow a title.
_LANGUAGES = ("GERMAN", "German", "FRENCH", "TRUEFRENCH", "MULTi", "MULTI", "iTALiAN", "SPANiSH",
              "DUTCH", "NORDiC", "POLiSH", "KOREAN", "JAPANESE", "VOSTFR", "SUBFRENCH", "CZECH",
              "HUNGARIAN", "RUSSIAN", "LATINO", "CASTELLANO")  # fmt: skip
_SCENE_WORDS = ("DL", "AC3D", "UltraHD", "HDC", "DUBBED", "SUBBED", "LiMiTED", "iNTERNAL",
                "DOKU", "WS", "HYBRID", "REPACK", "PROPER", "READ.NFO", "DV", "HDR10Plus",
                "DTS", "UHD", "BDRemux", "Complete.Bluray")  # fmt: skip
_EXTRA_WORDS = ("Sample", "Trailer", "Theme", "Clip", "Short", "Scene", "Interview", "Extra",
                "Featurette", "Other", "Deleted")  # fmt: skip
_LEAD_INS = ("The DNA", "I Live in a", "Free", "The Last", "One More", "A Perfect", "The Final",
             "Paper", "The Big", "Without a", "Kestrel's", "The Missing", "Lantern",
             "Quarry")  # fmt: skip
_NATIVE = (
    ("月の庭", "Garden of the Moon"), ("星屑ハイウェイ", "Stardust Highway"),
    ("夜明けの列車", "Train at Dawn"), ("銀河食堂", "Galaxy Diner"),
    ("雪国の鐘", "Bells of Snow Country"), ("風の書庫", "Archive of Wind"),
    ("青い灯台", "The Blue Lighthouse"), ("鋼の旋律", "Steel Melody"),
    ("바람의 정원", "Garden of Wind"), ("푸른 등대", "Blue Beacon"), ("天空花园", "Sky Garden"),
    ("时光列车", "Time Train"), ("白夜行路", "White Night Road"), ("硝子の森", "Glass Forest"),
)  # fmt: skip
_NUMBER_WORDS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")
_LANG_TAGS = (
    ("en", "en"), ("eng", "en"), ("English", "en"), ("de", "de"), ("ger", "de"), ("fr", "fr"),
    ("fre", "fr"), ("es", "es"), ("spa", "es"), ("pt-BR", "pt-BR"), ("zh-Hant", "zh-Hant"),
    ("ja", "ja"), ("jpn", "ja"), ("ko", "ko"), ("nl", "nl"), ("sv", "sv"), ("it", "it"),
    ("Spanish", "es"), ("French", "fr"), ("German", "de"), ("pl", "pl"), ("pt", "pt"),
)  # fmt: skip
_SUB_TITLES = ("Commentary", "Director Commentary", "Signs", "Songs and Signs", "Full",
               "Dialogue", "Signs Songs")  # fmt: skip
# Disc stub types as names write them, and the disc each stands for (Jellyfin's and Emby's stubs).
_STUBS = (
    ("bluray", "bluray"), ("BluRay", "bluray"), ("bd25", "bluray"), ("bd50", "bluray"),
    ("dvd", "dvd"), ("hddvd", "hddvd"), ("hdtv", "tv"), ("pdtv", "tv"), ("dsr", "tv"),
    ("tv", "tv"), ("vhs", "vhs"),
)  # fmt: skip
# 3D markers as names write them, with the format (Jellyfin's 3D tags and release habits).
_MARKERS_3D = (
    (".3d.sbs", "sbs"), (".3d.tab", "tab"), (".3d.hsbs", "hsbs"), (".3d.htab", "htab"),
    (".3d.fsbs", "fsbs"), (".3d.ftab", "ftab"), (".3d.mvc", "mvc"), (".hsbs", "hsbs"),
    (".htab", "htab"), (" [sbs3d]", "sbs"), (" [3D HSBS]", "hsbs"), (" 3D Half-OU", "htab"),
    (" 3D SBS", "sbs"), (" [3D][HSBS]", "hsbs"), (".3D.H-SBS", "hsbs"),
)  # fmt: skip

Row = tuple[str, str, dict[str, Any]]


class Names:
    """Invented titles and release decorations, drawn from one seeded generator."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)

    def pick(self, items: tuple[Any, ...] | list[Any]) -> Any:
        return self.rng.choice(items)

    def title(self, most: int = 3) -> str:
        count = self.rng.randint(1, most)
        words = [self.pick(_WORDS) for _ in range(count)]
        if count == 2 and self.rng.random() < 0.3:
            words.insert(1, self.pick(_JOINS))
        if self.rng.random() < 0.3:
            words.insert(0, "The")
        if self.rng.random() < 0.1:
            words[-1] += "'s" if len(words) > 1 else ""
        return " ".join(words).strip()

    def year(self) -> int:
        return self.rng.randint(1930, 2025)

    def release(self) -> str:
        """Quality, source, audio and codec words of a release, joined by dots."""
        parts = [self.pick(_RES), self.pick(_SOURCES)]
        if self.rng.random() < 0.5:
            parts.append(self.pick(_AUDIO))
        parts.append(self.pick(_CODECS))
        return ".".join(parts)

    def group(self) -> str:
        return self.pick(_GROUPS)

    def hex(self, text: str, size: int = 8) -> str:
        return hashlib.sha256(f"{text}{self.rng.random()}".encode()).hexdigest()[:size]


def dotted(text: str, sep: str = ".") -> str:
    return text.replace(" ", sep)


def _movie(title: str, year: int | None, **more: Any) -> dict[str, Any]:
    return {"kind": "movie", "title": title, "year": year, **more}


def movies(n: Names) -> Iterator[Row]:
    for _ in range(40):
        t, y = n.title(), n.year()
        yield f"Movies/{t} ({y})/{t} ({y}).mkv", "", _movie(t, y)
        yield f"{t} [{y}].avi", "", _movie(t, y)
        sep = n.pick(_SEPARATORS)
        yield f"{dotted(t, sep)}{sep}{y}{sep}{n.pick(_RES)}.mkv", "", _movie(t, y)
    for _ in range(60):
        t, y, (written, edition) = n.title(), n.year(), n.pick(_EDITIONS)
        tmdb = n.rng.randint(1, 999999)
        yield (
            f"{t} ({y}) {{tmdb-{tmdb}}}/{t} ({y}) {{tmdb-{tmdb}}} {{edition-{edition}}} "
            f"[{n.pick(('Bluray-1080p', 'WEBDL-2160p', 'Remux-1080p'))}][x264]-{n.group()}.mkv",
            "",
            _movie(t, y, edition=edition, provider_ids={"tmdb": str(tmdb)}),
        )
        sep = n.pick((".", " "))
        yield (
            f"{dotted(t, sep)}{sep}{y}{sep}{dotted(written, sep)}{sep}{n.release()}-GRP.mkv",
            "",
            _movie(t, y, edition=edition),
        )
        t, y, (written, edition) = n.title(), n.year(), n.pick(_EDITIONS)
        yield (
            f"{dotted(t, sep)}{sep}{dotted(written, sep)}{sep}{y}{sep}{n.release()}-EVO.mkv",
            "movies",
            _movie(t, y, edition=edition),
        )
        yield (
            f"{t} ({y}) - {written.replace('.', ' ')}.mkv",
            "",
            _movie(t, y, edition=edition),
        )
    for _ in range(50):
        t, y, lang = n.title(), n.year(), n.pick(_LANGUAGES)
        yield (
            f"{dotted(t)}.{y}.{lang}.DL.AC3.{n.release()}-{n.group()}.mkv",
            "",
            _movie(t, y),
        )
        t, lang, audio = n.title(), n.pick(_LANGUAGES), n.pick(("DL.AC3", "AC3", "DL", "DUBBED"))
        yield (
            f"{dotted(t)}.{lang}.{audio}.{n.release()}-{n.group()}.mkv",
            "movies",
            _movie(t, None),
        )
        t, y, word = n.title(), n.year(), n.pick(_SCENE_WORDS)
        yield f"{dotted(t)}.{word}.{y}.{n.release()}-{n.group()}.mkv", "", _movie(t, y)
        t, word = n.title(), n.pick(_SCENE_WORDS)
        yield f"{dotted(t)}.{word}.{n.release()}-{n.group()}.mkv", "movies", _movie(t, None)
    for _ in range(40):
        t, y = n.title(), n.year()
        folder = f"{dotted(t)}.{y}.{n.release()}-{n.group()}"
        yield f"Downloads/{folder}/{n.hex(t)}.mkv", "", _movie(t, y)
        yield f"{folder}/{n.rng.randint(100000, 999999)}.mp4", "movies", _movie(t, y)
    for _ in range(30):
        t, sub, y = n.title(2), n.title(3), n.year()
        g = n.pick(_ANIME_GROUPS)
        yield f"[{g}] {t} - {sub} ({y}) [BD 1080p].mkv", "", _movie(f"{t} - {sub}", y)
        yield f"[{g}] {t} Movie - {sub} [1080p].mkv", "movies", _movie(f"{t} Movie - {sub}", None)
    for _ in range(30):
        t, y = n.title(2), n.year()
        day = f"{n.rng.randint(1950, 2020)}-{n.rng.randint(1, 12):02d}-{n.rng.randint(1, 28):02d}"
        yield f"{t} {day} ({y})/{t} {day} ({y}).mkv", "", _movie(f"{t} {day}", y)
    for _ in range(30):
        t, y, number = n.title(2), n.year(), n.rng.randint(2, 9)
        yield f"{t} {number} ({y}).mkv", "", _movie(f"{t} {number}", y)
        yield (
            f"{dotted(t)}.{number}.{y}.{n.release()}-{n.group()}.mkv",
            "",
            _movie(f"{t} {number}", y),
        )
        part = n.rng.randint(1, 4)
        yield (
            f"{t} ({y})/{t} ({y}) - {n.pick(('cd', 'part', 'disc', 'pt'))}{part}.avi",
            "",
            _movie(t, y, part=part),
        )
    for _ in range(20):
        t, y = n.title(), n.year()
        imdb = f"tt{n.rng.randint(100000, 9999999):07d}"
        yield (
            f"{t} ({y}) [imdbid-{imdb}] - [Bluray-1080p][DTS 5.1][x264]-{n.group()}.mkv",
            "",
            _movie(t, y, provider_ids={"imdb": imdb}),
        )
        yield (
            f"www.Site{n.rng.randint(1, 99)}.org - {dotted(t)}.{y}.{n.release()}.mkv",
            "",
            _movie(t, y),
        )


def extras_words(n: Names) -> Iterator[Row]:
    for _ in range(40):
        title = f"{n.pick(_LEAD_INS)} {n.pick(_EXTRA_WORDS)}"
        y = n.year()
        yield f"Movies/{title} ({y})/{title} ({y}).mkv", "", _movie(title, y)
        yield f"{title}.mkv", "", _movie(title, None)
        yield f"{title} ({y}).mp4", "movies", _movie(title, y)
        yield (
            f"{dotted(title)}.{y}.{n.release()}-{n.group()}.mkv",
            "",
            _movie(title, y),
        )
        yield f"{title}/{title}.mkv", "", _movie(title, None)
        yield (
            f"{title} ({y})/{title} ({y})-trailer.mkv",
            "",
            {"kind": "extra", "extra_type": "trailer", "title": title},
        )
    for _ in range(25):
        t, y = n.title(), n.year()
        release = f"{dotted(t)}.{y}.{n.release()}-{n.group()}"
        low = dotted(t).lower()
        yield f"{release}/{low}.{y}.{n.pick(_RES)}-sample.mkv", "", {"kind": "sample"}
        yield f"{release}/sample-{low}.mkv", "", {"kind": "sample"}
        yield f"{release}/Sample/{low}.sample.mkv", "", {"kind": "sample"}
        yield f"{release}/{n.group().lower()}-{low}.sample.mkv", "", {"kind": "sample"}
        yield f"{t} ({y})/{t} ({y}) sample.mkv", "", {"kind": "sample"}
        yield (
            f"{t} ({y})/Trailers/{n.title()}.mkv",
            "",
            {"kind": "extra", "extra_type": "trailer"},
        )
        yield f"{t} ({y})/trailer.mp4", "", {"kind": "extra", "extra_type": "trailer"}
        yield f"{t} ({y})/theme.mp3", "", {"kind": "extra", "extra_type": "theme_song"}
        yield (
            f"{t} ({y})/{n.title()}-featurette.mkv",
            "",
            {"kind": "extra", "extra_type": "featurette"},
        )
        yield f"{release}/{low}.{y}.trailer.mkv", "", {"kind": "extra", "extra_type": "trailer"}


def _episode(series: str, season: int | None, episodes: list[int], **more: Any) -> dict[str, Any]:
    return {"kind": "episode", "series": series, "season": season, "episodes": episodes, **more}


def episodes(n: Names) -> Iterator[Row]:
    for _ in range(30):
        s, season = n.title(), n.rng.randint(1, 12)
        e1 = n.rng.randint(1, 20)
        e2 = e1 + n.rng.randint(1, 4)
        span = list(range(e1, e2 + 1))
        rel = f"{n.release()}-{n.group()}"
        yield (
            f"{dotted(s)}.S{season:02d}E{e1:02d}-E{e2:02d}.{rel}.mkv",
            "",
            _episode(s, season, span),
        )
        yield (
            f"{s} - {season}x{e1:02d}.{season}x{e1 + 1:02d} - {n.pick(_EPISODE_TITLES)}.avi",
            "",
            _episode(s, season, [e1, e1 + 1]),
        )
        yield f"{s} {season}x{e1:02d}_{e1 + 1:02d}.avi", "", _episode(s, season, [e1, e1 + 1])
        yield f"{s} {season}x{e1:02d}-x{e2:02d}.mkv", "", _episode(s, season, span)
        e3 = e2 + n.rng.randint(2, 9)
        yield (
            f"{s} - {season:02d}x{e1:02d} - x{e2:02d} - x{e3:02d}.mkv",
            "",
            _episode(s, season, [e1, e2, e3]),
        )
        short = n.rng.randint(1, 9)
        yield (
            f"{dotted(s)}.{short}{e1:02d}.{short}{e1 + 1:02d}.{n.pick(_RES)}.HDTV.x264-GRP.mkv",
            "tv",
            _episode(s, short, [e1, e1 + 1]),
        )
        # Sonarr's multi-episode styles: extend, duplicate, repeat, scene, range, prefixed range.
        three = [e1, e1 + 1, e1 + 2]
        yield (
            f"{s} - S{season:02d}E{e1:02d}-{e1 + 1:02d}-{e1 + 2:02d} - {n.pick(_EPISODE_TITLES)}"
            ".mkv",
            "",
            _episode(s, season, three),
        )
        yield (
            f"{s} - S{season:02d}E{e1:02d}.S{season:02d}E{e1 + 1:02d}.mkv",
            "",
            _episode(s, season, [e1, e1 + 1]),
        )
        yield (
            f"{dotted(s)}.S{season:02d}E{e1:02d}E{e1 + 1:02d}.{rel}.mkv",
            "",
            _episode(s, season, [e1, e1 + 1]),
        )
        yield (
            f"{dotted(s)}.S{season:02d}E{e1:02d}-E{e1 + 1:02d}-E{e1 + 2:02d}.{rel}.mkv",
            "",
            _episode(s, season, three),
        )
        yield f"{s} - S{season:02d}E{e1:02d}-{e1 + 2:02d}.mkv", "tv", _episode(s, season, three)
        last = n.rng.randint(8, 24)
        yield (
            f"{dotted(s)}.E01-E{last:02d}.{n.pick(_RES)}.HDTV.H264-{n.group()}.mkv",
            "",
            _episode(s, None, list(range(1, last + 1))),
        )
        g = n.pick(_ANIME_GROUPS)
        yield (
            f"[{g}] {s} - {e1:02d} ~ {e2:02d} [1080p].mkv",
            "",
            _episode(s, None, span),
        )
    for _ in range(30):
        s, season, e = n.title(), n.rng.randint(1, 30), n.rng.randint(1, 30)
        yield (
            f"{dotted(s)}.S{season:02d}.Ep.{e:02d}.{n.release()}-{n.group()}.mkv",
            "",
            _episode(s, season, [e]),
        )
        big = n.rng.randint(1000, 19999)
        yield f"{s} S{season:02d} E{big}.mp4", "", _episode(s, season, [big])
        yield f"{s} Se.{season} afl.{e}.mp4", "", _episode(s, season, [e])
        yield (
            f"{s} - Temporada {season} [HDTV][Cap.{season}{e:02d}][Español Castellano].avi",
            "",
            _episode(s, season, [e]),
        )
        yield f"{s} S{season} [{e:02d}].mkv", "", _episode(s, season, [e])
        part = n.rng.randint(1, 10)
        yield (
            f"{dotted(s)}.Part.{part}.{n.pick(_RES)}.HDTV.x264-{n.group()}.mkv",
            "tv",
            _episode(s, 1, [part]),
        )
        yield f"{s}/{s} - Part {_NUMBER_WORDS[part - 1]}.mkv", "tv", _episode(s, 1, [part])
        absolute = n.rng.randint(1, 400)
        yield (
            f"{s} - {absolute:03d} - S{season:02d}E{e:02d} - {n.pick(_EPISODE_TITLES)}.mkv",
            "",
            _episode(s, season, [e], absolute_episode=absolute),
        )
        yield (
            f"{s} - {absolute} (S{season:02d}E{e:02d}) [1080p].mkv",
            "",
            _episode(s, season, [e], absolute_episode=absolute),
        )
        numbered = f"{n.title(2)} {n.rng.randint(2, 99)}"
        yield (
            f"{dotted(numbered)}.S{season:02d}E{e:02d}.{n.release()}-{n.group()}.mkv",
            "",
            _episode(numbered, season, [e]),
        )
        yield (
            f"[{n.pick(_ANIME_GROUPS)}] {s} - {e}.5 [720p].mkv",
            "tv",
            {"kind": "episode", "series": s, "episodes": None, "absolute_episode": None},
        )
        short, e = n.rng.randint(1, 9), n.rng.randint(1, 29)
        name = n.pick((f"{s}/{s} {short}{e:02d}.avi", f"{s}/{dotted(s)}.{short}{e:02d}.mkv"))
        yield (
            name,
            "tv:absolute",
            {
                "kind": "episode",
                "series": s,
                "season": None,
                "absolute_episode": short * 100 + e,
                "numbering": "absolute",
            },
        )
        yield name, "tv:seasonal", _episode(s, short, [e], numbering="seasonal")
        t, y = n.title(), n.year()
        yield (
            f"TV/{t} ({y})/Season {season:02d}/{t} ({y}) - S{season:02d}E{e:02d} - "
            f"{n.pick(_EPISODE_TITLES)} [WEBDL-1080p][EAC3 5.1][h264]-{n.group()}.mkv",
            "tv",
            _episode(t, season, [e], year=y),
        )


def daily(n: Names) -> Iterator[Row]:
    for _ in range(50):
        s = n.title()
        y, m, d = n.rng.randint(2001, 2025), n.rng.randint(1, 12), n.rng.randint(1, 28)
        day = f"{y}-{m:02d}-{d:02d}"
        late = n.rng.randint(13, 28)
        late_day = f"{y}-{m:02d}-{late:02d}"
        rel = f"{n.pick(_RES)}.HDTV.x264-{n.group()}"
        yield f"{dotted(s)}.{y % 100:02d}{m:02d}{d:02d}.{rel}.mkv", "", _daily(s, day)
        yield f"{dotted(s)}.{y}.{late:02d}.{m:02d}.{rel}.mkv", "", _daily(s, late_day)
        guest = n.pick(_EPISODE_TITLES)
        yield (
            f"{s} - {day} - {guest} [HDTV-720p].mkv",
            "",
            _daily(s, day, episode_title=guest),
        )
        yield f"{s} {late:02d}.{m:02d}.{y}.mkv", "", _daily(s, late_day)
        yield f"{s} {m:02d}-{late:02d}-{y}.mkv", "", _daily(s, late_day)
        number = n.rng.randint(1000, 9999)
        yield (
            f"{s} {y}{m:02d}{d:02d} Ep{number}.mp4",
            "",
            _daily(s, day, episodes=[number]),
        )
        native = n.pick(_NATIVE)[0]
        yield f"{y % 100:02d}{m:02d}{d:02d} {native}.mp4", "tv", _daily(native, day)
        yield f"{s}/Season {y}/{s} - {day}.mkv", "tv", _daily(s, day)
        yield (
            f"The.{dotted(s)}.{y}.{m:02d}.{d:02d}.{dotted(guest)}.720p.WEB.h264-{n.group()}.mkv",
            "",
            _daily(f"The {s}", day, episode_title=guest),
        )


def _daily(series: str, day: str, **more: Any) -> dict[str, Any]:
    return {"kind": "episode", "series": series, "air_date": day, **more}


def _anime(series: str, number: int, **more: Any) -> dict[str, Any]:
    return {"kind": "episode", "series": series, "absolute_episode": number, "season": None, **more}


def anime(n: Names) -> Iterator[Row]:
    for _ in range(40):
        t, e, g = n.title(), n.rng.randint(1, 200), n.pick(_ANIME_GROUPS)
        crc = n.hex(t).upper()
        yield f"[{g}] {t} - {e:02d} [{n.pick(_RES)}].mkv", "", _anime(t, e)
        yield f"[{g}] {t} - {e:02d}v2 ({n.pick(_RES)}) [{crc}].mkv", "", _anime(t, e)
        yield f"[{g}][{t}][{e:02d}][1080P][GB].mp4", "", _anime(t, e)
        yield f"[{g}][{t}][{e:02d}v2][1080p][{crc}].mkv", "", _anime(t, e)
        y = n.year()
        yield f"[{g}][{t}][{y}][{e:02d}][1080p].mkv", "", _anime(t, e, year=y)
        native, english = n.pick(_NATIVE)
        both = {"alternate_title": english}
        yield f"【{g}】[{native}_{english}][{e:02d}][1080p].mp4", "", _anime(native, e, **both)
        yield f"[{g}] {native} | {english} - {e:02d} [1080p].mkv", "", _anime(native, e, **both)
        yield f"[{g}] {native} _ {english} - {e:02d} [1080p].mkv", "", _anime(native, e, **both)
        yield (
            f"[{g}] {native} {english} - {e:02d} [WebRip 1080p].mkv",
            "",
            _anime(native, e, **both),
        )
        season = n.rng.randint(2, 5)
        yield (
            f"[{g}] {native} 第{season}季 - {e:02d} [1080p].mkv",
            "",
            {"kind": "episode", "series": native, "season": season, "episodes": [e]},
        )
        yield (
            f"[{g}][{native}][第{season}季][{e:02d}][1080p].mp4",
            "",
            {"kind": "episode", "series": native, "season": season, "episodes": [e]},
        )
        numbered = f"{n.title(2)} {n.rng.randint(2, 999)}-nen"
        yield f"[{g}] {numbered} - {e:02d} [1080p].mkv", "", _anime(numbered, e)
        big = n.rng.randint(1000, 1200)
        yield f"{t}/{t} {big} [1080p].mkv", "tv", _anime(t, big)
        absolute, season, episode = n.rng.randint(1, 300), n.rng.randint(1, 4), n.rng.randint(1, 24)
        yield (
            f"{t} - S{season:02d}E{episode:02d} - {absolute:03d} - {n.pick(_EPISODE_TITLES)} "
            f"[Bluray-1080p][10bit][x265][FLAC 2.0][JA]-{g}.mkv",
            "",
            {
                "kind": "episode",
                "series": t,
                "season": season,
                "episodes": [episode],
                "absolute_episode": absolute,
            },
        )


def _season_folder(series: str, season: int) -> dict[str, Any]:
    return {"kind": "season_folder", "series": series, "season": season}


def folders(n: Names) -> Iterator[Row]:
    for _ in range(35):
        s, season, e = n.title(), n.rng.randint(1, 15), n.rng.randint(1, 20)
        rel = f"{n.release()}-{n.group()}"
        pack = f"{dotted(s)}.S{season:02d}.{rel}"
        yield f"Downloads/{pack}/", "", _season_folder(s, season)
        yield f"{pack}/", "tv", _season_folder(s, season)
        yield f"[{dotted(s)}.S{season:02d}.{n.pick(_RES)}]/", "", _season_folder(s, season)
        yield f"{s} Season {season:02d} {n.pick(_RES)}/", "", _season_folder(s, season)
        the = s if s.startswith("The ") else f"The {s}"
        yield f"{dotted(the)}.S{season:02d}.COMPLETE/", "", _season_folder(the, season)
        yield f"TV/{s}/{season}/", "", _season_folder(s, season)
        yield (
            f"{pack}/{dotted(s)}.S{season:02d}E{e:02d}.{rel}.mkv",
            "",
            _episode(s, season, [e]),
        )
        yield f"{pack}/{e:02d}.mkv", "tv", _episode(s, season, [e])
        yield f"{s} S{season:02d}E{e:02d}/{n.hex(s)}.mkv", "", _episode(s, season, [e])
        yield f"TV/{s}/Extras/{n.title()}.mkv", "", {"kind": "extra", "owner": f"TV/{s}/"}
        tvdb = n.rng.randint(1, 999999)
        yield f"{s}/Season {season:02d} [tvdbid-{tvdb}]/", "tv", _season_folder(s, season)
        t, y = n.title(), n.year()
        imdb = f"tt{n.rng.randint(100000, 9999999):07d}"
        ids = {"imdb": imdb}
        yield (
            f"Movies/{t} ({y}) - {imdb}/",
            "",
            {"kind": "movie_folder", "title": t, "year": y, "provider_ids": ids},
        )
        yield (
            f"Movies/{t} ({y}) - {imdb}/{t} ({y}).mkv",
            "movies",
            _movie(t, y, provider_ids=ids),
        )


def stubs_3d(n: Names) -> Iterator[Row]:
    for _ in range(80):
        t, y = n.title(), n.year()
        marker, fmt = n.pick(_MARKERS_3D)
        yield f"{t} ({y}){marker}.mkv", "", _movie(t, y, format_3d=fmt)
        sep = n.pick((".", " "))
        yield (
            f"{dotted(t, sep)}{sep}{y}{marker.replace(' ', sep)}{sep}{n.release()}-{n.group()}.mkv",
            "",
            _movie(t, y, format_3d=fmt),
        )
        if marker.startswith(" ["):
            yield f"{t}{marker} ({y}).mkv", "", _movie(t, y, format_3d=fmt)
        written, stub = n.pick(_STUBS)
        yield f"{t} ({y}).{written}.disc", "", _movie(t, y, stub_type=stub)
        t, y = n.title(), n.year()
        yield f"Movies/{t} ({y})/{dotted(t)}.{y}.{written}.disc", "", _movie(t, y, stub_type=stub)


def subtitles(n: Names) -> Iterator[Row]:
    flags = ("forced", "default", "sdh", "cc", "foreign")
    for _ in range(150):
        t, y = n.title(), n.year()
        video = n.pick(
            (
                f"{t} ({y})",
                f"{t} - S{n.rng.randint(1, 9):02d}E{n.rng.randint(1, 20):02d}",
                f"{dotted(t)}.{y}.{n.release()}-{n.group()}",
            )
        )
        written, tag = n.pick(_LANG_TAGS)
        chosen = n.rng.sample(flags, n.rng.randint(0, 2))
        pieces = [written, *chosen]
        n.rng.shuffle(pieces)
        title = n.pick(_SUB_TITLES) if n.rng.random() < 0.35 else None
        name = ".".join([video, *pieces, *([title] if title else [])])
        yield (
            f"{t}/{name}.{n.pick(('srt', 'ass', 'vtt', 'sup'))}",
            "",
            _subtitle(video, tag, set(chosen), title),
        )
        hearing = n.pick((f"hi.{written}", f"{written}.hi"))
        yield f"{t}/{video}.{hearing}.srt", "", _subtitle(video, tag, {"sdh"}, None)
        if n.rng.random() < 0.2:
            yield f"{t}/{video}.hi.srt", "", _subtitle(video, "hi", set(), None)
        if n.rng.random() < 0.3:
            language = n.pick(("English", "French", "German", "Spanish", "Japanese"))
            code = {"English": "en", "French": "fr", "German": "de", "Spanish": "es",
                    "Japanese": "ja"}[language]  # fmt: skip
            number = n.rng.randint(2, 40)
            yield (
                f"{dotted(t)}.{y}.{n.release()}-{n.group()}/Subs/{number}_{language}.srt",
                "",
                {"kind": "subtitle", "language": code, "video_stem": None},
            )


def _subtitle(video: str, language: str, flags: set[str], title: str | None) -> dict[str, Any]:
    return {
        "kind": "subtitle",
        "video_stem": video,
        "language": language,
        "forced": bool(flags & {"forced", "foreign"}),
        "sdh": bool(flags & {"sdh", "cc"}),
        "default": "default" in flags,
        "title": title,
    }


_BUILDERS: dict[str, Callable[[Names], Iterator[Row]]] = {
    "movies": movies,
    "extras_words": extras_words,
    "episodes": episodes,
    "daily": daily,
    "anime": anime,
    "folders": folders,
    "3d_stubs": stubs_3d,
    "subtitles": subtitles,
}


def build() -> dict[str, list[CorpusCase]]:
    """Every class's cases, in a fixed order, without duplicate paths within a class."""
    out: dict[str, list[CorpusCase]] = {}
    for name_class in CLASSES:
        seen: set[tuple[str, str]] = set()
        cases = []
        for path, library, expected in _BUILDERS[name_class](Names(name_class)):
            if (path, library) in seen:
                continue
            seen.add((path, library))
            kind, _, numbering = library.partition(":")
            cases.append(
                CorpusCase(
                    name_class,
                    path,
                    LibraryKind(kind) if kind else None,
                    Numbering(numbering) if numbering else None,
                    expected,
                )
            )
        out[name_class] = cases
    return out


def write(directory: Path = CORPUS_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name_class, cases in build().items():
        text = "".join(case.line() + "\n" for case in cases)
        (directory / f"{name_class}.tsv").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
