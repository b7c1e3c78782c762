"""SQL about items of every kind and what hangs off them: genres, studios, ratings, translations,
images and files (house rule 3). Content modules subclass `ItemRepository` for their kinds."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.selectable import Exists, ScalarSelect

from reelhouse.content.catalogue.artwork import LOCAL_PROVIDER
from reelhouse.content.catalogue.invalidation import ItemRef
from reelhouse.content.catalogue.listing import (
    Cursor,
    ItemFilter,
    Page,
    PageRequest,
    SortField,
    SortValue,
    cursor_value,
    parse_cursor_value,
)
from reelhouse.content.catalogue.models import (
    Credit,
    Genre,
    Image,
    Item,
    ItemGenre,
    ItemStudio,
    ItemTag,
    ItemTranslation,
    ItemVideo,
    MediaFileItem,
    Provider,
    Rating,
    Studio,
    StudioKind,
    Tag,
)
from reelhouse.content.catalogue.videos import VideoInput
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.db.repository import (
    constraint_errors,
    replace_owned,
    upsert,
)
from reelhouse.infra.db.types import utcnow
from reelhouse.kinds import ItemKind
from reelhouse.libraries.models import FileState, MediaFile
from reelhouse.playback.models import MediaProbe
from reelhouse.watch.models import WatchState

ItemT = TypeVar("ItemT", bound=Item)
LiveT = TypeVar("LiveT", bound=Item)


@dataclass(frozen=True, slots=True)
class RatingValue:
    value: float
    votes: int | None = None
    max_value: float = 10.0


SORT_COLUMNS = {
    SortField.TITLE: "sort_title",
    SortField.YEAR: "year",
    SortField.ADDED: "added_at",
    SortField.RELEASE: "release_date",
    SortField.RATING: "community_rating",
    SortField.RUNTIME: "runtime_minutes",
}


_PARENT_KINDS = (ItemKind.SERIES, ItemKind.SEASON)
#: Sorts by the viewer's state of the item.
VIEWER_SORT_COLUMNS = {
    SortField.LAST_PLAYED: WatchState.last_played_at,
    SortField.PLAY_COUNT: WatchState.play_count,
}
#: Sorts by what probes found in the item's present main files: no column holds them, so they
#: are computed per item (a correlated subquery; no index serves them).
PROBE_SORTS = {SortField.RESOLUTION: MediaProbe.width, SortField.CHANNELS: MediaProbe.channels}

SortKey = InstrumentedAttribute[Any] | ScalarSelect[Any]
#: The columns of an item that invalidation needs, in `ItemRef`'s order.
REF_COLUMNS = (Item.id, Item.library_id, Item.parent_id, Item.series_id, Item.collection_id)


def _nullable(column: SortKey) -> bool:
    """Whether rows may lack a value of `column` (asking for those of a title, which every row
    has, would read every row of the kind: SQLite uses no index for `IS NULL` on it)."""
    if not isinstance(column, InstrumentedAttribute):
        return True
    return bool(column.property.columns[0].nullable)


def _indexed(column: SortKey) -> InstrumentedAttribute[Any] | None:
    """What the rows without a sort value are ordered by before their id: the column itself
    when it is one (NULL in every such row, so the order is still the id's), since its listing
    index (kind, column, id) then hands them over in order, as a range. Ordered by the id
    alone, PostgreSQL can only walk the primary key checking every row of every kind and
    library, or read every row of the kind without a value and sort them (what it planned on a
    catalogue just written: 95,000 movies without a release date, 200 ms a page); SQLite plans
    the same either way."""
    return column if isinstance(column, InstrumentedAttribute) else None


def _best_of_files(probed: InstrumentedAttribute[Any], model: type[Item]) -> ScalarSelect[Any]:
    """The highest value of `probed` among the present, probed main files of each item."""
    return (
        select(func.max(probed))
        .select_from(MediaFileItem)
        .join(MediaFile, MediaFile.id == MediaFileItem.media_file_id)
        .join(MediaProbe, MediaProbe.media_file_id == MediaFile.id)
        .where(
            MediaFileItem.item_id == model.id,
            MediaFileItem.extra_type.is_(None),
            MediaFile.state == FileState.PRESENT,
        )
        .scalar_subquery()
    )


def present_main_file(item_id: Any, *also: ColumnElement[bool]) -> Exists:
    """Whether the item has a present main file (no extra), that `also` holds of: a deleted
    file leaves what it fed."""
    return exists().where(
        MediaFileItem.item_id == item_id,
        MediaFileItem.extra_type.is_(None),
        MediaFile.id == MediaFileItem.media_file_id,
        MediaFile.state == FileState.PRESENT,
        *also,
    )


def _conditions(filters: ItemFilter) -> list[ColumnElement[bool]]:
    """SQL conditions for a listing filter; each unset field adds none."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kinds is not None:
        conditions.append(Item.kind.in_(sorted(filters.kinds)))
    if filters.years is not None:
        conditions.append(Item.year.in_(sorted(filters.years)))
    if filters.year_min is not None:
        conditions.append(Item.year >= filters.year_min)
    if filters.year_max is not None:
        conditions.append(Item.year <= filters.year_max)
    if filters.rating_min is not None:
        conditions.append(Item.community_rating >= filters.rating_min)
    if filters.rating_max is not None:
        conditions.append(Item.community_rating <= filters.rating_max)
    if filters.added_since is not None:
        conditions.append(Item.added_at >= filters.added_since)
    if filters.genres is not None:
        names = sorted({name.lower() for name in filters.genres})
        conditions.append(
            exists()
            .where(ItemGenre.item_id == Item.id, ItemGenre.genre_id == Genre.id)
            .where(func.lower(Genre.name).in_(names))
        )
    if filters.title_prefix is not None:
        conditions.append(Item.sort_title.startswith(filters.title_prefix, autoescape=True))
    if filters.title_from is not None:
        conditions.append(Item.sort_title >= filters.title_from)
    if filters.title_before is not None:
        conditions.append(Item.sort_title < filters.title_before)
    if filters.collection_ids is not None:
        conditions.append(Item.collection_id.in_(sorted(filters.collection_ids)))
    if filters.person_ids is not None:
        people = sorted(filters.person_ids)
        conditions.append(exists().where(Credit.item_id == Item.id, Credit.person_id.in_(people)))
    if filters.has_file is not None:
        present = present_main_file(Item.id)
        conditions.append(present if filters.has_file else ~present)
    conditions += _probe_conditions(filters)
    conditions += _viewer_conditions(filters)
    if filters.matched is not None:
        matched = or_(
            Item.tmdb_id.is_not(None), Item.tvdb_id.is_not(None), Item.imdb_id.is_not(None)
        )
        conditions.append(matched if filters.matched else ~matched)
    return conditions


def _probe_conditions(filters: ItemFilter) -> list[ColumnElement[bool]]:
    """The listing filters on what probes found: one present main file of the item matches
    them all (a 4K HDR version, not a 4K one and another with HDR)."""
    wanted: list[ColumnElement[bool]] = []
    if filters.resolution is not None:
        wanted.append(MediaProbe.resolution == filters.resolution)
    if filters.hdr is not None:
        wanted.append(MediaProbe.hdr.is_not(None) if filters.hdr else MediaProbe.hdr.is_(None))
    if filters.min_channels is not None:
        wanted.append(MediaProbe.channels >= filters.min_channels)
    if not wanted:
        return []
    return [
        present_main_file(
            Item.id,
            MediaProbe.media_file_id == MediaFile.id,
            MediaProbe.error.is_(None),
            *wanted,
        )
    ]


def _viewer_state(viewer_id: int, item_id: Any, *conditions: ColumnElement[bool]) -> Any:
    return exists().where(
        WatchState.user_id == viewer_id, WatchState.item_id == item_id, *conditions
    )


def _viewer_conditions(filters: ItemFilter) -> list[ColumnElement[bool]]:
    """The listing filters on the viewer's own watch state. A season is played when all of its
    episodes are, a series when all of its regular ones are (specials count in their season)."""
    if not filters.by_viewer:
        return []
    viewer = filters.viewer_id
    if viewer is None:
        raise InvalidInputError("filters on watch state need a viewer")
    conditions: list[ColumnElement[bool]] = []
    if filters.played is not None:
        episode = aliased(Item)
        of_item = or_(
            episode.parent_id == Item.id,
            and_(
                episode.series_id == Item.id,
                or_(episode.parent_index_number.is_(None), episode.parent_index_number != 0),
            ),
        )
        episodes = exists().where(
            of_item, episode.kind == ItemKind.EPISODE, episode.deleted_at.is_(None)
        )
        unplayed = episodes.where(~_viewer_state(viewer, episode.id, WatchState.played.is_(True)))
        played = or_(
            and_(Item.kind.in_(_PARENT_KINDS), episodes, ~unplayed),
            and_(
                Item.kind.not_in(_PARENT_KINDS),
                _viewer_state(viewer, Item.id, WatchState.played.is_(True)),
            ),
        )
        conditions.append(played if filters.played else ~played)
    if filters.in_progress is not None:
        progress = _viewer_state(viewer, Item.id, WatchState.position_ms.is_not(None))
        conditions.append(progress if filters.in_progress else ~progress)
    if filters.favourite is not None:
        favourite = _viewer_state(viewer, Item.id, WatchState.favourite.is_(True))
        conditions.append(favourite if filters.favourite else ~favourite)
    return conditions


class ItemRepository(Generic[ItemT]):
    """Reads and writes of one item class; subclasses set `model`."""

    model: ClassVar[type[Item]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _label(self) -> str:
        return self.model.__name__.lower()

    async def add(self, item: ItemT) -> ItemT:
        self.session.add(item)
        with constraint_errors(self._label):
            await self.session.flush()
        return item

    async def save(self) -> None:
        """Flush pending changes to loaded items, with constraint failures as domain errors."""
        with constraint_errors(self._label):
            await self.session.flush()

    async def get(
        self, item_id: int, *, include_deleted: bool = False, for_update: bool = False
    ) -> ItemT:
        """The item; `for_update` locks its row until the transaction ends (PostgreSQL: a
        second writer waits and then reads what the first stored; SQLite's transactions hold
        the write lock from their start already)."""
        query = select(self.model).where(self.model.id == item_id)
        if not include_deleted:
            query = query.where(self.model.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        item = await self.session.scalar(query)
        if item is None:
            raise NotFoundError(f"{self._label} {item_id} does not exist")
        return item  # type: ignore[return-value]

    async def hold(self, item: Item) -> None:
        """Lock a loaded item's row until the transaction ends and read its locked fields
        again, so that a write honours an edit made since the item was read. PostgreSQL only:
        SQLite's transactions hold the write lock from their start, so nothing came between."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.refresh(item, ["locked_fields"], with_for_update=True)

    async def live(
        self, model: type[LiveT], where: ColumnElement[bool], *order_by: Any
    ) -> Sequence[LiveT]:
        """The live items of `model` that `where` selects (a series' seasons, say), in order."""
        query = select(model).where(where, model.deleted_at.is_(None)).order_by(*order_by)
        return (await self.session.scalars(query)).all()

    async def find_by_provider_id(self, provider: Provider, value: int | str) -> ItemT | None:
        column = getattr(self.model, f"{provider.value}_id")
        item = await self.session.scalar(
            select(self.model).where(column == value, self.model.deleted_at.is_(None))
        )
        return item  # type: ignore[return-value]

    async def list_page(self, filters: ItemFilter, page: PageRequest) -> Page[ItemT]:
        """One page of live items in keyset order; rows without a sort value come last."""
        column = self._sort_column(page.sort, filters.viewer_id)
        base = select(self.model).where(self.model.deleted_at.is_(None), *_conditions(filters))
        scope = self.in_libraries(filters.library_ids)
        if scope is not None:
            base = base.where(scope)
        rows: list[Item] = []
        after = page.after
        skip = page.offset
        if after is None or after.value is not None:
            # Rows that have a sort value, from the cursor on.
            query = base.where(column.is_not(None))
            if after is not None:
                key = (parse_cursor_value(page.sort, after.value), after.id)
                row_key = tuple_(column, self.model.id)
                query = query.where(row_key < key if page.descending else row_key > key)
            rows += await self._fetch(query, column, page.descending, page.limit + 1, skip)
            if skip and not rows and _nullable(column):
                # The offset is past them: it goes on into the rows without a value.
                counted = select(func.count()).select_from(query.subquery())
                skip = max(0, skip - int(await self.session.scalar(counted) or 0))
            else:
                skip = 0
        if len(rows) <= page.limit and _nullable(column):
            # Then the rows without one, in id order.
            query = base.where(column.is_(None))
            if after is not None and after.value is None:
                query = query.where(
                    self.model.id < after.id if page.descending else self.model.id > after.id
                )
            rows += await self._fetch(
                query, _indexed(column), page.descending, page.limit + 1 - len(rows), skip
            )
        total = None
        if page.include_total:
            total = int(
                await self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
            )
        items = rows[: page.limit]
        next_cursor = None
        if len(rows) > page.limit:
            last = items[-1]
            next_cursor = Cursor(
                page.sort, page.descending, await self._sort_value(column, last), last.id
            ).encode()
        return Page(items, next_cursor, total)  # type: ignore[arg-type]

    def in_libraries(self, library_ids: frozenset[int] | None) -> ColumnElement[bool] | None:
        """Whether a row is of these libraries (None: of any, no condition); a kind that
        belongs to none (a collection) says how its rows reach them."""
        if library_ids is None:
            return None
        return self.model.library_id.in_(sorted(library_ids))

    def _sort_column(self, sort: SortField, viewer_id: int | None) -> SortKey:
        if sort in PROBE_SORTS:
            return _best_of_files(PROBE_SORTS[sort], self.model)
        if sort in VIEWER_SORT_COLUMNS:
            if viewer_id is None:
                raise InvalidInputError(f"sorting by {sort} needs a viewer", field="sort")
            return (
                select(VIEWER_SORT_COLUMNS[sort])
                .where(WatchState.user_id == viewer_id, WatchState.item_id == self.model.id)
                .scalar_subquery()
            )
        column: InstrumentedAttribute[Any] = getattr(self.model, SORT_COLUMNS[sort])
        return column

    async def _sort_value(self, column: SortKey, item: Item) -> SortValue:
        if isinstance(column, InstrumentedAttribute):
            return cursor_value(getattr(item, column.key))
        return cursor_value(
            await self.session.scalar(select(column).where(self.model.id == item.id))
        )

    async def _fetch(
        self,
        query: Select[Any],
        column: SortKey | None,
        descending: bool,
        limit: int,
        offset: int = 0,
    ) -> list[Item]:
        keys = [self.model.id] if column is None else [column, self.model.id]
        order = [key.desc() if descending else key.asc() for key in keys]
        query = query.order_by(*order).limit(limit)
        rows = await self.session.scalars(query.offset(offset) if offset else query)
        return list(rows.all())

    async def soft_delete(self, item_id: int) -> None:
        """Hide an item and its children (seasons, episodes) but keep their history.

        Its provider ids become free at once: live-row unique indexes ignore deleted rows.
        """
        now = utcnow()
        result = await self.session.execute(
            update(Item)
            .where(
                or_(Item.id == item_id, Item.parent_id == item_id, Item.series_id == item_id),
                Item.deleted_at.is_(None),
            )
            .values(deleted_at=now, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFoundError(f"{self._label} {item_id} does not exist")

    async def set_genres(self, item_id: int, names: Iterable[str]) -> None:
        genre_ids = await self._ids_by_name(Genre, names)
        await self.session.execute(
            delete(ItemGenre).where(
                ItemGenre.item_id == item_id, ItemGenre.genre_id.not_in(genre_ids)
            )
        )
        await self._insert_links(ItemGenre, item_id, genre_ids)

    async def set_tags(self, item_id: int, names: Iterable[str]) -> None:
        tag_ids = await self._ids_by_name(Tag, names)
        await self.session.execute(
            delete(ItemTag).where(ItemTag.item_id == item_id, ItemTag.tag_id.not_in(tag_ids))
        )
        await self._insert_links(ItemTag, item_id, tag_ids)

    async def set_studios(self, item_id: int, kind: StudioKind, names: Iterable[str]) -> None:
        studio_ids = await self._ids_by_name(Studio, names, kind=kind)
        current_of_kind = select(Studio.id).where(Studio.kind == kind)
        await self.session.execute(
            delete(ItemStudio).where(
                ItemStudio.item_id == item_id,
                ItemStudio.studio_id.in_(current_of_kind),
                ItemStudio.studio_id.not_in(studio_ids),
            )
        )
        await self._insert_links(ItemStudio, item_id, studio_ids)

    async def set_ratings(self, item_id: int, ratings: dict[str, RatingValue]) -> None:
        """Upsert one rating per source; sources not named are left as they are."""
        if not ratings:
            return
        insert = upsert(self.session, Rating.__table__)  # type: ignore[arg-type]
        statement = insert.on_conflict_do_update(
            index_elements=["item_id", "source"],
            set_={c: insert.excluded[c] for c in ("value", "votes", "max_value")},
        )
        rows = [
            {
                "item_id": item_id,
                "source": source,
                "value": rating.value,
                "votes": rating.votes,
                "max_value": rating.max_value,
            }
            for source, rating in ratings.items()
        ]
        with constraint_errors(f"rating of {self._label} {item_id}"):
            await self.session.execute(statement, rows)

    async def set_translation(
        self,
        item_id: int,
        language: str,
        *,
        title: str | None,
        overview: str | None = None,
        tagline: str | None = None,
    ) -> None:
        insert = upsert(self.session, ItemTranslation.__table__)  # type: ignore[arg-type]
        statement = insert.values(
            item_id=item_id, language=language, title=title, overview=overview, tagline=tagline
        ).on_conflict_do_update(
            index_elements=["item_id", "language"],
            set_={c: insert.excluded[c] for c in ("title", "overview", "tagline")},
        )
        with constraint_errors(f"translation of {self._label} {item_id}"):
            await self.session.execute(statement)

    async def set_videos(self, item_id: int, videos: Sequence[VideoInput]) -> None:
        """Make the item's videos these, in this order."""
        await replace_owned(
            self.session,
            ItemVideo.__table__,  # type: ignore[arg-type]
            ("item_id", item_id),
            ("site", "key"),
            [asdict(video) for video in videos],
            f"videos of {self._label} {item_id}",
        )

    async def videos(self, item_id: int) -> Sequence[ItemVideo]:
        return (
            await self.session.scalars(
                select(ItemVideo)
                .where(ItemVideo.item_id == item_id)
                .order_by(ItemVideo.sort_order, ItemVideo.site, ItemVideo.key)
                # Rows written by an upsert in this session: read, not the ones loaded before.
                .execution_options(populate_existing=True)
            )
        ).all()

    async def translations(self, item_id: int) -> Sequence[ItemTranslation]:
        return (
            await self.session.scalars(
                select(ItemTranslation)
                .where(ItemTranslation.item_id == item_id)
                .order_by(ItemTranslation.language)
            )
        ).all()

    async def add_image(self, image: Image) -> Image:
        self.session.add(image)
        with constraint_errors("image"):
            await self.session.flush()
        return image

    async def images(self, item_id: int) -> Sequence[Image]:
        """The item's images by kind, a local one of a kind first: selected, it is selected
        only when it wins over the provider's selected one (`ArtworkRepository.select_local`),
        and readers serve the first selected image of a kind."""
        local_first = Image.provider != LOCAL_PROVIDER
        return (
            await self.session.scalars(
                select(Image)
                .where(Image.item_id == item_id)
                .order_by(Image.kind, local_first, Image.id)
            )
        ).all()

    async def genres(self, item_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(Genre.name)
            .join(ItemGenre, ItemGenre.genre_id == Genre.id)
            .where(ItemGenre.item_id == item_id)
            .order_by(Genre.name)
        )
        return list(rows)

    async def tags(self, item_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(Tag.name)
            .join(ItemTag, ItemTag.tag_id == Tag.id)
            .where(ItemTag.item_id == item_id)
            .order_by(Tag.name)
        )
        return list(rows)

    async def studios(self, item_id: int) -> list[Studio]:
        rows = await self.session.scalars(
            select(Studio)
            .join(ItemStudio, ItemStudio.studio_id == Studio.id)
            .where(ItemStudio.item_id == item_id)
            .order_by(Studio.kind, Studio.name)
        )
        return list(rows)

    async def ratings(self, item_id: int) -> Sequence[Rating]:
        return (
            await self.session.scalars(
                select(Rating).where(Rating.item_id == item_id).order_by(Rating.source)
            )
        ).all()

    async def files(self, item_id: int) -> list[tuple[MediaFile, MediaFileItem]]:
        """The item's files with how each belongs to it (part, extra), main files first."""
        rows = await self.session.execute(
            select(MediaFile, MediaFileItem)
            .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
            .where(MediaFileItem.item_id == item_id)
            .order_by(
                MediaFileItem.extra_type.is_not(None),
                MediaFileItem.extra_type,
                MediaFileItem.part,
                MediaFile.path,
            )
        )
        return [(media_file, link) for media_file, link in rows]

    async def _ids_by_name(
        self, model: type[Genre] | type[Studio] | type[Tag], names: Iterable[str], **fixed: object
    ) -> list[int]:
        """Ids of the named rows, inserting those that do not exist yet."""
        wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
        if not wanted:
            return []
        insert = upsert(self.session, model.__table__)  # type: ignore[arg-type]
        conflict_columns = ["kind", "name"] if fixed else ["name"]
        await self.session.execute(
            insert.on_conflict_do_nothing(index_elements=conflict_columns),
            [{"name": name, **fixed} for name in wanted],
        )
        query = select(model.id, model.name).where(model.name.in_(wanted))
        for column, value in fixed.items():
            query = query.where(getattr(model, column) == value)
        by_name = {name: row_id for row_id, name in await self.session.execute(query)}
        return [by_name[name] for name in wanted]

    async def _insert_links(
        self,
        link: type[ItemGenre] | type[ItemStudio] | type[ItemTag],
        item_id: int,
        target_ids: list[int],
    ) -> None:
        if not target_ids:
            return
        target = _LINK_TARGETS[link]
        insert = upsert(self.session, link.__table__)  # type: ignore[arg-type]
        await self.session.execute(
            insert.on_conflict_do_nothing(),
            [{"item_id": item_id, target: target_id} for target_id in target_ids],
        )


#: The column of each link table that names what an item is linked to.
_LINK_TARGETS: dict[type[Any], str] = {
    ItemGenre: "genre_id",
    ItemStudio: "studio_id",
    ItemTag: "tag_id",
}


class AnyItemRepository(ItemRepository[Item]):
    """Items of every kind, for code that works on any of them (a refresh by id)."""

    model = Item

    async def member_libraries(self, item_id: int) -> list[int]:
        """The libraries of the live items grouped under this one (a collection's movies)."""
        rows = await self.session.scalars(
            select(Item.library_id)
            .where(
                Item.collection_id == item_id,
                Item.deleted_at.is_(None),
                Item.library_id.is_not(None),
            )
            .distinct()
            .order_by(Item.library_id)
        )
        return [row for row in rows if row is not None]

    async def refs_of_library(self, library_id: int) -> list[ItemRef]:
        """What invalidation needs of every item of a library, read before the library goes."""
        rows = await self.session.execute(select(*REF_COLUMNS).where(Item.library_id == library_id))
        return [ItemRef(*row) for row in rows]

    async def stale(
        self,
        *,
        kinds: Collection[ItemKind],
        new_since: date,
        new_before: datetime,
        continuing: Collection[str],
        continuing_before: datetime,
        before: datetime,
        limit: int,
    ) -> list[int]:
        """Matched items of `kinds` (movies and series) whose metadata is older than their kind
        of item allows: new releases soonest, running series next, everything else last; oldest
        first."""
        refreshed = Item.metadata_refreshed_at
        rows = await self.session.scalars(
            select(Item.id)
            .where(
                Item.kind.in_(sorted(kinds)),
                Item.deleted_at.is_(None),
                refreshed.is_not(None),
                or_(
                    and_(Item.release_date >= new_since, refreshed < new_before),
                    and_(
                        Item.kind == ItemKind.SERIES,
                        Item.status.in_(sorted(continuing)),
                        refreshed < continuing_before,
                    ),
                    refreshed < before,
                ),
            )
            .order_by(refreshed, Item.id)
            .limit(limit)
        )
        return list(rows)
