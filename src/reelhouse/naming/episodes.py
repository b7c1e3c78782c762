"""Episode markers in a file name: SxxEyy and its variants, 1x02, "Season 3 Episode 9", dates,
anime absolute numbers, and the bare numbers that only count inside a season folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from reelhouse.naming.identity import Numbering
from reelhouse.naming.titles import is_release_token
from reelhouse.naming.vocabulary import SEASON_WORDS, SPECIALS_FOLDERS

_SEP = r"[\s._-]*"
_SXXEYY = re.compile(
    rf"s(?<![a-z0-9]s)(?P<season>\d{{1,4}}){_SEP}e(?:p[\s._]?)?(?P<episode>\d{{1,5}})"
    rf"(?P<more>(?:[\s._]*-?[\s._]*(?:s\d{{1,4}}{_SEP})?e\d{{1,4}}|-\d{{1,4}}(?![0-9a-z]))*)"
    r"(?![0-9])",
    re.IGNORECASE,
)
_NXNN = re.compile(
    r"(?P<season>\d(?<![a-z0-9]\d)\d?)x(?P<episode>\d{1,3})"
    r"(?P<more>(?:(?:[-.]\d{1,2}x|[-x_]|-x| - x)\d{1,3})*)(?![0-9a-z])",
    re.IGNORECASE,
)
_SEASON_EPISODE = re.compile(
    rf"(?<![a-z])season{_SEP}(?P<season>\d{{1,4}})[\s._,-]*(?:episode|ep){_SEP}(?P<episode>\d{{1,4}})"
    rf"(?P<more>{_SEP}(?:-|&|to|and){_SEP}(?:episode{_SEP}|ep{_SEP})?\d{{1,4}})?(?![0-9])",
    re.IGNORECASE,
)
# Dates: year first (2023-07-14, and 2023.14.07 where the day cannot be a month), year last
# (14.07.2023 day first, 07-14-2023 month first: Kodi's and Plex's forms) or run together
# (20201013, with the "Ep7432" of a daily show's number after it).
_DATE = re.compile(
    r"(?P<first>\d)(?<![0-9]\d)(?:"
    r"(?P<y>(?:(?<=1)9|(?<=2)0)\d\d)(?P<s>[-._ ])(?P<a>\d\d)(?P=s)(?P<b>\d\d)"
    r"|(?P<a2>\d)(?P<s2>[-._ ])(?P<b2>\d\d)(?P=s2)(?P<y2>(?:19|20)\d\d)"
    r"|(?P<y3>(?:(?<=1)9|(?<=2)0)\d\d)(?P<a3>0[1-9]|1[0-2])(?P<b3>0[1-9]|[12]\d|3[01])"
    r"(?:[\s._-]*ep\.?[\s._]*(?P<number>\d{1,5}))?)"
    r"(?![0-9])",
    re.IGNORECASE,
)
# A talk show's yymmdd (Talk.Show.140722), or the yymmdd prefix of Japanese variety recordings.
_SHORT_DATE = re.compile(
    r"(?P<y>\d(?<![0-9a-z]\d)\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?![0-9a-z])",
    re.IGNORECASE,
)
# Season and episode split by other words: "Se.3 afl.3" (Dutch), "S2 [05]", Spanish
# "Temporada 2 [Cap.208]" (the chapter is season and episode run together).
_SPLIT = re.compile(
    r"(?<![a-z0-9])(?:se\.?\s*(?P<s1>\d{1,2})[\s._]+afl\.?\s*(?P<e1>\d{1,4})"
    r"|s(?P<s2>\d{1,2})\s*\[(?P<e2>\d{1,4})\]"
    r"|cap[\s.]*(?P<c>\d{3,4}))(?![0-9])",
    re.IGNORECASE,
)
_TEMPORADA = re.compile(r"(?<![\s._-])[\s._-]*+(?:temporada|season)[\s._]*+\d{1,2}", re.IGNORECASE)
# Two episodes as season and episode run together, in a TV library: "Show.103.104".
_CONCAT_PAIR = re.compile(
    r"(?P<s>[1-9])(?<![0-9a-z][1-9])(?P<e1>\d\d)[.\-_](?P=s)(?P<e2>\d\d)(?![0-9])"
)
# A mini-series' "Part 2" or "Part Two", in a TV library.
_PART = re.compile(
    r"(?<![a-z0-9])part[\s._-]*(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)
_PART_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# A bare number ending a series name: "Show 112", "Show.1004 [1080p]".
_BARE_NUMBER = re.compile(r"(?<![\s._])[\s._]++(?P<n>\d{3,4})(?=[\s._]*+(?:\[|\(|$))")
# An absolute number before SxxEyy: "Show - 05 - S01E05", "Show - 12 (S01E12)".
_ABSOLUTE_BEFORE = re.compile(
    r"(?<![\s._])[\s._]++-[\s._]++(?P<n>\d{1,4})[\s._]*+(?:-[\s._]*+|\()?$"
)
#: A date before "(Year)" is part of a movie's title ("Title 1968-03-12 (1963)").
_BRACKETED_YEAR = re.compile(r"[(\[](?:18|19|20)\d\d[)\]]")
# Fansub names: "[Group] Title - 05v2 [1080p]", a batch "- 01 ~ 12", a recap "- 12.5" (no
# episode of its own), and the all-bracket "[Group][Title][2019][第3季][05][1080p]".
_ANIME = re.compile(
    r"^\s*+[\[【][^\]】]++[\]】][\s_]*+(?P<series>.*?[^\s_])[\s_]++-[\s_]++(?P<episode>\d{1,4})"
    r"(?:v\d|(?P<decimal>\.\d)|[\s_]*~[\s_]*(?P<last>\d{1,4}))?"
    r"(?=[\s_]|\[|\(|$)"
)
_BRACKETED = re.compile(
    r"^\s*[\[【][^\]】]+[\]】]\s*\[(?P<series>[^\]]+)\]"
    r"(?:\s*\[(?P<year>(?:19|20)\d\d)\])?(?:\s*\[第(?P<season>\d{1,2})[季期部]\])?"
    r"\s*\[(?P<episode>\d{1,4})(?:v\d)?\]"
)
_ANIME_SEASON = re.compile(
    r"(?<![\s_])[\s_]++(?:(?:s|season[\s_]*+)(?P<season>\d{1,2})|第(?P<cjk>\d{1,2})[季期部])$",
    re.IGNORECASE,
)
_DASH_NUMBER = re.compile(
    r"(?<![\s_])[\s_]++-[\s_]++(?P<episode>\d{1,4})(?:v\d|(?P<decimal>\.\d))?(?=[\s_]|\[|\(|$)"
)
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
    r"|第\s*(?P<n4>\d{1,3})\s*[季期部]|(?:시즌|シーズン)\s*(?P<n5>\d{1,3})|(?P<n6>\d{1,2}))$",
    re.IGNORECASE,
)
_SEASON_PACK = re.compile(
    r"^\[?(?P<series>[^\[\]]*?[^\[\]\s._-])[\s._-]++"
    r"(?:s(?P<s1>\d{1,3})|season[\s._-]*+(?P<s2>\d{1,3}))"
    r"(?P<rest>(?:[\s._\-\[\]()][^/]*)?)$",
    re.IGNORECASE,
)
_PACK_WORDS = re.compile(r"[\s._\[\]()]+")
_PACK_TAGS = frozenset({"complete", "pack", "full", "season"})
_MAX_RANGE = 100
_YEAR_LIKE = re.compile(r"^(?:19|20)\d\d$")
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
    #: The series name follows the marker ("140722 Title"), none precedes it.
    series_after: bool = False
    #: The reading chosen for a number that reads both ways (``Show 112``).
    numbering: Numbering | None = None
    #: The name of a bracketed fansub release gives the series itself.
    series: str | None = None

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


def season_pack(name: str) -> tuple[int, str] | None:
    """A season-pack release folder (``Show.Name.S04.1080p.WEB-DL-GRP``, ``[Show.Name.S04]``,
    ``Show Name Season 01 1080p``, ``The.Show.S01.COMPLETE``): its season and series name."""
    match = _SEASON_PACK.match(name)
    if match is None:
        return None
    rest = [w for w in _PACK_WORDS.split(match["rest"]) if w]
    if rest and not (rest[0].lower() in _PACK_TAGS or is_release_token(rest[0])):
        return None  # "Show S01 Something": not a release's own words after the season
    return int(match["s1"] or match["s2"]), match["series"]


def find_marker(
    stem: str,
    *,
    in_season: bool,
    tv: bool,
    tv_library: bool = False,
    numbering: Numbering | None = None,
) -> EpisodeMarker | None:
    """The first episode marker of ``stem``.

    ``in_season``: the file sits in a season folder, so bare episode numbers count.
    ``tv``: the library may hold TV, so ``Show - 12`` is an absolute episode number.
    ``tv_library``: the library holds TV only, so a mini-series' "Part 2" is an episode.
    ``numbering``: how the series counts, which decides ``Show 112``.
    """
    for pattern in (_SXXEYY, _NXNN, _SEASON_EPISODE):
        match = pattern.search(stem)
        if match is not None:
            return _with_absolute_before(stem, _numbered(match))
    if stem.lstrip()[:1] in ("[", "【"):
        match = _BRACKETED.match(stem) or _ANIME.search(stem)
        if match is not None:
            return _bracketed(match) if match.re is _BRACKETED else _absolute(match)
    match = _DATE.search(stem)
    if match is not None and match.start() > 0:
        marker = _dated(stem, match)
        if marker is not None:
            return marker
    lowered = stem.lower()
    match = _SPLIT.search(stem) if "[" in stem or "afl" in lowered or "cap" in lowered else None
    if match is not None:
        return _split(stem, match)
    match = _EPISODE_WORD.search(stem)
    if match is not None and (in_season or tv):
        first_number = int(match["episode"])
        last = int(match["end"]) if match["end"] else first_number
        return EpisodeMarker(match.start(), match.end(), episodes=_span(first_number, last, True))
    if in_season:
        match = _LEADING_NUMBER.match(stem)
        if match is not None:
            return EpisodeMarker(0, match.end(), episodes=(int(match["episode"]),))
    if tv:
        return _tv_marker(stem, in_season, tv_library, numbering)
    return None


def _tv_marker(
    stem: str, in_season: bool, tv_library: bool, numbering: Numbering | None
) -> EpisodeMarker | None:
    """The weaker markers that count only where TV is expected."""
    match = _DASH_NUMBER.search(stem)
    if match is not None and match.start() > 0:
        if match["decimal"]:
            return EpisodeMarker(match.start(), match.end())
        number = int(match["episode"])
        if in_season:
            return EpisodeMarker(match.start(), match.end(), episodes=(number,))
        return EpisodeMarker(match.start(), match.end(), absolute=number)
    match = _SHORT_DATE.search(stem)
    if match is not None:
        marker = _short_date(stem, match)
        if marker is not None:
            return marker
    match = _CONCAT_PAIR.search(stem)
    if match is not None and match.start() > 0:
        episodes = _span(int(match["e1"]), int(match["e2"]), False)
        if episodes:
            return EpisodeMarker(
                match.start(), match.end(), season=int(match["s"]), episodes=episodes
            )
    if not tv_library:
        return None
    match = _PART.search(stem)
    if match is not None and match.start() > 0:
        word = match["n"].lower()
        number = int(word) if word.isdigit() else _PART_WORDS.index(word) + 1
        return EpisodeMarker(
            match.start(), match.end(), season=None if in_season else 1, episodes=(number,)
        )
    match = _BARE_NUMBER.search(stem)
    if match is not None and match.start() > 0:
        return _bare_number(match, numbering)
    return None


def _bare_number(match: re.Match[str], numbering: Numbering | None) -> EpisodeMarker | None:
    """``Show 112``: absolute episode 112 of an absolutely numbered series, season 1 episode 12
    of a seasonal one; four digits are an absolute number either way (``Show 1004``)."""
    number = int(match["n"])
    if number >= 1000:
        if _YEAR_LIKE.match(match["n"]):
            return None
        return EpisodeMarker(match.start(), match.end(), absolute=number)
    if numbering is Numbering.ABSOLUTE:
        return EpisodeMarker(match.start(), match.end(), absolute=number, numbering=numbering)
    if numbering is Numbering.SEASONAL and number % 100:
        season, episode = divmod(number, 100)
        return EpisodeMarker(
            match.start(), match.end(), season=season, episodes=(episode,), numbering=numbering
        )
    return None


def _dated(stem: str, match: re.Match[str]) -> EpisodeMarker | None:
    if _BRACKETED_YEAR.search(stem, match.end()):
        return None  # "Title 1968-03-12 (1963)": the date is part of a movie's title
    lead = match["first"]
    if match["y"]:
        year, first, second = int(lead + match["y"]), int(match["a"]), int(match["b"])
        day = _day(year, first, second) or _day(year, second, first)
    elif match["y2"]:
        year, first, second = int(match["y2"]), int(lead + match["a2"]), int(match["b2"])
        # Which number is the day: the one above 12; else month first with dashes (Plex's
        # MM-DD-YYYY), day first with dots or spaces (Kodi's DD.MM.YYYY).
        month_first = second > 12 or (first <= 12 and match["s2"] == "-")
        day = _day(year, first, second) if month_first else _day(year, second, first)
    else:
        day = _day(int(lead + match["y3"]), int(match["a3"]), int(match["b3"]))
    if day is None:
        return None
    episodes = (int(match["number"]),) if match["number"] else ()
    return EpisodeMarker(match.start(), match.end(), air_date=day, episodes=episodes)


def _short_date(stem: str, match: re.Match[str]) -> EpisodeMarker | None:
    day = _day(2000 + int(match["y"]), int(match["m"]), int(match["d"]))
    if day is None:
        return None
    if match.start() > 0:
        return EpisodeMarker(match.start(), match.end(), air_date=day)
    if stem[match.end() :].strip(" ._-"):
        return EpisodeMarker(0, match.end(), air_date=day, series_after=True)
    return None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _split(stem: str, match: re.Match[str]) -> EpisodeMarker:
    if match["c"]:
        season, episode = divmod(int(match["c"]), 100)
        before = _TEMPORADA.search(stem, 0, match.start())
        end = before.start() if before is not None else match.start()
        return EpisodeMarker(
            match.start(), match.end(), season=season, episodes=(episode,), series_end=end
        )
    written = (match["s1"], match["e1"]) if match["s1"] else (match["s2"], match["e2"])
    return EpisodeMarker(
        match.start(), match.end(), season=int(written[0]), episodes=(int(written[1]),)
    )


def _with_absolute_before(stem: str, marker: EpisodeMarker) -> EpisodeMarker:
    """``Show - 05 - S01E05``: the number before SxxEyy is the absolute one, not the series'."""
    if not stem[: marker.start].rstrip(" ._-(")[-1:].isdigit():
        return marker
    before = _ABSOLUTE_BEFORE.search(stem, 0, marker.start)
    if before is None:
        return marker
    return replace(marker, absolute=int(before["n"]), series_end=before.start())


