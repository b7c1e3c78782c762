"""Serving the artwork of items and people from the image store, for any content kind.

Which image is selected, and where it is stored, is read through the cache (`images` namespace)
and tagged by item or person, so the one invalidation path (`CatalogueInvalidation`) that a
writer of artwork calls reaches it too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from reelhouse.config import ImagesSettings
from reelhouse.content.catalogue.invalidation import item_tag, person_tag
from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.catalogue.models import Image, ImageKind
from reelhouse.content.catalogue.people import PeopleRepository
from reelhouse.content.reads.items import can_see
from reelhouse.errors import NotFoundError
from reelhouse.infra.cache import Cache, CacheNamespace
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore, StoredFile

IMAGES_NAMESPACE = "images"


class SelectedImage(msgspec.Struct, frozen=True):
    kind: str
    local_path: str | None  # None: chosen, not downloaded yet
    blurhash: str | None = None


class ItemArtwork(msgspec.Struct, frozen=True):
    """What serving an item's or a person's images needs: whose they are (people belong to no
    library), and the selected images."""

    library_id: int | None
    selected: tuple[SelectedImage, ...]
    #: For an item of no library (a collection), the libraries of the items it groups.
    member_libraries: tuple[int, ...] = ()

    def visible_to(self, visible: frozenset[int] | None) -> bool:
        """Whether a caller who sees `visible` may see these images: those of an item they
        see, or of a group holding one."""
        return can_see(self.library_id, visible) or any(
            library in visible for library in self.member_libraries if visible is not None
        )

    def stored(self, kind: ImageKind) -> SelectedImage | None:
        return next((i for i in self.selected if i.kind == kind and i.local_path), None)


@dataclass(frozen=True, slots=True)
class ServedImage:
    """A file to send, with its strong entity tag and how long clients may keep it; `body` is
    its bytes when the store holds them in memory."""

    path: Path
    content_type: str
    etag: str
    max_age_s: int
    body: bytes | None

    @classmethod
    def of(cls, file: StoredFile, max_age_s: int) -> ServedImage:
        """A stored file as sent: its version is its entity tag."""
        return cls(file.path, file.content_type, f'"{file.version}"', max_age_s, file.body)


class ImagesService:
    def __init__(
        self, database: Database, cache: Cache, store: ImageStore, settings: ImagesSettings
    ) -> None:
        self.database = database
        self.store = store
        self.settings = settings
        self._artwork: CacheNamespace[ItemArtwork] = cache.namespace(IMAGES_NAMESPACE, ItemArtwork)

    async def image(
        self,
        item_id: int,
        kind: ImageKind,
        width: int | None,
        visible: frozenset[int] | None,
    ) -> ServedImage:
        """The selected `kind` image of a visible item, as stored or resized to `width`.

        `NotFoundError` alike for an absent item, a hidden one and an image not downloaded yet
        (ids do not leak); `InvalidInputError` for a width the store does not offer."""
        if width is not None:
            self.store.check_width(width)  # bad input is refused before anything is looked up
        artwork = await self._item_artwork(item_id)
        if artwork is None or not artwork.visible_to(visible):
            raise NotFoundError(f"item {item_id} does not exist")
        return await self._serve(artwork, kind, width, f"item {item_id}")

    async def person_image(
        self, person_id: int, kind: ImageKind, width: int | None, visible: frozenset[int] | None
    ) -> ServedImage:
        """A person's selected `kind` image (their photo), like `image`; people are shown to
        everyone who sees a credit of theirs, and so are their photos. Whether the caller
        does is read each time (credits change without touching the person's cached
        artwork)."""
        if width is not None:
            self.store.check_width(width)
        if visible is not None:
            async with self.database.read() as session:
                await PeopleRepository(session).get_visible(person_id, visible)
        artwork = await self._person_artwork(person_id)
        if artwork is None:
            raise NotFoundError(f"person {person_id} does not exist")
        return await self._serve(artwork, kind, width, f"person {person_id}")

    async def placeholders(
        self, item_ids: Iterable[int], kind: ImageKind, visible: frozenset[int] | None
    ) -> dict[int, str]:
        """For each visible item with a stored `kind` image, its blurhash ('' when it has
        none): a page asks for the images of these only, and paints the hash meanwhile. The
        entries read are those that serving the images reads next."""
        found: dict[int, str] = {}
        for item_id in dict.fromkeys(item_ids):
            artwork = await self._item_artwork(item_id)
            if artwork is not None and artwork.visible_to(visible):
                stored = artwork.stored(kind)
                if stored is not None:
                    found[item_id] = stored.blurhash or ""
        return found

    async def selected(
        self, item_ids: Iterable[int], visible: frozenset[int] | None
    ) -> dict[int, tuple[SelectedImage, ...]]:
        """The stored images of each visible item among these (what a client lists as an
        item's image tags): the entries that serving the images reads next."""
        found: dict[int, tuple[SelectedImage, ...]] = {}
        for item_id in dict.fromkeys(item_ids):
            artwork = await self._item_artwork(item_id)
            if artwork is not None and artwork.visible_to(visible):
                found[item_id] = tuple(i for i in artwork.selected if i.local_path)
        return found

    def fitting_width(self, wanted: int | None) -> int | None:
        """The offered width to serve for a client that wants `wanted` pixels or fewer (the
        smallest offered one as wide, else the original): clients ask for any width."""
        if wanted is None:
            return None
        wider = [w for w in self.settings.variant_widths if w >= wanted]
        return min(wider) if wider else None

    async def person_placeholders(self, person_ids: Iterable[int]) -> dict[int, str]:
        """`placeholders` of people's photos."""
        found: dict[int, str] = {}
        for person_id in dict.fromkeys(person_ids):
            artwork = await self._person_artwork(person_id)
            stored = artwork.stored(ImageKind.PROFILE) if artwork is not None else None
            if stored is not None:
                found[person_id] = stored.blurhash or ""
        return found

    async def _serve(
        self, artwork: ItemArtwork, kind: ImageKind, width: int | None, owner: str
    ) -> ServedImage:
        stored = artwork.stored(kind)
        if stored is None or stored.local_path is None:
            raise NotFoundError(f"{owner} has no {kind} image stored yet")
        file = await self.store.locate(stored.local_path, width)
        return ServedImage.of(file, self.settings.cache_max_age_s)

    async def _item_artwork(self, item_id: int) -> ItemArtwork | None:
        async def load() -> ItemArtwork | None:
            async with self.database.read() as session:
                repo = AnyItemRepository(session)
                try:
                    item = await repo.get(item_id)
                except NotFoundError:
                    return None
                members = await repo.member_libraries(item_id) if item.library_id is None else []
                return _artwork(item.library_id, await repo.images(item_id), members)

        return await self._cached(f"item:{item_id}:artwork", item_tag(item_id), load)

    async def _person_artwork(self, person_id: int) -> ItemArtwork | None:
        async def load() -> ItemArtwork | None:
            async with self.database.read() as session:
                people = PeopleRepository(session)
                try:
                    await people.get(person_id)
                except NotFoundError:
                    return None
                return _artwork(None, await people.images(person_id))

        return await self._cached(f"person:{person_id}:artwork", person_tag(person_id), load)

    async def _cached(
        self, key: str, tag: str, load: Callable[[], Awaitable[ItemArtwork | None]]
    ) -> ItemArtwork | None:
        return await self._artwork.get_or_load(key, load, tags=[tag])


def _artwork(
    library_id: int | None, images: Sequence[Image], members: Sequence[int] = ()
) -> ItemArtwork:
    return ItemArtwork(
        library_id,
        tuple(SelectedImage(i.kind, i.local_path, i.blurhash) for i in images if i.selected),
        tuple(members),
    )
