"""SQL shared by every content module: items and what hangs off them (house rule 3)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
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

from reelhouse.content.shared.invalidation import ItemRef
from reelhouse.content.shared.listing import (
    Cursor,
    ItemFilter,
    Page,
    PageRequest,
    SortField,
    cursor_value,
    parse_cursor_value,
)
from reelhouse.content.shared.models import (
    Credit,
    CreditRole,
    Genre,
    Image,
    Item,
    ItemGenre,
    ItemKind,
    ItemStudio,
    ItemTranslation,
    MediaFileItem,
    Person,
    Provider,
    Rating,
    Studio,
    StudioKind,
)
from reelhouse.content.shared.sorting import sort_title
from reelhouse.content.shared.units import UnlinkedFile
from reelhouse.errors import NotFoundError
from reelhouse.infra.db.repository import (
    BULK_CHUNK,
    chunked,
    constraint_errors,
    get_or_raise,
    upsert,
)
from reelhouse.infra.db.types import utcnow
from reelhouse.libraries.models import FileState, MediaFile

ItemT = TypeVar("ItemT", bound=Item)


@dataclass(frozen=True, slots=True)
class RatingValue:
    value: float
    votes: int | None = None
    max_value: float = 10.0


@dataclass(frozen=True, slots=True)
class CreditInput:
    person_id: int
    role: CreditRole
    character: str = ""
    department: str = ""
    job: str = ""
    sort_order: int = 0

    @property
    def identity(self) -> tuple[int, str, str, str]:
        return (self.person_id, self.role.value, self.job, self.character)


SORT_COLUMNS = {
    SortField.TITLE: "sort_title",
    SortField.YEAR: "year",
    SortField.ADDED: "added_at",
    SortField.RELEASE: "release_date",
    SortField.RATING: "community_rating",
    SortField.RUNTIME: "runtime_minutes",
}


def _nullable(column: InstrumentedAttribute[Any]) -> bool:
    """Whether rows may lack a value of `column` (asking for those of a title, which every row
    has, would read every row of the kind: SQLite uses no index for `IS NULL` on it)."""
    return bool(column.property.columns[0].nullable)


def _conditions(filters: ItemFilter) -> list[ColumnElement[bool]]:
    """SQL conditions for a listing filter; each unset field adds none."""
    conditions: list[ColumnElement[bool]] = []
    if filters.library_ids is not None:
        conditions.append(Item.library_id.in_(sorted(filters.library_ids)))
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
    if filters.genre is not None:
        conditions.append(
            exists()
            .where(ItemGenre.item_id == Item.id, ItemGenre.genre_id == Genre.id)
            .where(func.lower(Genre.name) == filters.genre.lower())
        )
    if filters.person_id is not None:
        conditions.append(
            exists().where(Credit.item_id == Item.id, Credit.person_id == filters.person_id)
        )
    if filters.has_file is not None:
        present = exists().where(
            MediaFileItem.item_id == Item.id,
            MediaFileItem.extra_type.is_(None),
            MediaFile.id == MediaFileItem.media_file_id,
            MediaFile.state == FileState.PRESENT,
        )
        conditions.append(present if filters.has_file else ~present)
    if filters.matched is not None:
        matched = or_(
            Item.tmdb_id.is_not(None), Item.tvdb_id.is_not(None), Item.imdb_id.is_not(None)
        )
        conditions.append(matched if filters.matched else ~matched)
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

    async def get(self, item_id: int, *, include_deleted: bool = False) -> ItemT:
        query = select(self.model).where(self.model.id == item_id)
        if not include_deleted:
            query = query.where(self.model.deleted_at.is_(None))
        item = await self.session.scalar(query)
        if item is None:
            raise NotFoundError(f"{self._label} {item_id} does not exist")
        return item  # type: ignore[return-value]

    async def find_by_provider_id(self, provider: Provider, value: int | str) -> ItemT | None:
        column = getattr(self.model, f"{provider.value}_id")
        item = await self.session.scalar(
            select(self.model).where(column == value, self.model.deleted_at.is_(None))
        )
        return item  # type: ignore[return-value]

    async def list_page(self, filters: ItemFilter, page: PageRequest) -> Page[ItemT]:
        """One page of live items in keyset order; rows without a sort value come last."""
        column = self._sort_column(page.sort)
        base = select(self.model).where(self.model.deleted_at.is_(None), *_conditions(filters))
        rows: list[Item] = []
        after = page.after
        if after is None or after.value is not None:
            # Rows that have a sort value, from the cursor on.
            query = base.where(column.is_not(None))
            if after is not None:
                key = (parse_cursor_value(page.sort, after.value), after.id)
                row_key = tuple_(column, self.model.id)
                query = query.where(row_key < key if page.descending else row_key > key)
            rows += await self._fetch(query, column, page.descending, page.limit + 1)
        if len(rows) <= page.limit and _nullable(column):
            # Then the rows without one, in id order.
            query = base.where(column.is_(None))
            if after is not None and after.value is None:
                query = query.where(
                    self.model.id < after.id if page.descending else self.model.id > after.id
                )
            rows += await self._fetch(query, None, page.descending, page.limit + 1 - len(rows))
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
                page.sort, page.descending, cursor_value(getattr(last, column.key)), last.id
            ).encode()
        return Page(items, next_cursor, total)  # type: ignore[arg-type]

    def _sort_column(self, sort: SortField) -> InstrumentedAttribute[Any]:
        column: InstrumentedAttribute[Any] = getattr(self.model, SORT_COLUMNS[sort])
        return column

    async def _fetch(
        self,
        query: Select[Any],
        column: InstrumentedAttribute[Any] | None,
        descending: bool,
        limit: int,
    ) -> list[Item]:
        keys = [self.model.id] if column is None else [column, self.model.id]
        order = [key.desc() if descending else key.asc() for key in keys]
        rows = await self.session.scalars(query.order_by(*order).limit(limit))
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
        return (
            await self.session.scalars(
                select(Image).where(Image.item_id == item_id).order_by(Image.kind, Image.id)
            )
        ).all()

    async def link_file(
        self,
        item_id: int,
        media_file_id: int,
        *,
        extra_type: str | None = None,
        part: int | None = None,
    ) -> None:
        insert = upsert(self.session, MediaFileItem.__table__)  # type: ignore[arg-type]
        statement = insert.values(
            item_id=item_id, media_file_id=media_file_id, extra_type=extra_type, part=part
        ).on_conflict_do_update(
            index_elements=["media_file_id", "item_id"],
            set_={"extra_type": extra_type, "part": part},
        )
        with constraint_errors(f"file link of {self._label} {item_id}"):
            await self.session.execute(statement)

    async def genres(self, item_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(Genre.name)
            .join(ItemGenre, ItemGenre.genre_id == Genre.id)
            .where(ItemGenre.item_id == item_id)
            .order_by(Genre.name)
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

    async def file_ids(self, item_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(MediaFileItem.media_file_id)
            .where(MediaFileItem.item_id == item_id)
            .order_by(MediaFileItem.part, MediaFileItem.media_file_id)
        )
        return list(rows)

    async def _ids_by_name(
        self, model: type[Genre] | type[Studio], names: Iterable[str], **fixed: object
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
        self, link: type[ItemGenre] | type[ItemStudio], item_id: int, target_ids: list[int]
    ) -> None:
        if not target_ids:
            return
        target = "genre_id" if link is ItemGenre else "studio_id"
        insert = upsert(self.session, link.__table__)  # type: ignore[arg-type]
        await self.session.execute(
            insert.on_conflict_do_nothing(),
            [{"item_id": item_id, target: target_id} for target_id in target_ids],
        )


@dataclass(frozen=True, slots=True)
class PersonInput:
    """A person as a provider names them; the first id present is their identity."""

    name: str
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None

    @property
    def identity(self) -> tuple[str, int | str]:
        for column in ("tmdb_id", "tvdb_id", "imdb_id"):
            value = getattr(self, column)
            if value is not None:
                return column, value
        return "name", self.name


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, people: Sequence[PersonInput]) -> dict[tuple[str, int | str], int]:
        """Ids of these people by identity, inserting the new ones and renaming the known ones,
        in one statement per kind of identity. People known only by name are matched by name
        among people without any provider id."""
        wanted = {person.identity: person for person in people}
        found: dict[tuple[str, int | str], int] = {}
        now = utcnow()
        table = Person.__table__
        for column in ("tmdb_id", "tvdb_id", "imdb_id"):
            rows = [
                {
                    column: key[1],
                    "name": p.name,
                    "sort_name": sort_title(p.name),
                    "added_at": now,
                    "updated_at": now,
                }
                for key, p in wanted.items()
                if key[0] == column
            ]
            for chunk in chunked(rows, BULK_CHUNK):
                insert = upsert(self.session, table)  # type: ignore[arg-type]
                statement = insert.on_conflict_do_update(
                    index_elements=[column],
                    set_={"name": insert.excluded.name, "sort_name": insert.excluded.sort_name},
                    where=table.c.name != insert.excluded.name,
                )
                with constraint_errors("people"):
                    await self.session.execute(statement, chunk)
                values = [row[column] for row in chunk]
                ids = await self.session.execute(
                    select(getattr(Person, column), Person.id).where(
                        getattr(Person, column).in_(values)
                    )
                )
                found.update({(column, value): person_id for value, person_id in ids})
        names = [key[1] for key in wanted if key[0] == "name"]
        if names:
            found.update(await self._by_name([str(name) for name in names], now))
        return found

    async def _by_name(self, names: list[str], now: datetime) -> dict[tuple[str, int | str], int]:
        anonymous = (Person.tmdb_id.is_(None), Person.tvdb_id.is_(None), Person.imdb_id.is_(None))
        query = select(Person.name, func.min(Person.id)).where(*anonymous).group_by(Person.name)
        known = {
            name: person_id
            for name, person_id in await self.session.execute(query.where(Person.name.in_(names)))
        }
        for name in names:
            if name not in known:
                person = Person(name=name, added_at=now, updated_at=now)
                self.session.add(person)
                await self.session.flush()
                known[name] = person.id
        return {("name", name): known[name] for name in names}

    async def upsert_by_tmdb_id(self, tmdb_id: int, name: str, **fields: object) -> Person:
        """The person with this TMDb id, created or updated with the given fields."""
        person = await self.session.scalar(select(Person).where(Person.tmdb_id == tmdb_id))
        if person is None:
            person = Person(tmdb_id=tmdb_id, name=name, **fields)
            self.session.add(person)
        else:
            person.name = name
            for field, value in fields.items():
                setattr(person, field, value)
        with constraint_errors(f"person tmdb:{tmdb_id}"):
            await self.session.flush()
        return person

    async def get(self, person_id: int) -> Person:
        return await get_or_raise(self.session, Person, person_id, "person")

    async def images(self, person_id: int) -> Sequence[Image]:
        return (
            await self.session.scalars(
                select(Image).where(Image.person_id == person_id).order_by(Image.kind, Image.id)
            )
        ).all()

    async def set_credits(self, item_id: int, credits: Sequence[CreditInput]) -> None:
        """Make the item's credits exactly `credits`, touching only the rows that differ."""
        await self.set_credits_many({item_id: credits})

    async def set_credits_many(self, credits: Mapping[int, Sequence[CreditInput]]) -> None:
        """`set_credits` for many items in one read and one flush (a series' episodes)."""
        wanted = {
            (item_id, *credit.identity): credit
            for item_id, item_credits in credits.items()
            for credit in item_credits
        }
        for chunk in chunked(sorted(credits), BULK_CHUNK):
            existing = await self.session.scalars(select(Credit).where(Credit.item_id.in_(chunk)))
            for row in existing:
                credit = wanted.pop(
                    (row.item_id, row.person_id, row.role, row.job, row.character), None
                )
                if credit is None:
                    await self.session.delete(row)
                elif (row.department, row.sort_order) != (credit.department, credit.sort_order):
                    row.department, row.sort_order = credit.department, credit.sort_order
        for (item_id, *_), credit in wanted.items():
            self.session.add(
                Credit(
                    item_id=item_id,
                    person_id=credit.person_id,
                    role=credit.role,
                    character=credit.character,
                    department=credit.department,
                    job=credit.job,
                    sort_order=credit.sort_order,
                )
            )
        with constraint_errors(f"credits of items {sorted(credits)[:5]}"):
            await self.session.flush()

    async def credits(self, item_id: int) -> Sequence[Credit]:
        return (
            await self.session.scalars(
                select(Credit)
                .where(Credit.item_id == item_id)
                .order_by(Credit.role, Credit.sort_order, Credit.id)
            )
        ).all()

    async def filmography(
        self, person_id: int, library_ids: frozenset[int] | None
    ) -> list[tuple[Credit, Item]]:
        """The person's credits on live items in the given libraries (None: all), newest first."""
        query = (
            select(Credit, Item)
            .join(Item, Item.id == Credit.item_id)
            .where(Credit.person_id == person_id, Item.deleted_at.is_(None))
            .order_by(Item.release_date.desc(), Item.id, Credit.id)
        )
        if library_ids is not None:
            query = query.where(Item.library_id.in_(sorted(library_ids)))
        return [(credit, item) for credit, item in await self.session.execute(query)]


class GenreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, library_ids: frozenset[int] | None) -> list[tuple[str, int]]:
        """Genres in use by live items of the given libraries, with how many items each has."""
        query = (
            select(Genre.name, func.count(ItemGenre.item_id))
            .join(ItemGenre, ItemGenre.genre_id == Genre.id)
            .join(Item, Item.id == ItemGenre.item_id)
            .where(Item.deleted_at.is_(None))
            .group_by(Genre.name)
            .order_by(Genre.name)
        )
        if library_ids is not None:
            query = query.where(Item.library_id.in_(sorted(library_ids)))
        return [(name, int(count)) for name, count in await self.session.execute(query)]


class LibraryItemsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def refs_of_files(self, file_ids: Sequence[int]) -> list[ItemRef]:
        """The items these media files are linked to."""
        refs: set[ItemRef] = set()
        for chunk in chunked(list(file_ids), BULK_CHUNK):
            rows = await self.session.execute(
                select(Item.id, Item.library_id, Item.parent_id, Item.series_id)
                .join(MediaFileItem, MediaFileItem.item_id == Item.id)
                .where(MediaFileItem.media_file_id.in_(chunk))
            )
            refs.update(ItemRef(*row) for row in rows)
        return sorted(refs, key=lambda ref: ref.id)

    async def refs_of_missing_files(self, library_id: int, cutoff: datetime) -> list[ItemRef]:
        """The items linked to the library's files missing since before `cutoff`."""
        rows = await self.session.execute(
            select(Item.id, Item.library_id, Item.parent_id, Item.series_id)
            .join(MediaFileItem, MediaFileItem.item_id == Item.id)
            .join(MediaFile, MediaFile.id == MediaFileItem.media_file_id)
            .where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.MISSING,
                MediaFile.missing_since < cutoff,
            )
            .distinct()
        )
        return [ItemRef(*row) for row in rows]

    async def refs(self, library_id: int) -> list[ItemRef]:
        """What invalidation needs of every item of a library, read before the library goes."""
        rows = await self.session.execute(
            select(Item.id, Item.library_id, Item.parent_id, Item.series_id).where(
                Item.library_id == library_id
            )
        )
        return [ItemRef(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class LocatedItem:
    """A movie or a series, with the first (by path) of its main files, if it has one."""

    id: int
    kind: ItemKind
    title: str
    year: int | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None
    file_path: str | None


class LocatedItemsRepository:
    """Movies and series with where they lie on disk, for the tools that ask a media server
    for a series' or a movie's folder (Sonarr, Radarr)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, kinds: Collection[ItemKind], years: Collection[int], offset: int, limit: int
    ) -> tuple[list[LocatedItem], int]:
        """One page of the items (by sort title), and how many there are in all."""
        conditions = [Item.kind.in_(sorted(kinds)), Item.deleted_at.is_(None)]
        if years:
            conditions.append(Item.year.in_(sorted(years)))
        owner = aliased(Item)
        first_file = (
            select(func.min(MediaFile.path))
            .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
            .join(owner, owner.id == MediaFileItem.item_id)
            .where(
                or_(owner.id == Item.id, owner.series_id == Item.id),
                MediaFileItem.extra_type.is_(None),
            )
            .correlate(Item)
            .scalar_subquery()
        )
        columns = (Item.id, Item.kind, Item.title, Item.year, Item.tmdb_id, Item.tvdb_id,
                   Item.imdb_id, first_file)  # fmt: skip
        rows = await self.session.execute(
            select(*columns)
            .where(*conditions)
            .order_by(Item.sort_title, Item.id)
            .offset(offset)
            .limit(limit)
        )
        total = await self.session.scalar(select(func.count()).select_from(Item).where(*conditions))
        located = [LocatedItem(i, ItemKind(kind), *rest) for i, kind, *rest in rows]
        return located, int(total or 0)


class MediaLinkRepository:
    """Which media files are in the catalogue yet, for the enrichment that puts them there."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unlinked(self, library_id: int, kinds: Collection[str]) -> list[UnlinkedFile]:
        """Present files of the library that no item links to, of the identity kinds given."""
        linked = exists().where(MediaFileItem.media_file_id == MediaFile.id)
        rows = await self.session.execute(
            select(MediaFile.id, MediaFile.path, MediaFile.identity)
            .where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.PRESENT,
                MediaFile.identity.is_not(None),
                ~linked,
            )
            .order_by(MediaFile.id)
        )
        return [
            UnlinkedFile(file_id, path, identity)
            for file_id, path, identity in rows
            if identity.get("kind") in kinds
        ]

    async def unlink(self, file_ids: Sequence[int]) -> None:
        """These files belong to no item any more (until enrichment links them again)."""
        for chunk in chunked(list(file_ids), BULK_CHUNK):
            await self.session.execute(
                delete(MediaFileItem).where(MediaFileItem.media_file_id.in_(chunk))
            )

    async def item_in_folder(self, library_id: int, folder: str) -> int | None:
        """The item whose main files lie below `folder` (for an episode, its series)."""
        row = (
            await self.session.execute(
                select(Item.id, Item.series_id)
                .join(MediaFileItem, MediaFileItem.item_id == Item.id)
                .join(MediaFile, MediaFile.id == MediaFileItem.media_file_id)
                .where(
                    MediaFile.library_id == library_id,
                    MediaFile.path.startswith(folder.rstrip("/") + "/", autoescape=True),
                    MediaFileItem.extra_type.is_(None),
                    Item.deleted_at.is_(None),
                )
                .order_by(MediaFile.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        item_id, series_id = row
        return int(series_id or item_id)


class AnyItemRepository(ItemRepository[Item]):
    """Items of every kind, for code that works on any of them (a refresh by id)."""

    model = Item

    async def main_files(self, item_id: int) -> list[UnlinkedFile]:
        """The item's own media files, and for a series its episodes' files (extras left out)."""
        rows = await self.session.execute(
            select(MediaFile.id, MediaFile.path, MediaFile.identity)
            .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
            .join(Item, Item.id == MediaFileItem.item_id)
            .where(
                or_(Item.id == item_id, Item.series_id == item_id),
                MediaFileItem.extra_type.is_(None),
            )
            .order_by(MediaFile.id)
        )
        return [UnlinkedFile(i, path, identity or {}) for i, path, identity in rows]

    async def stale(
        self,
        *,
        new_since: date,
        new_before: datetime,
        continuing: Collection[str],
        continuing_before: datetime,
        before: datetime,
        limit: int,
    ) -> list[int]:
        """Matched movies and series whose metadata is older than their kind of item allows:
        new releases soonest, running series next, everything else last; oldest first."""
        refreshed = Item.metadata_refreshed_at
        rows = await self.session.scalars(
            select(Item.id)
            .where(
                Item.kind.in_([ItemKind.MOVIE, ItemKind.SERIES]),
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
