"""Movies in the metadata pipeline: one unit is one movie (its versions and parts), matched and
fetched in one provider request, stored with its collection, files and extras."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.movies.models import Collection
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.content.shared.enrichment import (
    Fetched,
    Stored,
    by_ids_or_title,
    find_nfo,
    nfo_candidates,
    read_local,
)
from reelhouse.content.shared.invalidation import ItemRef
from reelhouse.content.shared.matching.score import MatchQuery
from reelhouse.content.shared.metadata.enrich import Enricher
from reelhouse.content.shared.metadata.models import CollectionRef, ContentKind, MovieRecord
from reelhouse.content.shared.store import RecordWriter, find_by_ids, target_item
from reelhouse.content.shared.units import Unit
from reelhouse.infra.logging import get_logger
from reelhouse.providers.nfo import NfoReader

log = get_logger(__name__)
#: The length of `items.edition`.
EDITION_MAX = 100


class MovieEnrichment:
    kind = ContentKind.MOVIE

    def __init__(self, enricher: Enricher, nfo: NfoReader) -> None:
        self.enricher = enricher
        self.nfo = nfo

    async def fetch(self, unit: Unit, *, refresh: bool = False) -> Fetched:
        first = unit.files[0].path if unit.files else None
        local = await read_local(
            self.nfo.movie, await find_nfo(nfo_candidates(unit.folder, first, "movie.nfo"))
        )
        query = MatchQuery(unit.title, ContentKind.MOVIE, unit.year)
        result = await by_ids_or_title(
            lambda ids: self.enricher.movie(query, ids=ids, nfo=local, refresh=refresh), unit.ids
        )
        return Fetched(result, local)

    async def store(
        self,
        session: AsyncSession,
        library_id: int,
        unit: Unit,
        fetched: Fetched,
        *,
        item_id: int | None = None,
    ) -> Stored:
        movies = MovieRepository(session)
        record = fetched.record
        movie = await target_item(
            movies,
            record,
            item_id=item_id,
            library_id=library_id,
            folder=unit.folder,
            title=unit.title,
            year=unit.year,
        )
        edition = next((f.identity.get("edition") for f in unit.files), None)
        if isinstance(edition, str) and movie.edition is None:
            if len(edition) <= EDITION_MAX:
                movie.edition = edition
            else:  # a label, never cut short: left out and said so
                log.warning("edition too long to keep", movie=movie.title, edition=edition)
        stored = Stored(fetched.outcome)
        if record is not None:
            async with RecordWriter(session) as writer:
                await writer.write(movies, movie, record)
            stored.people = writer.credited
            if isinstance(record, MovieRecord) and record.collection is not None:
                collection = await _collection(session, record.collection)
                if collection is not None and movie.collection_id != collection.id:
                    movie.collection_id = collection.id
                    await movies.save()
                    stored.items.append(ItemRef.of(collection))
        for file in unit.files:
            await movies.link_file(movie.id, file.id, part=file.number("part"))
        for extra in unit.extras:
            kind = extra.identity.get("extra_type")
            await movies.link_file(movie.id, extra.id, extra_type=str(kind or "other"))
        stored.items.append(ItemRef.of(movie))
        return stored


async def _collection(session: AsyncSession, ref: CollectionRef) -> Collection | None:
    """The collection (a TMDb "set") by its id, created on first sight."""
    if ref.ids.tmdb is None:
        return None
    collections = CollectionRepository(session)
    found = await find_by_ids(collections, ref.ids)
    if isinstance(found, Collection):
        return found
    return await collections.add(Collection(title=ref.name, tmdb_id=ref.ids.tmdb))
