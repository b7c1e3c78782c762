"""reelhouse's views as Jellyfin's DTOs: every item of a page with the caller's own state, its
image tags and, when asked for, its details, each read in one batch from the services' caches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reelhouse.bootstrap import Services
from reelhouse.compat.jellyfin.auth import JellyfinCaller
from reelhouse.compat.jellyfin.dtos import (
    BaseItem,
    BaseItemPerson,
    NameGuidPair,
    UserItemData,
)
from reelhouse.compat.jellyfin.ids import IdType, encode_id
from reelhouse.content.catalogue.models import CreditRole, ImageKind
from reelhouse.content.reads.images import SelectedImage
from reelhouse.content.reads.views import ItemDetailsView, ItemView, PersonDetails
from reelhouse.errors import NotFoundError
from reelhouse.ingest.libraries import LibraryInfo
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.watch.views import UserState

#: 1 tick = 100 ns, Jellyfin's unit of time.
TICKS_PER_SECOND = 10_000_000

ITEM_TYPES = {
    ItemKind.MOVIE: "Movie",
    ItemKind.SERIES: "Series",
    ItemKind.SEASON: "Season",
    ItemKind.EPISODE: "Episode",
    ItemKind.COLLECTION: "BoxSet",
}
KINDS_BY_TYPE = {name.lower(): kind for kind, name in ITEM_TYPES.items()}
FOLDER_KINDS = frozenset({ItemKind.SERIES, ItemKind.SEASON, ItemKind.COLLECTION})
COLLECTION_TYPES = {LibraryKind.MOVIES: "movies", LibraryKind.TV: "tvshows"}
#: Jellyfin's image types and the kinds of reelhouse's images that stand for them; `Primary`
#: is an episode's still where it has no poster.
IMAGE_KINDS: dict[str, tuple[ImageKind, ...]] = {
    "Primary": (ImageKind.POSTER, ImageKind.STILL, ImageKind.PROFILE),
    "Backdrop": (ImageKind.BACKDROP,),
    "Logo": (ImageKind.LOGO,),
    "Banner": (ImageKind.BANNER,),
    "Thumb": (ImageKind.THUMB,),
}
#: `Fields` values whose answer needs an item's details (its overview, genres, people...).
DETAIL_FIELDS = frozenset(
    {"overview", "genres", "people", "studios", "taglines", "officialrating", "status"}
)
PROVIDER_NAMES = {"tmdb": "Tmdb", "tvdb": "Tvdb", "imdb": "Imdb"}


def ticks(seconds: float) -> int:
    return round(seconds * TICKS_PER_SECOND)


def jellyfin_date(value: date | datetime | None) -> str | None:
    """A date or time as Jellyfin writes them: ISO 8601 in UTC, with the `Z`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return f"{value.isoformat()}T00:00:00.0000000Z"


def image_tag(image: SelectedImage) -> str:
    """What clients cache an image by: it changes when the stored image does."""
    return hashlib.sha256((image.local_path or "").encode()).hexdigest()[:32]


def image_kind(jellyfin_type: str) -> tuple[ImageKind, ...]:
    """The kinds of reelhouse's images standing for a Jellyfin image type (case-insensitive);
    none for a type reelhouse has no images of."""
    for name, kinds in IMAGE_KINDS.items():
        if name.lower() == jellyfin_type.lower():
            return kinds
    return ()


@dataclass(frozen=True, slots=True)
class ItemImages:
    tags: dict[str, str]
    backdrops: list[str]
    blurhashes: dict[str, dict[str, str]]

    @classmethod
    def of(cls, selected: Sequence[SelectedImage]) -> ItemImages:
        tags: dict[str, str] = {}
        backdrops: list[str] = []
        hashes: dict[str, dict[str, str]] = {}
        for name, kinds in IMAGE_KINDS.items():
            found = sorted(
                (i for i in selected if i.kind in kinds), key=lambda i: kinds.index(i.kind)
            )
            if not found:
                continue
            tag = image_tag(found[0])
            if name == "Backdrop":
                backdrops.append(tag)
            else:
                tags[name] = tag
            if found[0].blurhash:
                hashes.setdefault(name, {})[tag] = found[0].blurhash
        return cls(tags, backdrops, hashes)


