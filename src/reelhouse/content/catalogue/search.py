"""Search candidates from the database's own text indexes (migrations 0003 and 0004).

This is the one repository with SQL per database: FTS5 on SQLite, tsvector and pg_trgm on
PostgreSQL. Both answer the same question: which live rows might match, best first.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.models import Credit, Item, Person
from reelhouse.kinds import ItemKind

_WORD = re.compile(r"\w+")
#: PostgreSQL's stored word vector of an item's titles and overview (migration 0004).
_WORDS_VECTOR: ColumnElement[Any] = literal_column("search_words")


PREFIX_LENGTH = 2
# pg_trgm's default `%` threshold (0.3) misses one swapped pair of letters in a short word.
TRIGRAM_THRESHOLD = 0.2


def words(text_: str) -> list[str]:
    return _WORD.findall(text_.casefold())


def _title_starts_with(prefix: str) -> ColumnElement[bool]:
    """PostgreSQL: titles that start with `prefix`, as the range of them in code-point order
    (`~>=~`, `~<~`), which the title-prefix index serves (migration 0011) in any collation; a
    `LIKE 'prefix%'` is served by a btree only in the C collation, so PostgreSQL took the
    trigram index for it, reading fifty to a hundred times the pages."""
    condition: ColumnElement[bool] = Item.sort_title.op("~>=~")(prefix)
    if prefix and prefix[-1] != chr(sys.maxunicode):
        condition = and_(condition, Item.sort_title.op("~<~")(prefix_end(prefix)))
    elif prefix:
        condition = and_(condition, Item.sort_title.startswith(prefix))
    return condition


def prefix_end(prefix: str) -> str:
    """The first text after every text that starts with `prefix` (whose last character is not
    the last one of Unicode), in code-point order; surrogates, which no text holds (nor can be
    sent as UTF-8), are skipped."""
    following = ord(prefix[-1]) + 1
    if _SURROGATES[0] <= following <= _SURROGATES[1]:
        following = _SURROGATES[1] + 1
    return prefix[:-1] + chr(following)


_SURROGATES = (0xD800, 0xDFFF)


def trigrams(normalized: str) -> list[str]:
    return sorted({normalized[i : i + 3] for i in range(len(normalized) - 2)})


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class ItemCandidate(NamedTuple):
    """An item as search ranks it."""

    id: int
    kind: str
    sort_title: str
    title: str
    original_title: str | None
    overview: str | None


#: What ranking reads of a candidate (`ItemCandidate`), and what `_kept` checks.
_COLUMNS = (Item.id, Item.kind, Item.sort_title, Item.title, Item.original_title, Item.overview,
            Item.library_id, Item.deleted_at)  # fmt: skip


#: A candidate as `_COLUMNS` reads it.
_Found = Row[int, ItemKind, str, str, str | None, str | None, int | None, datetime | None]


def _kept(
    rows: Iterable[_Found], kinds: Sequence[ItemKind], library_ids: frozenset[int] | None
) -> list[ItemCandidate]:
    """The live candidates of `kinds` in `library_ids` among `rows`."""
    wanted = {str(kind) for kind in kinds}
    return [
        ItemCandidate(row.id, row.kind, row.sort_title, row.title, row.original_title, row.overview)
        for row in rows
        if row.deleted_at is None
        and row.kind in wanted
        and (library_ids is None or row.library_id in library_ids)
    ]


class SearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    async def items(
        self,
        query: str,
        normalized: str,
        kinds: Sequence[ItemKind],
        library_ids: frozenset[int] | None,
        limit: int,
        enough: int,
    ) -> list[ItemCandidate]:
        """Up to `limit` live items of `kinds` in `library_ids` whose words start with the
        query's words (or whose title starts with it); when those are fewer than `enough`,
        up to `limit` more whose title is close to it. Only what ranking reads (`by_ids` loads
        the few that are shown).

        Typo tolerance is for a query that finds too little as typed to fill its answer:
        nearly every title shares a trigram with a query, so matching trigrams costs more than
        the rest of a search together, and words that find enough as typed are spelt as the
        catalogue spells them."""
        as_typed = await self._word_items(query, normalized, limit)
        found = _kept(as_typed, kinds, library_ids)
        if len(found) < enough:
            close = await self._close_items(normalized, limit)
            close += await self._same_start(normalized, limit)
            seen = {row.id for row in as_typed}
            more = {row.id: row for row in close if row.id not in seen}
            found += _kept(more.values(), kinds, library_ids)
        return found

    async def _rows(self, ids: Sequence[int]) -> list[_Found]:
        """The rows of `ids` (what an SQLite text index found), as ranking reads them."""
        if not ids:
            return []
        # Looked up by id alone, the rest checked by `_kept`: told the kinds and `deleted_at IS
        # NULL` too, SQLite reads a kind's whole listing index instead.
        rows = await self.session.execute(select(*_COLUMNS).where(Item.id.in_(ids)))
        return list(rows.all())

    async def by_ids(self, ids: Sequence[int]) -> dict[int, Item]:
        rows = await self.session.scalars(select(Item).where(Item.id.in_(ids)))
        return {item.id: item for item in rows}

    async def people(
        self, normalized: str, library_ids: frozenset[int] | None, limit: int
    ) -> list[Person]:
        """People whose name is close to the query (and who appear in the given libraries)."""
        condition: ColumnElement[bool]
        if self._sqlite:
            grams = trigrams(normalized)
            if not grams:
                return []
            match = " OR ".join(_fts_quote(g) for g in grams)
            condition = Person.id.in_(await self._fts("search_people_trigrams", match, limit))
        else:
            condition = or_(
                Person.sort_name.op("%")(normalized), Person.sort_name.startswith(normalized)
            )
        statement = select(Person).where(condition)
        if library_ids is not None:
            statement = statement.where(
                exists().where(
                    Credit.person_id == Person.id,
                    Credit.item_id == Item.id,
                    Item.deleted_at.is_(None),
                    Item.library_id.in_(sorted(library_ids)),
                )
            )
        if not self._sqlite:
            similarity = func.similarity(Person.sort_name, normalized)
            statement = statement.order_by(similarity.desc(), Person.id).limit(limit)
        return list((await self.session.scalars(statement)).all())

    async def _word_items(self, query: str, normalized: str, limit: int) -> list[_Found]:
        tokens = words(query)
        if self._sqlite:
            if not tokens:
                return []
            match = " ".join(_fts_quote(t) + "*" for t in tokens)
            return await self._rows(await self._fts("search_items_words", match, limit))
        condition = _title_starts_with(normalized)
        if tokens:
            tsquery = func.to_tsquery("simple", " & ".join(f"{t}:*" for t in tokens))
            condition = or_(condition, _WORDS_VECTOR.op("@@")(tsquery))
        return await self._by_similarity(condition, normalized, limit)

    async def _close_items(self, normalized: str, limit: int) -> list[_Found]:
        """Titles that share enough trigrams with the query."""
        if self._sqlite:
            grams = trigrams(normalized)
            if not grams:
                return []
            match = " OR ".join(_fts_quote(g) for g in grams)
            return await self._rows(await self._fts("search_items_trigrams", match, limit))
        await self.session.execute(
            text(f"SET LOCAL pg_trgm.similarity_threshold = {TRIGRAM_THRESHOLD}")
        )
        return await self._by_similarity(Item.sort_title.op("%")(normalized), normalized, limit)

    async def _by_similarity(
        self, condition: ColumnElement[bool], normalized: str, limit: int
    ) -> list[_Found]:
        # The rows themselves, not their ids to look up again: PostgreSQL reads each to compute
        # its similarity anyway, and a second statement of up to `limit` ids cost more than
        # this one (rendered anew for each count of ids, and prepared anew by asyncpg).
        rows = await self.session.execute(
            select(*_COLUMNS)
            .where(condition)
            .order_by(func.similarity(Item.sort_title, normalized).desc(), Item.id)
            .limit(limit)
        )
        return list(rows.all())

    async def _same_start(self, normalized: str, limit: int) -> list[_Found]:
        """Titles that start like the query: trigrams miss typos in words of 4-6 letters."""
        start = normalized[:PREFIX_LENGTH]
        if len(start) < PREFIX_LENGTH or start[-1] == chr(sys.maxunicode):
            return []
        upper = prefix_end(start)
        rows = await self.session.execute(
            select(*_COLUMNS)
            .where(Item.sort_title >= start, Item.sort_title < upper)
            .order_by(Item.sort_title, Item.id)
            .limit(limit)
        )
        return list(rows.all())

    async def _fts(self, table: str, match: str, limit: int) -> list[int]:
        rows = await self.session.execute(
            text(
                f"SELECT rowid FROM {table} WHERE {table} MATCH :match "
                f"ORDER BY bm25({table}) LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        )
        return [int(row[0]) for row in rows]
