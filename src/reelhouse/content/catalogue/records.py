"""Writing a merged provider record onto a catalogue item: its fields, genres, studios, ratings,
credits and artwork, through the repositories, inside the caller's transaction.

Writes are precise: a field changes only when its value does, credits and links are reconciled
row by row (never deleted and recreated), and fields the user locked are left alone. Running the
same record twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.artwork import ArtworkRepository, ImageInput
from reelhouse.content.catalogue.items import ItemRepository, RatingValue
from reelhouse.content.catalogue.models import CreditRole, ImageKind, Item, Provider, StudioKind
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository, PersonInput
from reelhouse.content.catalogue.videos import trailers
from reelhouse.content.metadata.models import (
    Artwork,
    Credit,
    ExternalIds,
    ItemRecord,
    MovieRecord,
    SeriesRecord,
)
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.types import utcnow

ItemT = TypeVar("ItemT", bound=Item)

#: Record fields copied onto the item column of the same name.
COPIED_FIELDS = (
    "title",
    "original_title",
    "original_language",
    "overview",
    "tagline",
    "release_date",
    "runtime_minutes",
    "certification",
)
#: Everything a refresh writes, so everything a user may lock: item columns (the sort title
#: follows the title unless locked), then the lists hanging off an item.
LOCKABLE_FIELDS = frozenset(
    {*COPIED_FIELDS, "sort_title", "year", "status", "end_date", "community_rating"}
    | {"genres", "studios", "tags", "credits", "artwork", "videos"}
)


def check_lockable(fields: Iterable[str]) -> None:
    """Refuse names that are not of `LOCKABLE_FIELDS`, naming them."""
    unknown = sorted(set(fields) - LOCKABLE_FIELDS)
    if unknown:
        lockable = ", ".join(sorted(LOCKABLE_FIELDS))
        raise InvalidInputError(
            f"{', '.join(unknown)}: not lockable (lockable: {lockable})", field="fields"
        )


_IMAGE_KINDS = {kind.value: kind for kind in ImageKind}
# The rating shown in listings: the first source present, in this order.
_RATING_ORDER = ("tmdb", "tvdb", "imdb")


async def find_by_ids(repository: ItemRepository[ItemT], ids: ExternalIds) -> ItemT | None:
    """The live item of the repository's kind that has any of these provider ids."""
    for provider, value in (
        (Provider.TMDB, ids.tmdb),
        (Provider.TVDB, ids.tvdb),
        (Provider.IMDB, ids.imdb),
    ):
        if value is not None:
            found = await repository.find_by_provider_id(provider, value)
            if found is not None:
                return found
    return None


def set_ids(item: Item, ids: ExternalIds) -> None:
    """Fill the item's missing provider ids; a known id is never overwritten by a guess."""
    for column, value in (("tmdb_id", ids.tmdb), ("tvdb_id", ids.tvdb), ("imdb_id", ids.imdb)):
        if value is not None and getattr(item, column) is None:
            setattr(item, column, value)


def _assign(item: Item, name: str, value: object) -> None:
    if name not in item.locked_fields and getattr(item, name) != value:
        setattr(item, name, value)


