"""The NFO files of catalogue items: their stored facts (and one user's viewing history) in
Kodi's words (`providers.nfo_writer`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reelhouse.ingest.artwork_names import Owner
from reelhouse.ingest.writeback.repository import ItemFacts
from reelhouse.kinds import ItemKind
from reelhouse.providers.nfo_writer import (
    NfoActor,
    NfoItem,
    NfoRating,
    NfoSet,
    NfoWatch,
    episodes_nfo,
    movie_nfo,
    season_nfo,
    tvshow_nfo,
)
from reelhouse.watch.repository import StoredState

#: The provider ids of each kind, the one Kodi defaults to first.
_ID_ORDER = {
    ItemKind.MOVIE: ("tmdb", "imdb", "tvdb"),
    ItemKind.SERIES: ("tvdb", "tmdb", "imdb"),
    ItemKind.EPISODE: ("tvdb", "tmdb", "imdb"),
}
#: Crew jobs Kodi keeps as `<credits>` (writers); directors are `<director>`.
_WRITING_JOBS = frozenset({"writer", "screenplay", "story", "teleplay", "novel"})
#: The rating Kodi shows by default: the first source present.
_DEFAULT_RATING = ("tmdb", "tvdb", "imdb")


def nfo_body(
    owner: Owner,
    items: Sequence[ItemFacts],
    *,
    collections: Mapping[int, tuple[str, str | None]],
    watch: Mapping[int, StoredState] | None,
    show_title: str | None = None,
) -> bytes:
    """The NFO file of these items (several only for a file holding several episodes, in
    the order given)."""
    if owner is Owner.SEASON:
        season = items[0]
        return season_nfo(
            NfoItem(
                title=season.title,
                plot=season.overview,
                release_date=season.release_date,
                season_number=season.index_number,
                ids=_ids(season),
            )
        )
    documents = [nfo_item(facts, collections, watch, show_title) for facts in items]
    if owner is Owner.MOVIE:
        return movie_nfo(documents[0])
    if owner is Owner.SERIES:
        return tvshow_nfo(documents[0])
    return episodes_nfo(documents)


def nfo_item(
    facts: ItemFacts,
    collections: Mapping[int, tuple[str, str | None]],
    watch: Mapping[int, StoredState] | None,
    show_title: str | None = None,
) -> NfoItem:
    collection = collections.get(facts.collection_id) if facts.collection_id else None
    episode = facts.kind is ItemKind.EPISODE
    return NfoItem(
        title=facts.title,
        original_title=facts.original_title,
        sort_title=None if episode else facts.sort_title,
        plot=facts.overview,
        tagline=facts.tagline,
        runtime_minutes=facts.runtime_minutes,
        certification=facts.certification,
        release_date=facts.release_date,
        year=None if episode else facts.year,
        status=facts.status,
        genres=facts.genres,
        studios=facts.studios,
        tags=facts.tags,
        ratings=_ratings(facts),
        ids=_ids(facts),
        actors=[NfoActor(c.name, c.character, c.order, c.thumb) for c in facts.cast],
        directors=[name for job, name in facts.crew if job.casefold() == "director"],
        writers=[name for job, name in facts.crew if job.casefold() in _WRITING_JOBS],
        collection=NfoSet(*collection) if collection else None,
        season_number=facts.parent_index_number if episode else None,
        episode_number=facts.index_number if episode else None,
        show_title=show_title if episode else None,
        watch=_watch(facts, watch.get(facts.id)) if watch is not None else None,
    )


def _ids(facts: ItemFacts) -> dict[str, str]:
    values = {"tmdb": facts.tmdb_id, "tvdb": facts.tvdb_id, "imdb": facts.imdb_id}
    order = _ID_ORDER.get(facts.kind, ("tmdb", "tvdb", "imdb"))
    return {name: str(values[name]) for name in order if values[name] is not None}


def _ratings(facts: ItemFacts) -> list[NfoRating]:
    sources = [r.source for r in facts.ratings]
    default = next((s for s in _DEFAULT_RATING if s in sources), sources[0] if sources else None)
    return [
        NfoRating(r.source, r.value, r.max_value, r.votes, r.source == default)
        for r in facts.ratings
    ]


def _watch(facts: ItemFacts, state: StoredState | None) -> NfoWatch:
    """The user's history of the item; an item they never played says so (`playcount` 0)."""
    if state is None:
        return NfoWatch()
    position_s = state.position_ms / 1000 if state.position_ms else None
    total_s = (facts.runtime_minutes or 0) * 60.0
    if position_s is not None and total_s < position_s:
        total_s = 0.0  # a runtime shorter than the position says nothing of the file's length
    play_count = max(state.play_count, 1) if state.played else 0
    return NfoWatch(play_count, state.last_played_at, position_s, total_s or None)