def _numbered(match: re.Match[str]) -> EpisodeMarker:
    first = int(match["episode"])
    more = match["more"] or ""
    numbers = [int(n) for n in _NUMBER.findall(_strip_seasons(more))] if more else []
    if not numbers:
        episodes: tuple[int, ...] = (first,)
    elif (" - " not in more and "-" in more) or " to " in more.lower():
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
    if match["decimal"]:
        return EpisodeMarker(start, match.end())  # a recap between episodes ("- 12.5")
    if match["last"]:
        episodes = _span(number, int(match["last"]), True)
        return EpisodeMarker(start, match.end(), episodes=episodes)
    if season is not None:
        return EpisodeMarker(
            start,
            match.end(),
            season=int(season["season"] or season["cjk"]),
            episodes=(number,),
            series_end=match.start("series") + season.start(),
        )
    return EpisodeMarker(start, match.end(), absolute=number)


def _bracketed(match: re.Match[str]) -> EpisodeMarker:
    number = int(match["episode"])
    year = match["year"]
    series = f"{match['series']} ({year})" if year else match["series"]
    if match["season"]:
        return EpisodeMarker(
            match.start("episode"),
            match.end(),
            season=int(match["season"]),
            episodes=(number,),
            series=series,
        )
    return EpisodeMarker(match.start("episode"), match.end(), absolute=number, series=series)


def absolute_after(rest: str) -> tuple[int | None, str]:
    """Sonarr's anime names put the absolute number after SxxEyy: ``S01E01 - 001 - Title``."""
    match = _ABSOLUTE_AFTER.match(rest)
    if match is None:
        return None, rest
    return int(match.group(1)), rest[match.end() :]
