"""Movies in the metadata pipeline: one unit is one movie (its versions and parts), matched and
fetched in one provider request, stored with its collection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.invalidation import ItemRef
from reelhouse.content.catalogue.records import RecordWriter, find_by_ids
from reelhouse.content.enrichment import (
    Fetched,
    FileLink,
    FileWatch,
    ItemWatch,
    Stored,
    Unit,
    by_ids_or_title,
)
from reelhouse.content.matching.score import MatchQuery
from reelhouse.content.metadata.enrich import Enricher
from reelhouse.content.metadata.local import find_nfo, nfo_candidates, read_local
from reelhouse.content.metadata.models import CollectionRef, MovieRecord
from reelhouse.content.movies.models import Collection, Movie
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import ItemKind
from reelhouse.providers.nfo import NfoReader

log = get_logger(__name__)
#: The length of `items.edition`.
EDITION_MAX = 100


class MovieEnrichment:
    def __init__(self, enricher: Enricher, nfo: NfoReader) -> None:
        self.enricher = enricher
        self.nfo = nfo

    async def fetch(self, unit: Unit, *, refresh: bool = False) -> Fetched:
        first = unit.files[0].path if unit.files else None
        contents = await read_local(
            self.nfo.movie_contents,
            await find_nfo(nfo_candidates(unit.folder, first, "movie.nfo")),
        )
        local = contents.record if contents else None
        # A movie NFO is of the movie, whichever of its files it is beside.
        watch = tuple(FileWatch(None, w) for w in contents.watch[:1]) if contents else ()
        query = MatchQuery(unit.title, ItemKind.MOVIE, unit.year, unit.alternate_titles)
        result = await by_ids_or_title(
            lambda ids: self.enricher.movie(query, ids=ids, nfo=local, refresh=refresh), unit.ids
        )
        return Fetched(result, local, watch=watch)

    async def store(
        self, session: AsyncSession, movie: Movie, unit: Unit, fetched: Fetched
    ) -> Stored:
        movies = MovieRepository(session)
        record = fetched.record
        edition = unit.files[0].identity.edition if unit.files else None
        if edition is not None and movie.edition is None:
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
        stored.links = [FileLink(movie.id, file.id, file.identity.part) for file in unit.files]
        stored.watch = [ItemWatch(movie.id, found.watch) for found in fetched.watch]
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
