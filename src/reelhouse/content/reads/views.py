"""What catalogue reads return: immutable, serializable snapshots that can live in the cache.

ORM rows never leave a read service: they are tied to a session and cannot be shared between
requests or processes. These frozen structs can, and msgspec encodes them compactly for Redis.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import msgspec

from reelhouse.content.catalogue.models import (
    Credit,
    CreditRole,
    Image,
    Item,
    MediaFileItem,
    Person,
    Provider,
    Rating,
    Studio,
)
from reelhouse.libraries.models import MediaFile

#: The cache namespace of every catalogue read (and of what the HTTP layers make of them).
CATALOGUE_NAMESPACE = "catalogue"


class ItemView(msgspec.Struct, frozen=True, kw_only=True):
    """An item as listings, details and search show it. Its fields are the `items` columns of
    the same names, but `provider_ids`: text, since 64-bit ids do not survive JSON numbers."""

    id: int
    kind: str
    library_id: int | None
    parent_id: int | None
    series_id: int | None
    collection_id: int | None = None
    title: str
    sort_title: str
    original_title: str | None
    year: int | None
    release_date: date | None
    community_rating: float | None
    runtime_minutes: int | None
    added_at: datetime
    index_number: int | None
    parent_index_number: int | None
    provider_ids: dict[str, str]

    @classmethod
    def of(cls, item: Item) -> ItemView:
        ids = ((p.value, item.provider_id(p)) for p in Provider)
        return cls(
            **{name: getattr(item, name) for name in _ITEM_COLUMNS},
            provider_ids={name: str(value) for name, value in ids if value is not None},
        )


_ITEM_COLUMNS = tuple(name for name in ItemView.__struct_fields__ if name != "provider_ids")


class PageView(msgspec.Struct, frozen=True):
    items: tuple[ItemView, ...]
    next_cursor: str | None
    total: int | None


class StudioView(msgspec.Struct, frozen=True):
    name: str
    kind: str


class RatingView(msgspec.Struct, frozen=True):
    source: str
    value: float
    max_value: float
    votes: int | None


class CreditView(msgspec.Struct, frozen=True):
    """A credit without the person's name: names are cached per person, so that renaming a
    person does not leave every item they appear in stale."""

    person_id: int
    role: str
    character: str
    department: str
    job: str
    order: int


class ImageView(msgspec.Struct, frozen=True):
    id: int
    kind: str
    language: str | None
    width: int | None
    height: int | None
    blurhash: str | None


class FileView(msgspec.Struct, frozen=True):
    id: int
    path: str
    size: int
    container: str | None
    state: str
    part: int | None
    extra_type: str | None


class ItemDetailsView(msgspec.Struct, frozen=True, kw_only=True):
    item: ItemView
    overview: str | None
    tagline: str | None
    certification: str | None
    edition: str | None
    status: str | None
    genres: tuple[str, ...]
    studios: tuple[StudioView, ...]
    ratings: tuple[RatingView, ...]
    credits: tuple[CreditView, ...]
    images: tuple[ImageView, ...]
    files: tuple[FileView, ...]

    @property
    def cast(self) -> list[CreditView]:
        return [c for c in self.credits if c.role == CreditRole.CAST]

    @property
    def crew(self) -> list[CreditView]:
        return [c for c in self.credits if c.role == CreditRole.CREW]


class CreditedDetails(msgspec.Struct, frozen=True):
    """An item's details with the current names of the people they credit."""

    details: ItemDetailsView
    names: dict[int, str]


def details_view(
    item: Item,
    *,
    genres: Sequence[str],
    studios: Sequence[Studio],
    ratings: Sequence[Rating],
    credits: Sequence[Credit],
    images: Sequence[Image],
    files: Sequence[tuple[MediaFile, MediaFileItem]],
) -> ItemDetailsView:
    return ItemDetailsView(
        item=ItemView.of(item),
        overview=item.overview,
        tagline=item.tagline,
        certification=item.certification,
        edition=item.edition,
        status=item.status,
        genres=tuple(genres),
        studios=tuple(StudioView(s.name, s.kind) for s in studios),
        ratings=tuple(RatingView(r.source, r.value, r.max_value, r.votes) for r in ratings),
        credits=tuple(
            CreditView(c.person_id, c.role, c.character, c.department, c.job, c.sort_order)
            for c in credits
        ),
        images=tuple(
            ImageView(i.id, i.kind, i.language, i.width, i.height, i.blurhash) for i in images
        ),
        files=tuple(
            FileView(f.id, f.path, f.size, f.container, f.state, link.part, link.extra_type)
            for f, link in files
        ),
    )


class PersonView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    biography: str | None
    birth_date: date | None
    death_date: date | None
    birthplace: str | None
    provider_ids: dict[str, str]

    @classmethod
    def of(cls, person: Person) -> PersonView:
        ids = {"tmdb": person.tmdb_id, "tvdb": person.tvdb_id, "imdb": person.imdb_id}
        return cls(
            id=person.id,
            name=person.name,
            biography=person.biography,
            birth_date=person.birth_date,
            death_date=person.death_date,
            birthplace=person.birthplace,
            provider_ids={name: str(value) for name, value in ids.items() if value is not None},
        )


class PersonCredit(msgspec.Struct, frozen=True):
    """A person's part in an item the caller may see."""

    role: str
    character: str
    department: str
    job: str
    item: ItemView


class PersonDetailsView(msgspec.Struct, frozen=True):
    person: PersonView
    credits: tuple[PersonCredit, ...]