class RecordWriter:
    """Use as `async with RecordWriter(session) as writer:`: the credits and artwork of every
    record written are buffered and stored together when the block ends (a series writes
    hundreds of episodes, and a few statements for all of their guests and stills beat a few
    for each); then `credited` holds the ids of the people credited."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.people = PeopleRepository(session)
        self.artwork = ArtworkRepository(session)
        self.credited: set[int] = set()
        self._credits: dict[int, Sequence[Credit]] = {}
        self._images: dict[int, list[ImageInput]] = {}

    async def __aenter__(self) -> RecordWriter:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            photos = await self._store_credits()
            await self.artwork.offer("item_id", self._images)
            await self.artwork.offer("person_id", photos, keep_chosen=True)

    async def write(self, repository: ItemRepository[Any], item: Item, record: ItemRecord) -> None:
        """Apply `record` to a stored `item` (its credits and artwork when the block ends)."""
        await repository.hold(item)  # an edit by hand since it was read is kept
        for name in COPIED_FIELDS:
            value = getattr(record, name)
            if value is not None and value != "":
                _assign(item, name, value)
        if record.release_date is not None:
            _assign(item, "year", record.release_date.year)
        if isinstance(record, MovieRecord | SeriesRecord) and record.status:
            _assign(item, "status", record.status)
        if isinstance(record, SeriesRecord) and record.end_date:
            _assign(item, "end_date", record.end_date)
        rating = next((record.ratings[s] for s in _RATING_ORDER if s in record.ratings), None)
        if rating is None and record.ratings:
            rating = next(iter(record.ratings.values()))
        if rating is not None:
            _assign(item, "community_rating", rating.value)
        set_ids(item, record.ids)
        item.metadata_refreshed_at = utcnow()
        await repository.save()
        locked = set(item.locked_fields)
        if "genres" not in locked and record.genres:
            await repository.set_genres(item.id, record.genres)
        if "studios" not in locked and record.studios:
            kind = StudioKind.NETWORK if isinstance(record, SeriesRecord) else StudioKind.STUDIO
            await repository.set_studios(item.id, kind, record.studios)
        await repository.set_ratings(
            item.id,
            {s: RatingValue(r.value, r.votes) for s, r in record.ratings.items()},
        )
        if "tags" not in locked and record.tags:
            await repository.set_tags(item.id, record.tags)
        if "videos" not in locked and record.videos:
            await repository.set_videos(item.id, trailers(record.videos))
        if "artwork" not in locked:
            self._images.setdefault(item.id, []).extend(_images(record.artwork))
        if "credits" not in locked and record.credits:
            self._credits[item.id] = record.credits

    async def _store_credits(self) -> dict[int, list[ImageInput]]:
        """Every buffered credit: the people upserted at once, each item's credits reconciled
        at once; the people's photos, to offer."""
        ids = await self.people.ensure(
            [_person(c) for credits in self._credits.values() for c in credits]
        )
        wanted: dict[int, list[CreditInput]] = {}
        photos: dict[int, list[ImageInput]] = {}
        for item_id, credits in self._credits.items():
            unique: dict[tuple[int, str, str, str], CreditInput] = {}
            for credit in credits:
                person_id = ids[_person(credit).identity]
                actor = credit.role == "actor"
                entry = CreditInput(
                    person_id=person_id,
                    role=CreditRole.CAST if actor else CreditRole.CREW,
                    character=credit.character if actor else "",
                    department=credit.department,
                    job="" if actor else credit.job or credit.role,
                    sort_order=credit.order,
                )
                unique.setdefault(entry.identity, entry)
                if credit.image:
                    photos.setdefault(person_id, []).append(
                        ImageInput(ImageKind.PROFILE, image_source(credit.image), credit.image)
                    )
            wanted[item_id] = list(unique.values())
        await self.people.set_credits_many(wanted)
        self.credited = set(ids.values())
        return photos


def _person(credit: Credit) -> PersonInput:
    return PersonInput(
        name=credit.name, tmdb_id=credit.ids.tmdb, tvdb_id=credit.ids.tvdb, imdb_id=credit.ids.imdb
    )


#: Where artwork comes from, when its host names it; any other host is "web" (its URL, kept
#: whole beside it, says which).
KNOWN_SOURCES = ("tmdb", "tvdb", "fanart")


def image_source(url: str) -> str:
    """Which provider an image URL comes from, for the image's provenance."""
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    for name in KNOWN_SOURCES:
        if name in host:
            return name
    return "web" if host else "local"


def _images(artwork: Sequence[Artwork]) -> list[ImageInput]:
    return [
        ImageInput(
            kind=_IMAGE_KINDS[art.kind],
            provider=image_source(art.url),
            url=art.url,
            language=art.language,
            width=art.width,
            height=art.height,
            score=art.score,
        )
        for art in artwork
        if art.kind in _IMAGE_KINDS
    ]
