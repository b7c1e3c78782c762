"""Movies in the metadata pipeline: one unit is one movie (its versions and parts), matched and
fetched in one provider request, stored with its collection."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
from reelhouse.content.metadata.models import (
    CollectionRecord,
    CollectionRef,
    ItemRecord,
    MovieRecord,
)
from reelhouse.content.movies.models import Collection, Movie
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import ItemKind
from reelhouse.providers.nfo import NfoReader

log = get_logger(__name__)
#: The length of `items.edition`.
EDITION_MAX = 100


@dataclass(frozen=True)
class MovieFetched(Fetched):
    """A movie's answer, with the provider's record of its collection when it is in one."""

    collection: CollectionRecord | None = None


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
        fetched = MovieFetched(result, local, watch=watch)
        record = fetched.record
        if isinstance(record, MovieRecord) and record.collection is not None:
            tmdb_id = record.collection.ids.tmdb
            if tmdb_id is not None:
                found = await self.enricher.collection(tmdb_id, refresh=refresh)
                return replace(fetched, collection=found)
        return fetched

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
                if isinstance(record, MovieRecord) and record.collection is not None:
                    details = fetched.collection if isinstance(fetched, MovieFetched) else None
                    collection = await _collection(session, record.collection)
                    if details is not None:
                        await _write_collection(session, writer, collection, details)
                    if movie.collection_id != collection.id:
                        if movie.collection_id is not None:  # it left the one it was in
                            stored.items.append(ItemRef(movie.collection_id, None))
                        movie.collection_id = collection.id
                        await movies.save()
                    stored.items.append(ItemRef.of(collection))
            stored.people = writer.credited
        stored.links = [FileLink(movie.id, file.id, file.identity.part) for file in unit.files]
        stored.watch = [ItemWatch(movie.id, found.watch) for found in fetched.watch]
        stored.items.append(ItemRef.of(movie))
        return stored


async def _collection(session: AsyncSession, ref: CollectionRef) -> Collection:
    """The collection (a TMDb "set") by its id, or for an NFO's `<set>` without one by its
    name; created on first sight. An NFO's overview of it fills one it has none of."""
    collections = CollectionRepository(session)
    if ref.ids.tmdb is None:
        found = await collections.named(ref.name)
    else:
        found = await find_by_ids(collections, ref.ids)
    if isinstance(found, Collection):
        if ref.overview and not found.overview:
            found.overview = ref.overview
            await collections.save()
        return found
    return await collections.add(
        Collection(title=ref.name, tmdb_id=ref.ids.tmdb, overview=ref.overview)
    )


async def _write_collection(
    session: AsyncSession, writer: RecordWriter, collection: Collection, details: CollectionRecord
) -> None:
    """The provider's name, overview, artwork and list of movies onto the collection."""
    collections = CollectionRepository(session)
    as_item = ItemRecord(
        ids=details.ids,
        title=details.name,
        overview=details.overview,
        artwork=details.artwork,
        sources=("tmdb",),
    )
    await writer.write(collections, collection, as_item)
    await collections.set_parts(collection.id, details.parts)