class ItemMapper:
    """Turns reelhouse's views into `BaseItemDto`s for one caller."""

    def __init__(self, services: Services, server_id: str, caller: JellyfinCaller) -> None:
        self.services = services
        self.server_id = server_id
        self.caller = caller

    async def items(
        self,
        views: Sequence[ItemView],
        fields: frozenset[str] = frozenset(),
        states: Mapping[int, UserState] | None = None,
    ) -> list[BaseItem]:
        """A page of items with the caller's state of each (read in one batch, unless the
        list came with them: Continue Watching, Next Up) and their image tags; with their
        details when `fields` asks for any."""
        ids = [v.id for v in views]
        if states is None:
            parents = [v.id for v in views if v.kind in (ItemKind.SERIES, ItemKind.SEASON)]
            states = await self.services.watch.states_of(self.caller.user_id, ids, parents)
        images = await self.services.images.selected(ids, self.caller.visible)
        details: dict[int, ItemDetailsView] = {}
        if fields & DETAIL_FIELDS:
            details = await self._details(ids)
        names = await self._series_names(views)
        people: dict[int, str] = {}
        if "people" in fields:
            people = await self.services.people.names(
                c.person_id for d in details.values() for c in d.credits
            )
        return [
            self.item(
                view,
                states.get(view.id),
                images.get(view.id, ()),
                details.get(view.id),
                names,
                people,
            )
            for view in views
        ]

    async def one(self, item_id: int) -> BaseItem:
        """One item with all that reelhouse knows of it (a client's details page)."""
        details = await self.services.items.details(item_id, self.caller.visible)
        return (await self.items([details.item], DETAIL_FIELDS))[0]

    def item(
        self,
        view: ItemView,
        state: UserState | None,
        selected: Sequence[SelectedImage],
        details: ItemDetailsView | None,
        series_names: dict[int, str],
        people: dict[int, str],
    ) -> BaseItem:
        kind = ItemKind(view.kind)
        item_id = encode_id(IdType.ITEM, view.id)
        images = ItemImages.of(selected)
        runtime = view.runtime_minutes * 60 if view.runtime_minutes else None
        parent = self._parent(view, kind)
        return BaseItem(
            name=view.title,
            server_id=self.server_id,
            id=item_id,
            type=ITEM_TYPES[kind],
            is_folder=kind in FOLDER_KINDS,
            original_title=view.original_title,
            sort_name=view.sort_title,
            date_created=jellyfin_date(view.added_at),
            parent_id=parent,
            series_id=_id(view.series_id),
            series_name=series_names.get(view.series_id) if view.series_id else None,
            season_id=_id(view.parent_id) if kind is ItemKind.EPISODE else None,
            index_number=view.index_number,
            parent_index_number=view.parent_index_number,
            production_year=view.year,
            premiere_date=jellyfin_date(view.release_date),
            run_time_ticks=ticks(runtime) if runtime else None,
            community_rating=view.community_rating,
            provider_ids={PROVIDER_NAMES.get(k, k.capitalize()): v for k, v in view.provider_ids},
            image_tags=images.tags,
            backdrop_image_tags=images.backdrops,
            image_blur_hashes=images.blurhashes,
            user_data=user_data(item_id, state or UserState(), runtime),
            media_type="Video" if kind in (ItemKind.MOVIE, ItemKind.EPISODE) else "Unknown",
            location_type="FileSystem",
            can_download=False,
            can_delete=False,
            **(self._details_fields(details, people) if details else {}),
        )

    def view(self, library: LibraryInfo) -> BaseItem:
        """A library as the view (`CollectionFolder`) Jellyfin clients list it as."""
        return BaseItem(
            name=library.name,
            server_id=self.server_id,
            id=encode_id(IdType.LIBRARY, library.id),
            type="CollectionFolder",
            is_folder=True,
            collection_type=COLLECTION_TYPES.get(library.kind),
            date_created=jellyfin_date(library.created_at),
            image_tags={},
            backdrop_image_tags=[],
            location_type="FileSystem",
        )

    def person(self, person: PersonDetails, selected: Sequence[SelectedImage]) -> BaseItem:
        images = ItemImages.of(selected)
        return BaseItem(
            name=person.name,
            server_id=self.server_id,
            id=encode_id(IdType.PERSON, person.id),
            type="Person",
            is_folder=False,
            overview=person.biography,
            premiere_date=jellyfin_date(person.birth_date),
            provider_ids={PROVIDER_NAMES.get(k, k.capitalize()): v for k, v in person.provider_ids},
            image_tags=images.tags,
            image_blur_hashes=images.blurhashes,
        )

    def _parent(self, view: ItemView, kind: ItemKind) -> str | None:
        if kind in (ItemKind.SEASON, ItemKind.EPISODE):
            return _id(view.parent_id)
        if view.library_id is not None:
            return encode_id(IdType.LIBRARY, view.library_id)
        return None

    def _details_fields(
        self, details: ItemDetailsView, people: dict[int, str]
    ) -> dict[str, object]:
        credited = [
            BaseItemPerson(
                name=people[c.person_id],
                id=encode_id(IdType.PERSON, c.person_id),
                role=c.character if c.role == CreditRole.CAST else c.job,
                type="Actor" if c.role == CreditRole.CAST else _crew_type(c.job),
            )
            for c in details.credits
            if c.person_id in people
        ]
        return {
            "overview": details.overview,
            "taglines": [details.tagline] if details.tagline else [],
            "official_rating": details.certification,
            "status": details.status,
            "genres": list(details.genres),
            "genre_items": [NameGuidPair(name=g, id=genre_id(g)) for g in details.genres],
            "studios": [NameGuidPair(name=s.name, id=genre_id(s.name)) for s in details.studios],
            "people": credited,
        }

    async def _details(self, ids: Iterable[int]) -> dict[int, ItemDetailsView]:
        found: dict[int, ItemDetailsView] = {}
        for item_id in ids:
            try:
                found[item_id] = await self.services.items.details(item_id, self.caller.visible)
            except NotFoundError:
                continue  # gone since the page was read: shown without details
        return found

    async def _series_names(self, views: Sequence[ItemView]) -> dict[int, str]:
        series = {v.series_id for v in views if v.series_id is not None}
        details = await self._details(sorted(series))
        return {series_id: d.item.title for series_id, d in details.items()}


def user_data(item_id: str, state: UserState, runtime_s: float | None) -> UserItemData:
    position = state.position_s or 0
    percentage = None
    if position and runtime_s:
        percentage = min(100.0, position / runtime_s * 100)
    return UserItemData(
        playback_position_ticks=ticks(position),
        play_count=state.play_count,
        is_favorite=state.favourite,
        played=state.played,
        key=item_id,
        item_id=item_id,
        last_played_date=jellyfin_date(state.last_played_at),
        played_percentage=percentage,
        unplayed_item_count=state.unplayed_count,
        rating=state.rating,
    )


def genre_id(name: str) -> str:
    """A stable id for a genre or studio (reelhouse filters them by name, which clients send
    back in `Genres`): the name's hash, GUID-shaped."""
    return hashlib.sha256(name.lower().encode()).hexdigest()[:32]


def _id(row_id: int | None) -> str | None:
    return encode_id(IdType.ITEM, row_id) if row_id is not None else None


def _crew_type(job: str) -> str:
    """Jellyfin's person type of a crew member's job."""
    return {"director": "Director", "writer": "Writer", "screenplay": "Writer"}.get(
        job.lower(), "Producer" if "producer" in job.lower() else "Unknown"
    )
