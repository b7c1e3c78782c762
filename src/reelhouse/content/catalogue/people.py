"""People and their credits: who is in what, inserted and renamed in bulk (a series' cast and
guests arrive hundreds at a time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.models import Credit, CreditRole, Image, Item, Person
from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.errors import NotFoundError
from reelhouse.infra.db.repository import (
    BULK_CHUNK,
    chunked,
    constraint_errors,
    get_or_raise,
    upsert,
)
from reelhouse.infra.db.types import utcnow


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

    async def get_visible(self, person_id: int, library_ids: frozenset[int] | None) -> Person:
        """The person, if one of these libraries (None: any) holds a live item crediting
        them: people are shown to those who see a credit of theirs. `NotFoundError` alike for
        an absent and a hidden person, so ids do not leak."""
        person = await self.get(person_id)
        if library_ids is not None:
            credited = await self.session.scalar(
                select(Credit.id)
                .join(Item, Item.id == Credit.item_id)
                .where(
                    Credit.person_id == person_id,
                    Item.deleted_at.is_(None),
                    Item.library_id.in_(sorted(library_ids)),
                )
                .limit(1)
            )
            if credited is None:
                raise NotFoundError(f"person {person_id} does not exist")
        return person

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
