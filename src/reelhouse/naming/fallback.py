"""guessit, for the names the compiled conventions cannot decide on their own."""

from __future__ import annotations

from datetime import date
from typing import Any

import guessit
from guessit.api import GuessitException

from reelhouse.kinds import LibraryKind
from reelhouse.naming.identity import DecidedBy, Identity, Kind
from reelhouse.naming.titles import clean


def guess(name: str, hint: LibraryKind | None) -> dict[str, Any] | None:
    """guessit's reading of ``name`` (None when guessit itself gives up on it)."""
    options: dict[str, str] = {}
    if hint is LibraryKind.TV:
        options["type"] = "episode"
    elif hint is LibraryKind.MOVIES:
        options["type"] = "movie"
    try:
        return dict(guessit.guessit(name, options))
    except GuessitException:
        return None


def first_number(value: object) -> int | None:
    """guessit's number, or the first of its list of numbers."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def text_of(value: object) -> str | None:
    """guessit's text, a list of texts joined."""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return clean(str(value), dots=False) if value else None


def identity_from_guess(base: Identity, found: dict[str, Any]) -> Identity:
    """``base`` (what the fast path knew: path, owner, folder ids) completed by guessit."""
    title = text_of(found.get("title"))
    year = first_number(found.get("year"))
    if found.get("type") == "episode":
        raw = found.get("episode")
        episodes = tuple(e for e in (raw if isinstance(raw, list) else [raw]) if isinstance(e, int))
        air = found.get("date")
        season = first_number(found.get("season"))
        absolute = None
        if season is None and len(episodes) == 1 and not isinstance(air, date):
            absolute, episodes = episodes[0], ()
        return Identity(
            path=base.path,
            kind=Kind.EPISODE,
            decided_by=DecidedBy.GUESSIT,
            series=base.series or title,
            year=base.year or year,
            season=season if season is not None else base.season,
            episode=episodes[0] if episodes else None,
            end_episode=episodes[-1] if len(episodes) > 1 else None,
            episodes=episodes,
            absolute_episode=absolute,
            air_date=air if isinstance(air, date) else None,
            episode_title=text_of(found.get("episode_title")),
            provider_ids=base.provider_ids,
            owner=base.owner,
            container=base.container,
        )
    if title is None:
        return base
    return Identity(
        path=base.path,
        kind=Kind.MOVIE,
        decided_by=DecidedBy.GUESSIT,
        title=title,
        year=year,
        edition=text_of(found.get("edition")) or base.edition,
        part=first_number(found.get("part")) or first_number(found.get("cd")) or base.part,
        format_3d=base.format_3d,
        provider_ids=base.provider_ids,
        owner=base.owner,
        container=base.container,
    )
