"""Kodi NFO files as reelhouse writes them back: `<movie>`, `<tvshow>`, `<season>` and
`<episodedetails>` (several roots in one file for a file holding several episodes), the mirror
of `providers.nfo`, which reads every field written here back into the same record.

Documents are built as element trees and serialized by the XML library (never by pasting
strings), UTF-8 with Kodi's declaration. XML 1.0 cannot hold most control characters: they are
dropped from the text (a NUL in a title is no part of it anywhere else either); line breaks are
written as `\\n`, as an XML reader hands them back anyway. Nothing here touches the disk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from xml.etree.ElementTree import Element, SubElement, indent, tostring

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>\n'
#: What XML 1.0 cannot hold (besides tab, line feed and carriage return).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n?")
#: Kodi's `<lastplayed>` form (written in UTC, which the reader assumes of a zoneless time).
LAST_PLAYED_FORMAT = "%Y-%m-%d %H:%M:%S"


def xml_text(value: str) -> str:
    """`value` as an NFO holds it: characters XML 1.0 forbids dropped, line breaks as `\\n`."""
    return _LINE_BREAK.sub("\n", _NOT_XML.sub("", value))


@dataclass(frozen=True, slots=True)
class NfoRating:
    name: str
    value: float
    max_value: float = 10.0
    votes: int | None = None
    default: bool = False


@dataclass(frozen=True, slots=True)
class NfoActor:
    name: str
    role: str = ""
    order: int = 0
    thumb: str | None = None


@dataclass(frozen=True, slots=True)
class NfoSet:
    """A movie's collection (Kodi's "set")."""

    name: str
    overview: str | None = None


@dataclass(frozen=True, slots=True)
class NfoWatch:
    """One user's viewing history of the item, as Kodi keeps it."""

    play_count: int = 0
    last_played: datetime | None = None
    position_s: float | None = None
    total_s: float | None = None


@dataclass(frozen=True, slots=True)
class NfoItem:
    """What one NFO root says of its item; empty values are left out of the file."""

    title: str
    original_title: str | None = None
    sort_title: str | None = None
    plot: str | None = None
    tagline: str | None = None
    runtime_minutes: int | None = None
    certification: str | None = None
    release_date: date | None = None
    year: int | None = None
    status: str | None = None
    genres: Sequence[str] = ()
    studios: Sequence[str] = ()
    tags: Sequence[str] = ()
    ratings: Sequence[NfoRating] = ()
    #: Provider ids by provider (`tmdb`, `tvdb`, `imdb`), the default one first.
    ids: Mapping[str, str] = field(default_factory=dict)
    actors: Sequence[NfoActor] = ()
    directors: Sequence[str] = ()
    writers: Sequence[str] = ()
    collection: NfoSet | None = None
    season_number: int | None = None
    episode_number: int | None = None
    show_title: str | None = None
    watch: NfoWatch | None = None


def movie_nfo(item: NfoItem) -> bytes:
    return _document([_root("movie", item)])


def tvshow_nfo(item: NfoItem) -> bytes:
    return _document([_root("tvshow", item)])


def season_nfo(item: NfoItem) -> bytes:
    root = Element("season")
    _add(root, "seasonnumber", item.season_number)
    _add(root, "title", item.title)
    _add(root, "plot", item.plot)
    _add(root, "premiered", item.release_date)
    _unique_ids(root, item.ids)
    return _document([root])


def episodes_nfo(items: Sequence[NfoItem]) -> bytes:
    """One `<episodedetails>` per episode a file holds, in the order given."""
    return _document([_root("episodedetails", item) for item in items])


def _document(roots: Sequence[Element]) -> bytes:
    parts = [DECLARATION]
    for root in roots:
        indent(root, space="  ")
        parts.append(tostring(root, encoding="utf-8", xml_declaration=False) + b"\n")
    return b"".join(parts)


def _add(parent: Element, tag: str, value: object, **attributes: str) -> Element | None:
    """`<tag>value</tag>` under `parent`, unless there is no value to say."""
    if value is None:
        return None
    text = xml_text(_format(value))
    if not text.strip():
        return None
    child = SubElement(parent, tag, attributes)
    child.text = text
    return child


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(LAST_PLAYED_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _root(tag: str, item: NfoItem) -> Element:
    root = Element(tag)
    _add(root, "title", item.title)
    _add(root, "originaltitle", item.original_title)
    _add(root, "showtitle", item.show_title)
    _add(root, "sorttitle", item.sort_title)
    if item.season_number is not None and tag == "episodedetails":
        _add(root, "season", item.season_number)
        _add(root, "episode", item.episode_number)
    _ratings(root, item.ratings)
    _add(root, "plot", item.plot)
    _add(root, "tagline", item.tagline)
    _add(root, "runtime", item.runtime_minutes)
    _add(root, "mpaa", item.certification)
    _unique_ids(root, item.ids)
    for genre in item.genres:
        _add(root, "genre", genre)
    if item.collection is not None and xml_text(item.collection.name).strip():
        collection = SubElement(root, "set")
        _add(collection, "name", item.collection.name)
        _add(collection, "overview", item.collection.overview)
    for writer in item.writers:
        _add(root, "credits", writer)
    for director in item.directors:
        _add(root, "director", director)
    _add(root, "aired" if tag == "episodedetails" else "premiered", item.release_date)
    _add(root, "year", item.year)
    _add(root, "status", item.status)
    for studio in item.studios:
        _add(root, "studio", studio)
    for name in item.tags:
        _add(root, "tag", name)
    for actor in item.actors:
        if not xml_text(actor.name).strip():
            continue
        element = SubElement(root, "actor")
        _add(element, "name", actor.name)
        _add(element, "role", actor.role)
        _add(element, "order", actor.order)
        _add(element, "thumb", actor.thumb)
    if item.watch is not None:
        _watch(root, item.watch)
    return root


def _unique_ids(root: Element, ids: Mapping[str, str]) -> None:
    for position, (provider, value) in enumerate(ids.items()):
        _add(root, "uniqueid", value, type=provider, default=_format(position == 0))


def _ratings(root: Element, ratings: Sequence[NfoRating]) -> None:
    if not ratings:
        return
    element = SubElement(root, "ratings")
    for rating in ratings:
        attributes = {
            "name": xml_text(rating.name),
            "max": _format(rating.max_value),
            "default": _format(rating.default),
        }
        entry = SubElement(element, "rating", attributes)
        _add(entry, "value", rating.value)
        _add(entry, "votes", rating.votes)


def _watch(root: Element, watch: NfoWatch) -> None:
    _add(root, "playcount", watch.play_count)
    _add(root, "lastplayed", watch.last_played)
    if watch.position_s is not None:
        resume = SubElement(root, "resume")
        _add(resume, "position", f"{watch.position_s:.3f}")
        _add(resume, "total", f"{watch.total_s or 0:.3f}")
