"""Kodi NFO files: `movie.nfo` / `<file>.nfo`, `tvshow.nfo`, `season.nfo`, `<episode>.nfo`.

NFO files come from anywhere, so they are parsed with defusedxml: a DTD, entity expansion (the
"billion laughs") or an external entity is refused, not evaluated. An NFO that is only a link to a
TMDb, IMDb or TheTVDB page (Kodi's "parsing NFO") yields the id; one with XML and a trailing link
yields both. Whatever is read becomes a record whose fields win over remote data.

Kodi and tinyMediaManager also keep viewing history there (`<playcount>`, `<lastplayed>`,
`<resume><position>/<total>`, `<watched>`): it is read into a `LocalWatch` per movie or episode,
each value on its own, so that a malformed one is logged and left out while the rest of the file,
its metadata included, is kept.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import ValidationError

from reelhouse.content.metadata import models as rec
from reelhouse.content.metadata.client import describe
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.logging import get_logger
from reelhouse.libraries.reading import read_library_file

log = get_logger(__name__)
T = TypeVar("T")

SOURCE = "nfo"
_URL_IDS = (
    (re.compile(r"themoviedb\.org/(?:movie|tv)/(\d+)"), "tmdb"),
    (re.compile(r"imdb\.com/title/(tt\d{7,12})"), "imdb"),
    (re.compile(r"thetvdb\.com/(?:\?tab=series&id=|dereferrer/series/|series/)(\d+)\b"), "tvdb"),
    (re.compile(r"thetvdb\.com/\?.*?\bid=(\d+)"), "tvdb"),
)
_ID_TAGS = {"tmdbid": "tmdb", "imdbid": "imdb", "tvdbid": "tvdb", "imdb_id": "imdb"}
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")

#: Kodi writes the epoch in local time (1969-12-31) or nothing for "never played".
_NEVER_BEFORE = datetime(1970, 1, 2, tzinfo=UTC)
_COUNT = re.compile(r"[+-]?[0-9]{1,12}")
_SECONDS = re.compile(
    r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][+-]?[0-9]{1,3})?"
)
_DATE_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
#: How much of a malformed value a log line quotes.
_QUOTED = 80


@dataclass(frozen=True, slots=True)
class NfoContents(Generic[T]):
    """What one NFO file holds: its metadata (None when that part is broken) and the viewing
    history of each movie or episode in it that says any."""

    record: T | None
    watch: tuple[rec.LocalWatch, ...] = ()


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def _int(element: Element | None) -> int | None:
    value = _text(element)
    return int(value) if value is not None and value.isdigit() else None


def _ids(root: Element | None, url_text: str) -> rec.ExternalIds:
    found: dict[str, Any] = {}
    if root is not None:
        for unique in root.findall("uniqueid"):
            kind, value = (unique.get("type") or "").lower(), _text(unique)
            if kind in ("tmdb", "tvdb", "imdb") and value:
                found.setdefault(kind, value)
        for tag, kind in _ID_TAGS.items():
            value = _text(root.find(tag))
            if value:
                found.setdefault(kind, value)
        legacy = _text(root.find("id"))
        if legacy and legacy.startswith("tt"):
            found.setdefault("imdb", legacy)
    for pattern, kind in _URL_IDS:
        match = pattern.search(url_text)
        if match:
            found.setdefault(kind, match.group(1))
    return rec.ExternalIds.model_validate(found)


def _ratings(root: Element) -> dict[str, rec.Rating]:
    found: dict[str, rec.Rating] = {}
    for rating in root.findall("ratings/rating"):
        name, value = rating.get("name") or "default", _text(rating.find("value"))
        scale = float(rating.get("max") or 10)
        if value is not None and scale > 0:
            found[name] = rec.Rating(
                value=round(float(value) * 10 / scale, 3), votes=_int(rating.find("votes")) or 0
            )
    return found


def _credits(root: Element) -> tuple[rec.Credit, ...]:
    actors = tuple(
        rec.Credit(
            name=name,
            role="actor",
            character=_text(actor.find("role")) or "",
            order=_int(actor.find("order")) or index,
            image=_text(actor.find("thumb")),
        )
        for index, actor in enumerate(root.findall("actor"))
        if (name := _text(actor.find("name")))
    )
    crew = tuple(
        rec.Credit(name=name, role=role)
        for tag, role in (("director", "director"), ("credits", "writer"))
        for element in root.findall(tag)
        if (name := _text(element))
    )
    return actors + crew


def _artwork(root: Element) -> tuple[rec.Artwork, ...]:
    thumbs = tuple(
        rec.Artwork(kind=thumb.get("aspect") or "poster", url=url)
        for thumb in root.findall("thumb")
        if (url := _text(thumb))
    )
    fanart = tuple(
        rec.Artwork(kind="backdrop", url=url)
        for thumb in root.findall("fanart/thumb")
        if (url := _text(thumb))
    )
    return thumbs + fanart


def _common(root: Element, url_text: str) -> dict[str, Any]:
    runtime = _int(root.find("runtime"))
    return {
        "ids": _ids(root, url_text),
        "title": _text(root.find("title")),
        "original_title": _text(root.find("originaltitle")),
        "overview": _text(root.find("plot")) or _text(root.find("outline")),
        "tagline": _text(root.find("tagline")),
        "release_date": _text(root.find("premiered")) or _text(root.find("aired")),
        "runtime_minutes": runtime or None,
        "genres": tuple(g for e in root.findall("genre") if (g := _text(e))),
        "keywords": tuple(t for e in root.findall("tag") if (t := _text(e))),
        # The library's own labels: a longer one than a tag holds is left out, never cut.
        "tags": tuple(
            t for e in root.findall("tag") if (t := _text(e)) and len(t) <= rec.TAG_NAME_MAX
        ),
        "studios": tuple(s for e in root.findall("studio") if (s := _text(e))),
        "countries": tuple(c for e in root.findall("country") if (c := _text(e))),
        "certification": _text(root.find("mpaa")),
        "ratings": _ratings(root),
        "credits": _credits(root),
        "artwork": _artwork(root),
        "sources": (SOURCE,),
    }


def _parse(data: bytes, source: str) -> tuple[list[Element], str]:
    """The root elements and the text outside them (where a trailing link may be)."""
    stripped = data.strip()
    if not stripped.startswith(b"<"):
        return [], stripped.decode("utf-8", "replace")
    body = _DECLARATION.sub(b"", stripped)
    last_close = body.rfind(b">")
    trailing = body[last_close + 1 :].decode("utf-8", "replace")
    try:
        # Several roots (a multi-episode file) are valid Kodi NFO but not valid XML: wrap them.
        wrapper = fromstring(
            b"<nfo>" + body[: last_close + 1] + b"</nfo>",
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except (ParseError, DefusedXmlException) as exc:
        raise InvalidInputError(f"{source}: not a readable NFO ({exc})", field=source) from None
    return list(wrapper), trailing


def _records(data: bytes, source: str, tag: str) -> tuple[list[Element], str]:
    roots, url_text = _parse(data, source)
    mismatched = [r.tag for r in roots if r.tag != tag]
    if mismatched:
        raise InvalidInputError(
            f"{source}: expected <{tag}>, found <{mismatched[0]}>", field=source
        )
    return roots, url_text


def parse_movie(data: bytes, source: str) -> rec.MovieRecord:
    return build_movie(*_records(data, source, "movie"), source)


def build_movie(roots: list[Element], url_text: str, source: str) -> rec.MovieRecord:
    try:
        if not roots:
            return rec.MovieRecord(ids=_ids(None, url_text), sources=(SOURCE,))
        root = roots[0]
        collection = root.find("set")
        name = overview = None
        if collection is not None:
            name = _text(collection.find("name")) or _text(collection)
            overview = _text(collection.find("overview"))
        return rec.MovieRecord(
            collection=rec.CollectionRef(name=name, overview=overview) if name else None,
            status=_text(root.find("status")),
            **_common(root, url_text),
        )
    except (ValidationError, ValueError) as exc:
        raise InvalidInputError(f"{source}: {_reason(exc)}", field=source) from None


def parse_series(data: bytes, source: str) -> rec.SeriesRecord:
    roots, url_text = _records(data, source, "tvshow")
    try:
        if not roots:
            return rec.SeriesRecord(ids=_ids(None, url_text), sources=(SOURCE,))
        root = roots[0]
        return rec.SeriesRecord(status=_text(root.find("status")), **_common(root, url_text))
    except (ValidationError, ValueError) as exc:
        raise InvalidInputError(f"{source}: {_reason(exc)}", field=source) from None


def parse_season(data: bytes, source: str) -> rec.SeasonRecord:
    roots, _ = _records(data, source, "season")
    if not roots:
        raise InvalidInputError(f"{source}: a season NFO needs <season>", field=source)
    root = roots[0]
    try:
        return rec.SeasonRecord(
            ids=_ids(root, ""),
            season_number=_int(root.find("seasonnumber")) or 0,
            title=_text(root.find("title")),
            overview=_text(root.find("plot")),
            release_date=_text(root.find("premiered")),
            sources=(SOURCE,),
        )
    except (ValidationError, ValueError) as exc:
        raise InvalidInputError(f"{source}: {_reason(exc)}", field=source) from None


def parse_episodes(data: bytes, source: str) -> list[rec.EpisodeRecord]:
    """One record per `<episodedetails>`: a file holding two episodes has two."""
    return build_episodes(*_records(data, source, "episodedetails"), source)


def build_episodes(roots: list[Element], url_text: str, source: str) -> list[rec.EpisodeRecord]:
    try:
        return [
            rec.EpisodeRecord(
                season_number=_int(root.find("season")) or 0,
                episode_number=_int(root.find("episode")) or 0,
                **_common(root, url_text),
            )
            for root in roots
        ]
    except (ValidationError, ValueError) as exc:
        raise InvalidInputError(f"{source}: {_reason(exc)}", field=source) from None


# -- viewing history ------------------------------------------------------------------------


def parse_watch(
    data: bytes, source: str, tag: str, *, now: datetime | None = None
) -> list[rec.LocalWatch]:
    """The viewing history of each `<tag>` root that says any (a URL-only NFO says none).
    Malformed values are logged and left out; only XML that cannot be read at all is an error."""
    roots, _ = _records(data, source, tag)
    return _watches(roots, source, now or datetime.now(UTC))


def parse_contents(
    data: bytes,
    source: str,
    tag: str,
    build: Callable[[list[Element], str, str], T],
    *,
    now: datetime | None = None,
) -> NfoContents[T]:
    """The metadata (`build` of the roots) and the viewing history of one NFO, each kept when
    the other is broken: an impossible premiere date does not lose years of play counts."""
    roots, url_text = _records(data, source, tag)
    watch = _watches(roots, source, now or datetime.now(UTC))
    try:
        record: T | None = build(roots, url_text, source)
    except InvalidInputError as exc:
        log.warning("NFO metadata skipped", path=source, error=exc.detail)
        record = None
    return NfoContents(record, tuple(watch))


def _watches(roots: Sequence[Element], source: str, now: datetime) -> list[rec.LocalWatch]:
    return [watch for root in roots if (watch := _watch(root, source, now)).says_anything]


def _watch(root: Element, source: str, now: datetime) -> rec.LocalWatch:
    def value(tag: str, parent: Element, convert: Callable[[str], Any]) -> Any:
        raw = _text(parent.find(tag))
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError as exc:
            log.warning(
                "NFO watch value ignored",
                path=source,
                element=tag,
                value=raw[:_QUOTED],
                reason=str(exc),
            )
            return None

    position = total = None
    resume = root.find("resume")
    if resume is not None:
        position = value("position", resume, _seconds)
        total = value("total", resume, _seconds)
        if position is not None and total and position > total:
            log.warning(
                "NFO watch value ignored",
                path=source,
                element="resume",
                value=f"{position}/{total}",
                reason="the position is past the total",
            )
            position = None
    try:
        return rec.LocalWatch(
            play_count=value("playcount", root, _play_count),
            watched=value("watched", root, _watched),
            last_played=value("lastplayed", root, lambda text: _last_played(text, now)),
            position_s=position,
            total_s=total,
            season_number=_number(root.find("season")),
            episode_number=_number(root.find("episode")),
        )
    except ValidationError as exc:  # each value was checked above: a bug, not the file's fault
        log.exception("NFO watch values refused", path=source, error=describe(exc))
        return rec.LocalWatch()


def _play_count(text: str) -> int:
    if not _COUNT.fullmatch(text):
        raise ValueError("not a whole number")
    count = int(text)
    if not 0 <= count <= rec.PLAY_COUNT_MAX:
        raise ValueError(f"not between 0 and {rec.PLAY_COUNT_MAX}")
    return count


def _watched(text: str) -> bool:
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("neither true nor false")


def _seconds(text: str) -> float:
    if not _SECONDS.fullmatch(text):
        raise ValueError("not a number of seconds")
    seconds = float(text)
    if not math.isfinite(seconds) or not 0 <= seconds <= rec.POSITION_MAX_S:
        raise ValueError(f"not between 0 and {rec.POSITION_MAX_S} seconds")
    return seconds


def _last_played(text: str, now: datetime) -> datetime | None:
    """`2019-05-04 21:13:00` or `2019-05-04` (Kodi), an ISO 8601 time with a zone too; a time
    without a zone is taken as UTC. Kodi's "never" (empty, 0000-00-00, the epoch) is None."""
    if text.startswith("0000-00-00"):
        return None
    if len(text) > 40 or not _DATE_START.match(text):
        raise ValueError("not a date")
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # a zone that moves the first or last representable day out of range
        raise ValueError("out of range") from None
    if moment < _NEVER_BEFORE:
        return None
    if moment > now + rec.MAX_UTC_OFFSET:  # later than now in every zone: not yet happened
        raise ValueError("in the future")
    return moment


