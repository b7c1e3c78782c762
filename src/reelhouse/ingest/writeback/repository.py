"""What write-back reads of the catalogue (items with their genres, studios, tags, ratings, cast
and crew, collection and chosen images, many at once) and what it records of the files it
wrote."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.artwork import LOCAL_PROVIDER
from reelhouse.content.catalogue.models import (
    Credit,
    CreditRole,
    Genre,
    Image,
    ImageKind,
    Item,
    ItemGenre,
    ItemStudio,
    ItemTag,
    Person,
    Rating,
    Studio,
    Tag,
)
from reelhouse.infra.db.repository import BULK_CHUNK, chunked, upsert
from reelhouse.infra.db.types import utcnow
from reelhouse.ingest.writeback.files import Recorded, Written
from reelhouse.ingest.writeback.models import WrittenFile
from reelhouse.kinds import ItemKind


@dataclass(frozen=True, slots=True)
class CastMember:
    name: str
    character: str
    order: int
    #: Where the person's chosen photo comes from (a URL), if any.
    thumb: str | None


@dataclass(frozen=True, slots=True)
class RatingFact:
    source: str
    value: float
    max_value: float
    votes: int | None


@dataclass(frozen=True, slots=True)
class ChosenImage:
    """The provider image an item shows for a kind, as stored (`path`: in the image store)."""

    kind: ImageKind
    path: str


@dataclass
class ItemFacts:
    """One item as write-back says it."""

    id: int
    kind: ItemKind
    title: str
    original_title: str | None
    sort_title: str
    overview: str | None
    tagline: str | None
    runtime_minutes: int | None
    certification: str | None
    release_date: date | None
    year: int | None
    status: str | None
    index_number: int | None
    parent_index_number: int | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None
    collection_id: int | None
    genres: list[str] = field(default_factory=list)
    studios: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    ratings: list[RatingFact] = field(default_factory=list)
    cast: list[CastMember] = field(default_factory=list)
    #: Crew by job (`Director`, `Screenplay`...).
    crew: list[tuple[str, str]] = field(default_factory=list)
    images: list[ChosenImage] = field(default_factory=list)


class WriteBackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def facts(self, item_ids: Collection[int]) -> dict[int, ItemFacts]:
        """The live items of these ids, with everything write-back writes of them."""
        found: dict[int, ItemFacts] = {}
        for chunk in chunked(sorted(set(item_ids)), BULK_CHUNK):
            for item in await self.session.scalars(
                select(Item).where(Item.id.in_(chunk), Item.deleted_at.is_(None))
            ):
                found[item.id] = _facts(item)
            await self._names(found, chunk)
            await self._ratings(found, chunk)
            await self._credits(found, chunk)
            await self._images(found, chunk)
        return found

    async def collections(
        self, collection_ids: Collection[int]
    ) -> dict[int, tuple[str, str | None]]:
        """The title and overview of each collection."""
        rows = await self.session.execute(
            select(Item.id, Item.title, Item.overview).where(
                Item.id.in_(sorted(collection_ids)), Item.kind == ItemKind.COLLECTION
            )
        )
        return {id: (title, overview) for id, title, overview in rows}

    async def _names(self, found: dict[int, ItemFacts], chunk: Sequence[int]) -> None:
        """Each item's genres, studios and tags, alphabetically."""
        for attribute, link, named, link_column in (
            ("genres", ItemGenre, Genre, ItemGenre.genre_id),
            ("studios", ItemStudio, Studio, ItemStudio.studio_id),
            ("tags", ItemTag, Tag, ItemTag.tag_id),
        ):
            rows = await self.session.execute(
                select(link.item_id, named.name)
                .join(named, named.id == link_column)
                .where(link.item_id.in_(chunk))
                .order_by(link.item_id, named.name)
            )
            for item_id, name in rows:
                if item_id in found:
                    getattr(found[item_id], attribute).append(name)

    async def _ratings(self, found: dict[int, ItemFacts], chunk: Sequence[int]) -> None:
        for rating in await self.session.scalars(
            select(Rating).where(Rating.item_id.in_(chunk)).order_by(Rating.item_id, Rating.source)
        ):
            if rating.item_id in found:
                found[rating.item_id].ratings.append(
                    RatingFact(rating.source, rating.value, rating.max_value, rating.votes)
                )

    async def _credits(self, found: dict[int, ItemFacts], chunk: Sequence[int]) -> None:
        photo = aliased(Image)
        thumb = (
            select(photo.provider_path)
            .where(
                photo.person_id == Credit.person_id,
                photo.kind == ImageKind.PROFILE,
                photo.selected.is_(True),
            )
            .order_by(photo.id)
            .limit(1)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Credit.item_id, Credit.role, Credit.character, Credit.job, Credit.sort_order)
            .add_columns(Person.name, thumb)
            .join(Person, Person.id == Credit.person_id)
            .where(Credit.item_id.in_(chunk))
            .order_by(Credit.item_id, Credit.role, Credit.sort_order, Credit.id)
        )
        for item_id, role, character, job, order, name, photo_url in rows:
            facts = found.get(item_id)
            if facts is None:
                continue
            if role == CreditRole.CAST:
                facts.cast.append(CastMember(name, character, order, photo_url))
            else:
                facts.crew.append((job, name))

    async def _images(self, found: dict[int, ItemFacts], chunk: Sequence[int]) -> None:
        """Per item and kind, the provider's chosen image when it is stored, unless a local
        image (one beside the media) is served for that kind: it is there already. A local
        image reelhouse itself wrote does not count: what it shows is the provider's choice,
        which may have changed since."""
        rows = await self.session.execute(
            select(Image.item_id, Image.kind, Image.provider, Image.provider_path, Image.local_path)
            .where(Image.item_id.in_(chunk), Image.selected.is_(True))
            .order_by(Image.item_id, Image.kind, Image.id)
        )
        chosen: dict[tuple[int, ImageKind], str] = {}
        paths: list[str] = []
        candidates: list[tuple[int, ImageKind, str]] = []
        for item_id, kind, provider, provider_path, stored in rows:
            if item_id is None:
                continue
            if provider == LOCAL_PROVIDER:
                candidates.append((item_id, ImageKind(kind), provider_path))
                paths.append(provider_path)
            elif stored is not None:
                chosen.setdefault((item_id, ImageKind(kind)), stored)
        ours = await self._written(paths)
        local = {(item_id, kind) for item_id, kind, path in candidates if path not in ours}
        for (item_id, kind), stored in chosen.items():
            if (item_id, kind) not in local and item_id in found:
                found[item_id].images.append(ChosenImage(kind, stored))

    async def _written(self, paths: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunked(sorted(set(paths)), BULK_CHUNK):
            found.update(
                await self.session.scalars(
                    select(WrittenFile.path).where(WrittenFile.path.in_(chunk))
                )
            )
        return found

    async def recorded(self, library_id: int, paths: Collection[str]) -> dict[str, Recorded]:
        """What reelhouse recorded writing at these paths of the library."""
        found: dict[str, Recorded] = {}
        for chunk in chunked(sorted(set(paths)), BULK_CHUNK):
            rows = await self.session.execute(
                select(WrittenFile.path, WrittenFile.size, WrittenFile.sha256).where(
                    WrittenFile.library_id == library_id, WrittenFile.path.in_(chunk)
                )
            )
            found.update({path: Recorded(size, sha256) for path, size, sha256 in rows})
        return found

    async def record(self, library_id: int, written: Sequence[Written]) -> None:
        """Each of `written` is reelhouse's file now (replacing what was recorded at its
        path)."""
        insert = upsert(self.session, WrittenFile.__table__)  # type: ignore[arg-type]
        statement = insert.on_conflict_do_update(
            index_elements=["library_id", "path"],
            set_={c: insert.excluded[c] for c in ("size", "sha256", "written_at")},
        )
        now = utcnow()
        for chunk in chunked(written, BULK_CHUNK):
            await self.session.execute(
                statement,
                [
                    {
                        "library_id": library_id,
                        "path": w.path,
                        "size": w.size,
                        "sha256": w.sha256,
                        "written_at": now,
                    }
                    for w in chunk
                ],
            )


def _facts(item: Item) -> ItemFacts:
    return ItemFacts(
        id=item.id,
        kind=ItemKind(item.kind),
        title=item.title,
        original_title=item.original_title,
        sort_title=item.sort_title,
        overview=item.overview,
        tagline=item.tagline,
        runtime_minutes=item.runtime_minutes,
        certification=item.certification,
        release_date=item.release_date,
        year=item.year,
        status=item.status,
        index_number=item.index_number,
        parent_index_number=item.parent_index_number,
        tmdb_id=item.tmdb_id,
        tvdb_id=item.tvdb_id,
        imdb_id=item.imdb_id,
        collection_id=item.collection_id,
    )
