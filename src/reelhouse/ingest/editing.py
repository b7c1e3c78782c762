"""Editing an item by hand: the fields an admin gives, validated, written one by one and locked
against refresh, in one transaction holding the item's row; then the one invalidation.

Only the fields given are written, so two admins editing different fields of one item both
keep theirs, and the same field ends as the last one wrote it. The item's row is locked for
the transaction (PostgreSQL; SQLite's transactions hold the write lock from their start), so
neither an edit nor its lock is lost to a concurrent one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.catalogue.models import Item, StudioKind
from reelhouse.content.catalogue.records import check_lockable
from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import ItemKind

TITLE_MAX = 500
OVERVIEW_MAX = 20_000
TAGLINE_MAX = 1_000
#: `items.certification` is a VARCHAR(32).
CERTIFICATION_MAX = 32
#: `genres.name` and `tags.name` are VARCHAR(100), `studios.name` VARCHAR(200).
NAME_MAX = 100
STUDIO_MAX = 200
#: Names in one list (genres, studios, tags): far more than any item has.
NAMES_MAX = 100
YEAR_MIN, YEAR_MAX = 1800, 2200
DATE_MIN, DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)


def _storable(value: str) -> str:
    """Text both databases store as it was sent: PostgreSQL's cannot hold NUL, and a lone
    surrogate is not UTF-8."""
    if "\x00" in value:
        raise ValueError("text cannot hold a NUL character")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


def _blank_is_none(value: Any) -> Any:
    """Blank text clears an optional field (as null does)."""
    return None if isinstance(value, str) and not value.strip() else value


def _sort_key(value: str) -> str:
    key = sort_title(value)
    if not key:
        raise ValueError("a sort title needs at least one letter or digit")
    return key


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _text(max_length: int) -> tuple[Any, ...]:
    """The constraints of stored text: stripped, not blank, bounded, storable."""
    return (
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_storable),
    )


Title = Annotated[str, *_text(TITLE_MAX)]
SortTitle = Annotated[str, *_text(TITLE_MAX), AfterValidator(_sort_key)]
OptionalTitle = Annotated[Title | None, BeforeValidator(_blank_is_none)]
Overview = Annotated[Annotated[str, *_text(OVERVIEW_MAX)] | None, BeforeValidator(_blank_is_none)]
Tagline = Annotated[Annotated[str, *_text(TAGLINE_MAX)] | None, BeforeValidator(_blank_is_none)]
Certification = Annotated[
    Annotated[str, *_text(CERTIFICATION_MAX)] | None, BeforeValidator(_blank_is_none)
]
Names = Annotated[
    list[Annotated[str, *_text(NAME_MAX)]], Field(max_length=NAMES_MAX), AfterValidator(_unique)
]
StudioNames = Annotated[
    list[Annotated[str, *_text(STUDIO_MAX)]],
    Field(max_length=NAMES_MAX),
    AfterValidator(_unique),
]
EditDate = Annotated[date, Field(ge=DATE_MIN, le=DATE_MAX)]


class ItemChanges(BaseModel):
    """The fields of an item to change; those left out stay as they are. Null (or blank text)
    clears an optional field; a list replaces the item's whole list. Text is stored stripped;
    a sort title is stored as the sort key it makes (case and accents folded, a leading
    article dropped)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    original_title: OptionalTitle = None
    sort_title: SortTitle | None = None
    overview: Overview = None
    tagline: Tagline = None
    release_date: EditDate | None = None
    end_date: EditDate | None = Field(None, description="When a series ended (series only).")
    year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] | None = Field(
        None, description="Follows an edited release date unless given too."
    )
    community_rating: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    certification: Certification = Field(None, description="The content rating (PG-13, FSK 12...).")
    genres: Names | None = None
    studios: StudioNames | None = Field(
        None, description="Studios of a movie, networks of a series."
    )
    tags: Names | None = None

    @field_validator("title", "sort_title", "genres", "studios", "tags")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for fields given: a null title, sort title or list is refused, not cleared.
        if value is None:
            raise ValueError("cannot be null")
        return value

    def given(self) -> dict[str, Any]:
        """The fields sent, with their values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


#: Item columns an edit writes, in this order: the title before the sort title it would
#: otherwise set.
COLUMNS = (
    "title",
    "sort_title",
    "original_title",
    "overview",
    "tagline",
    "release_date",
    "end_date",
    "year",
    "community_rating",
    "certification",
)
LISTS = ("genres", "studios", "tags")
#: What an edit may write (and so locks: each is one of `LOCKABLE_FIELDS`).
EDITABLE_FIELDS = frozenset({*COLUMNS, *LISTS})


@dataclass(frozen=True)
class ItemEditor:
    database: Database
    invalidation: CatalogueInvalidation

    async def edit(self, item_id: int, changes: ItemChanges) -> list[str]:
        """Write the fields given and lock them against refresh; the locked fields, sorted.
        An edited release date sets (and locks) the year too, unless the year is given."""
        fields = changes.given()
        release = fields.get("release_date")
        if release is not None and "year" not in fields:
            fields["year"] = release.year
        async with self.database.transaction() as session:
            items = AnyItemRepository(session)
            item = await items.get(item_id, for_update=True)
            if "end_date" in fields and item.kind != ItemKind.SERIES:
                raise InvalidInputError("only a series has an end date", field="end_date")
            locked = sorted(set(item.locked_fields) | fields.keys())
            # Before the title: a sort title locked now is not derived from it.
            item.set_locked_fields(locked)
            for name in COLUMNS:
                if name in fields and getattr(item, name) != fields[name]:
                    setattr(item, name, fields[name])
            _check_dates(item)
            await items.save()
            if "genres" in fields:
                await items.set_genres(item.id, fields["genres"])
            if "studios" in fields:
                await _set_studios(items, item, fields["studios"])
            if "tags" in fields:
                await items.set_tags(item.id, fields["tags"])
            ref = ItemRef.of(item)
        await self.invalidation.items_changed([ref])
        return locked

    async def lock_fields(self, item_id: int, fields: Sequence[str]) -> list[str]:
        """Make the item's locked fields exactly `fields`; the locked ones, sorted."""
        return await self._relock(item_id, fields, lambda _locked: set(fields))

    async def unlock(self, item_id: int, fields: Sequence[str]) -> list[str]:
        """Let refresh write these fields again; the locked fields left, sorted."""
        return await self._relock(item_id, fields, lambda locked: locked - set(fields))

    async def _relock(
        self,
        item_id: int,
        fields: Sequence[str],
        relocked: Callable[[set[str]], set[str]],
    ) -> list[str]:
        """Lock what `relocked` makes of the item's locked fields, its row held meanwhile."""
        check_lockable(fields)
        async with self.database.transaction() as session:
            items = AnyItemRepository(session)
            item = await items.get(item_id, for_update=True)
            locked = sorted(relocked(set(item.locked_fields)))
            item.set_locked_fields(locked)
            await items.save()
            ref = ItemRef.of(item)
        await self.invalidation.items_changed([ref])
        return locked


async def _set_studios(items: AnyItemRepository, item: Item, names: list[str]) -> None:
    """A series' studios are its networks, anything else's its studios: the names given
    become the item's only ones."""
    kind = StudioKind.NETWORK if item.kind == ItemKind.SERIES else StudioKind.STUDIO
    other = StudioKind.STUDIO if kind is StudioKind.NETWORK else StudioKind.NETWORK
    await items.set_studios(item.id, kind, names)
    await items.set_studios(item.id, other, [])


def _check_dates(item: Item) -> None:
    if item.release_date and item.end_date and item.end_date < item.release_date:
        raise InvalidInputError(
            f"the end date {item.end_date} is before the release date {item.release_date}",
            field="end_date",
        )
