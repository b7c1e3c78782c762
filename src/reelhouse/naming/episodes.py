"""Episode markers in a file name: SxxEyy and its variants, 1x02, "Season 3 Episode 9", dates,
anime absolute numbers, and the bare numbers that only count inside a season folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reelhouse.naming.vocabulary import SEASON_WORDS, SPECIALS_FOLDERS

_SEP = r"[\s._-]*"
_SXXEYY = re.compile(
    rf"(?<![a-z0-9])s(?P<season>\d{{1,4}}){_SEP}e(?P<episode>\d{{1,4}})"
    rf"(?P<more>(?:[\s._]*-?[\s._]*(?:s\d{{1,4}}{_SEP})?e\d{{1,4}}|-\d{{1,4}}(?![0-9a-z]))*)"
    r"(?![0-9])",
    re.IGNORECASE,
)
_NXNN = re.compile(
    r"(?<![a-z0-9])(?P<season>\d{1,2})x(?P<episode>\d{1,3})"
    r"(?P<more>(?:(?:-\d{1,2}x|[-x])\d{1,3})*)(?![0-9a-z])",
    re.IGNORECASE,
)
_SEASON_EPISODE = re.compile(
    rf"(?<![a-z])season{_SEP}(?P<season>\d{{1,4}})[\s._,-]*(?:episode|ep){_SEP}(?P<episode>\d{{1,4}})"
    rf"(?P<more>{_SEP}(?:-|&|to|and){_SEP}(?:episode{_SEP}|ep{_SEP})?\d{{1,4}})?(?![0-9])",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<s>[-._ ])(?P<m>0[1-9]|1[0-2])(?P=s)(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?!\d)"
)
#: A date before "(Year)" is part of a movie's title ("Title 1968-03-12 (1963)").
_BRACKETED_YEAR = re.compile(r"[(\[](?:18|19|20)\d\d[)\]]")
_ANIME = re.compile(
    r"^\s*\[[^\]]+\][\s_]*(?P<series>.+?)[\s_]+-[\s_]+(?P<episode>\d{1,4})(?:v\d)?"
    r"(?=[\s_]|\[|\(|$)"
)
_ANIME_SEASON = re.compile(r"[\s_]+(?:s|season[\s_]*)(?P<season>\d{1,2})$", re.IGNORECASE)
_DASH_NUMBER = re.compile(r"[\s_]+-[\s_]+(?P<episode>\d{1,4})(?:v\d)?(?=[\s_]|\[|\(|$)")
_EPISODE_WORD = re.compile(
    r"(?<![a-z0-9])(?:e|ep|episode|episodio|épisode|folge|afl|aflevering)[\s._-]*(?P<episode>\d{1,4})"
    r"(?:[\s._]*-[\s._]*(?:e|ep)?(?P<end>\d{1,4}))?(?![0-9])",
    re.IGNORECASE,
)
_LEADING_NUMBER = re.compile(r"^(?P<episode>\d{1,4})(?:[\s._-]+|$)")
_NUMBER = re.compile(r"\d+")
_SEASON_FOLDER = re.compile(
    rf"^(?:(?:{'|'.join(SEASON_WORDS)})[\s._-]*(?P<n1>\d{{1,4}})(?:\s*(?:[-(\[]|:\s).*)?"
    r"|s(?P<n2>\d{1,4})"
    r"|(?P<n3>\d{1,2})(?:\.|st|nd|rd|th)?[\s._-]*(?:season|staffel|saison|temporada|sezon)"
    r"|第\s*(?P<n4>\d{1,3})\s*[季期部]|(?:시즌|シーズン)\s*(?P<n5>\d{1,3}))$",
    re.IGNORECASE,
)
_MAX_RANGE = 100
_ABSOLUTE_AFTER = re.compile(r"^[\s._]*-[\s._]*(\d{2,4})(?=[\s._]*(?:-|\[|\(|$))")


@dataclass(frozen=True, slots=True)
class EpisodeMarker:
    """Where an episode marker sits in a name, and what it says."""

    start: int
    end: int
    season: int | None = None
    episodes: tuple[int, ...] = ()
    absolute: int | None = None
    air_date: date | None = None
    series_end: int | None = None

    @property
    def series_until(self) -> int:
        """Where the series name ends (before the marker, or before an anime ``S2``)."""
        return self.start if self.series_end is None else self.series_end


def season_of_folder(name: str) -> int | None:
    """The season a folder stands for (``Season 1``, ``S01``, ``Staffel 2``, ``Specials``...)."""
    lower = name.strip().lower()
    if lower in SPECIALS_FOLDERS:
        return 0
    match = _SEASON_FOLDER.match(lower)
    if match is None:
        return None
    return int(next(g for g in match.groups() if g is not None))


def find_marker(stem: str, *, in_season: bool, tv: bool) -> EpisodeMarker | None:
    """The first episode marker of ``stem``.

    ``in_season``: the file sits in a season folder, so bare episode numbers count.
    ``tv``: the library holds TV, so ``Show - 12`` is an absolute episode number.
    """
    for pattern in (_SXXEYY, _NXNN, _SEASON_EPISODE):
        match = pattern.search(stem)
        if match is not None:
            return _numbered(match)
    match = _DATE.search(stem)
    if match is not None:
        try:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            day = None
        if day is not None and match.start() > 0 and not _BRACKETED_YEAR.search(stem, match.end()):
            return EpisodeMarker(match.start(), match.end(), air_date=day)
    match = _ANIME.search(stem)
    if match is not None:
        return _absolute(match)
    match = _EPISODE_WORD.search(stem)
    if match is not None and (in_season or tv):
        first = int(match["episode"])
        last = int(match["end"]) if match["end"] else first
        return EpisodeMarker(match.start(), match.end(), episodes=_span(first, last, True))
    if in_season:
        match = _LEADING_NUMBER.match(stem)
        if match is not None:
            return EpisodeMarker(0, match.end(), episodes=(int(match["episode"]),))
    if tv:
        match = _DASH_NUMBER.search(stem)
        if match is not None and match.start() > 0:
            number = int(match["episode"])
            if in_season:
                return EpisodeMarker(match.start(), match.end(), episodes=(number,))
            return EpisodeMarker(match.start(), match.end(), absolute=number)
    return None


def _numbered(match: re.Match[str]) -> EpisodeMarker:
    first = int(match["episode"])
    more = match["more"] or ""
    numbers = [int(n) for n in _NUMBER.findall(_strip_seasons(more))] if more else []
    if not numbers:
        episodes: tuple[int, ...] = (first,)
    elif "-" in more or " to " in more.lower():
        episodes = _span(first, numbers[-1], False) or (first, *numbers)
    else:
        episodes = tuple(sorted({first, *numbers}))
    return EpisodeMarker(match.start(), match.end(), season=int(match["season"]), episodes=episodes)


_REPEATED_SEASON = re.compile(r"s\d{1,4}|\d{1,2}x(?=\d)", re.IGNORECASE)


def _strip_seasons(more: str) -> str:
    """Drop the repeated season of ``S01E01-S01E03`` and the words of "Episode 1 to 3"."""
    return _REPEATED_SEASON.sub(" ", more)


def _span(first: int, last: int, single_ok: bool) -> tuple[int, ...]:
    if first <= last < first + _MAX_RANGE:
        return tuple(range(first, last + 1))
    return (first,) if single_ok else ()


def _absolute(match: re.Match[str]) -> EpisodeMarker:
    series = match["series"]
    season = _ANIME_SEASON.search(series)
    number = int(match["episode"])
    start = match.start("episode")
    if season is not None:
        return EpisodeMarker(
            start,
            match.end(),
            season=int(season["season"]),
            episodes=(number,),
            series_end=match.start("series") + season.start(),
        )
    return EpisodeMarker(start, match.end(), absolute=number)


def absolute_after(rest: str) -> tuple[int | None, str]:
    """Sonarr's anime names put the absolute number after SxxEyy: ``S01E01 - 001 - Title``."""
    match = _ABSOLUTE_AFTER.match(rest)
    if match is None:
        return None, rest
    return int(match.group(1)), rest[match.end() :]
