"""Search as users expect it: accents, case and leading articles ignored, small typos forgiven."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec
from rapidfuzz import fuzz

from reelhouse.config import SearchSettings
from reelhouse.content.catalogue.invalidation import PEOPLE_TAG, listing_tags
from reelhouse.content.catalogue.models import Item
from reelhouse.content.catalogue.search import ItemCandidate, SearchRepository, words
from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.content.reads.views import CATALOGUE_NAMESPACE, ItemView
from reelhouse.errors import InvalidInputError
from reelhouse.infra.cache import Cache, CacheNamespace, Read
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import ItemKind

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class PersonHit:
    id: int
    name: str


class _Hits(msgspec.Struct, frozen=True):
    """`SearchResults` as the cache keeps them."""

    items: tuple[tuple[str, tuple[ItemView, ...]], ...]
    people: tuple[PersonHit, ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    items: dict[ItemKind, list[ItemView]] = field(default_factory=dict)
    people: list[PersonHit] = field(default_factory=list)


def normalize_query(query: str) -> str:
    query = query.strip()
    if not 1 <= len(query) <= MAX_QUERY_LENGTH:
        raise InvalidInputError(f"a search has 1 to {MAX_QUERY_LENGTH} characters", field="q")
    return sort_title(query)


# Scores for a query whose every word starts a word of the title, or of the overview.
TITLE_WORDS_SCORE = 100.0
OVERVIEW_WORDS_SCORE = 85.0


def _all_words_start(query_words: list[str], text_: str | None) -> bool:
    found = words(text_ or "")
    return bool(query_words) and all(any(w.startswith(q) for w in found) for q in query_words)


def _score(
    normalized: str, query_words: list[str], key: str, title: str, overview: str | None = None
) -> float:
    score = fuzz.WRatio(normalized, key)
    if _all_words_start(query_words, title):
        score = max(score, TITLE_WORDS_SCORE)
    elif _all_words_start(query_words, overview):
        score = max(score, OVERVIEW_WORDS_SCORE)
    return score


def _results_key(query: str, visible: frozenset[int] | None, limit: int) -> str:
    scope = "all" if visible is None else ",".join(str(i) for i in sorted(visible))
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    return f"search:{scope}:{limit}:{digest}"


def _results_tags(visible: frozenset[int] | None) -> tuple[str, ...]:
    return (*listing_tags(visible), PEOPLE_TAG)


class SearchService:
    def __init__(
        self,
        database: Database,
        kinds: Sequence[ItemKind],
        settings: SearchSettings,
        cache: Cache | None = None,
    ) -> None:
        """Search finds items of `kinds`, ranked as `settings` say. With a `cache`, results are
        kept per query, caller's libraries and limit, tagged like the listings of those
        libraries (any change of their items drops them) and by `PEOPLE_TAG` (any change of a
        person does)."""
        self.database = database
        self.kinds = tuple(kinds)
        self.settings = settings
        self._hits: CacheNamespace[_Hits] | None = None
        if cache is not None:
            self._hits = cache.namespace(CATALOGUE_NAMESPACE, _Hits)

    async def search(
        self, query: str, visible: frozenset[int] | None, limit: int = 20
    ) -> SearchResults:
        normalized = normalize_query(query)
        if self._hits is None:
            hits = await self._search(query, normalized, visible, limit)
        else:
            found = await self._hits.get_or_load(
                _results_key(query, visible, limit),
                lambda: self._search(query, normalized, visible, limit),
                tags=_results_tags(visible),
            )
            assert found is not None  # noqa: S101 - the loader never answers "not found"
            hits = found
        return SearchResults(
            {ItemKind(kind): list(items) for kind, items in hits.items}, list(hits.people)
        )

    def results(
        self, query: str, visible: frozenset[int] | None, limit: int
    ) -> Read[SearchResults]:
        """The results of a search, as a read kept (and dropped) like the results themselves;
        `InvalidInputError` for a query that is empty or too long."""
        normalize_query(query)
        return Read(
            _results_key(query, visible, limit),
            _results_tags(visible),
            lambda: self.search(query, visible, limit),
        )

    async def _search(
        self, query: str, normalized: str, visible: frozenset[int] | None, limit: int
    ) -> _Hits:
        query_words = words(query)
        async with self.database.read() as session:
            repo = SearchRepository(session)
            items = await repo.items(
                query, normalized, self.kinds, visible, self.settings.candidates, enough=limit
            )
            people = await repo.people(normalized, visible, self.settings.candidates)
        min_score = self.settings.min_score
        shown = _best_items(items, normalized, query_words, limit, min_score)
        loaded: dict[int, Item] = {}
        if shown:  # ranked without a connection held; the few shown are loaded whole
            async with self.database.read() as session:
                ids = [item_id for group in shown.values() for item_id in group]
                loaded = await SearchRepository(session).by_ids(ids)
        grouped = {
            kind: [ItemView.of(loaded[item_id]) for item_id in group if item_id in loaded]
            for kind, group in shown.items()
        }
        scored_people = sorted(
            (
                (score, person)
                for person in people
                if (score := _score(normalized, query_words, person.sort_name, person.name))
                >= min_score
            ),
            key=lambda pair: (-pair[0], pair[1].sort_name, pair[1].id),
        )
        return _Hits(
            tuple((kind, tuple(group)) for kind, group in grouped.items()),
            tuple(PersonHit(person.id, person.name) for _, person in scored_people[:limit]),
        )


def _best_items(
    items: list[ItemCandidate],
    normalized: str,
    query_words: list[str],
    limit: int,
    min_score: float,
) -> dict[str, list[int]]:
    """The ids of the best `limit` items of each kind, best first."""
    ranked = sorted(
        (
            (score, item)
            for item in items
            if (
                score := _score(
                    normalized, query_words, item.sort_title, _titles(item), item.overview
                )
            )
            >= min_score
        ),
        key=lambda pair: (-pair[0], pair[1].sort_title, pair[1].id),
    )
    best: dict[str, list[int]] = {}
    for _, item in ranked:
        group = best.setdefault(str(item.kind), [])
        if len(group) < limit:
            group.append(item.id)
    return best


def _titles(item: ItemCandidate) -> str:
    return " ".join(filter(None, (item.title, item.original_title)))