def _number(element: Element | None) -> int | None:
    """A season or episode number, None unless it is a plain one."""
    text = _text(element)
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if number <= 100_000 else None


def _reason(exc: Exception) -> str:
    return describe(exc) if isinstance(exc, ValidationError) else str(exc)


class NfoReader:
    """Reads NFO files off the event loop, refusing files larger than `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes

    async def read(self, path: Path) -> bytes:
        return await asyncio.to_thread(self._read, path)

    async def _parsed(self, path: Path, parse: Callable[[bytes, str], T]) -> T:
        try:
            return parse(await self.read(path), str(path))
        except InvalidInputError as exc:
            log.warning("NFO skipped", path=str(path), error=exc.detail)
            raise

    def _read(self, path: Path) -> bytes:
        """Only a regular file within the cap (a FIFO or a link to a device is refused)."""
        try:
            return read_library_file(path.as_posix(), self._max_bytes, what="NFO")
        except (NotFoundError, InvalidInputError) as exc:
            raise InvalidInputError(
                f"{path}: cannot be read ({exc.detail})", field=str(path)
            ) from None

    async def movie(self, path: Path) -> rec.MovieRecord:
        return await self._parsed(path, parse_movie)

    async def series(self, path: Path) -> rec.SeriesRecord:
        return await self._parsed(path, parse_series)

    async def season(self, path: Path) -> rec.SeasonRecord:
        return await self._parsed(path, parse_season)

    async def episodes(self, path: Path) -> list[rec.EpisodeRecord]:
        return await self._parsed(path, parse_episodes)

    async def movie_contents(self, path: Path) -> NfoContents[rec.MovieRecord]:
        """A movie NFO's metadata and the viewing history in it."""
        return await self._parsed(
            path, lambda data, source: parse_contents(data, source, "movie", build_movie)
        )

    async def episode_contents(self, path: Path) -> NfoContents[list[rec.EpisodeRecord]]:
        """An episode NFO's records (several in a multi-episode file) and their history."""
        return await self._parsed(
            path,
            lambda data, source: parse_contents(data, source, "episodedetails", build_episodes),
        )
