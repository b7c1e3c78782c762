"""The image picker: which images an item could show as its poster, backdrop or logo, choosing
one of them, and uploading one of one's own.

The choices are the item's stored images (local files, uploads, what providers offered when it
was enriched) and everything its providers have for it in every language, asked when someone
looks (through the shared provider client: its rate limit, retries and cache). A choice is
downloaded through the image store's safe fetch (public addresses only, size and pixel caps),
an upload is checked the same way (`images.upload_max_bytes`, `images.max_pixels`, JPEG, PNG or
WebP), and both are stored like any other image before anything points at them. The chosen
image becomes the item's one selected image of its kind, the item's artwork is locked (a
refresh, or a local file found later, keeps the choice), and the item is invalidated through
the one path, which reaches every process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.config import ImagesSettings
from reelhouse.content.catalogue.artwork import (
    ARTWORK_FIELD,
    LOCAL_PROVIDER,
    UPLOAD_PROVIDER,
    ArtworkRepository,
    ImageInput,
    StoredCopy,
)
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.catalogue.models import Image, ImageKind, Item
from reelhouse.content.catalogue.records import image_source
from reelhouse.content.metadata.enrich import Enricher
from reelhouse.content.metadata.models import ExternalIds, OfferedImage
from reelhouse.content.reads.images import ServedImage
from reelhouse.errors import (
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TooLargeError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import ItemKind

log = get_logger(__name__)

#: The kinds one may choose an image of.
CHOOSABLE_KINDS = (ImageKind.POSTER, ImageKind.BACKDROP, ImageKind.LOGO)
#: A provider's failures that leave the list with the stored images only.
PROVIDER_FAILURES = (
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
#: What an upload may be (extensions as the image store names its files): what browsers show.
UPLOAD_FORMATS = frozenset({"jpg", "png", "webp"})


@dataclass(frozen=True, slots=True)
class ImageChoice:
    """An image the item could show: stored (`image_id`), offered by a provider (`url`, its
    original), or both."""

    kind: ImageKind
    #: The provider's name, `local_file` for an image beside the media, `upload` for one's own.
    source: str
    image_id: int | None
    url: str | None
    language: str | None
    width: int | None
    height: int | None
    score: float | None
    selected: bool
    #: The sizes the provider serves it in: size name (`w92`...`original`) -> URL.
    sizes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChoicePage:
    kind: ImageKind
    choices: list[ImageChoice]
    #: This page's number, from 1, and how many there are (at least 1).
    page: int
    pages: int
    total: int
    #: Why the providers' images are missing from the list, when they failed.
    unavailable: str | None = None


@dataclass(frozen=True)
class ImageChoices:
    database: Database
    invalidation: CatalogueInvalidation
    store: ImageStore
    enricher: Enricher
    settings: ImagesSettings

    async def page(self, item_id: int, kind: ImageKind, page: int = 1) -> ChoicePage:
        """Page `page` (from 1) of the item's choices of `kind`: the selected one first, the
        stored ones, then what the providers offer besides."""
        _check_kind(kind)
        if page < 1:
            raise InvalidInputError("pages count from 1", field="page")
        item, rows = await self._item_images(item_id, kind)
        unavailable: str | None = None
        try:
            offered = await self._offered(item, kind)
        except PROVIDER_FAILURES as exc:
            # The stored images can be chosen all the same: the provider's failure is said
            # beside them (and logged), not made the whole answer.
            log.warning("images offered not listed", item_id=item_id, error=exc.detail)
            offered, unavailable = [], exc.detail
        choices = _combined(kind, rows, offered)
        size = self.settings.choices_page_size
        start = (page - 1) * size
        pages = max(1, -(-len(choices) // size))
        found = choices[start : start + size]
        return ChoicePage(kind, found, page, pages, len(choices), unavailable)

    async def choose(
        self, item_id: int, kind: ImageKind, *, image_id: int | None = None, url: str | None = None
    ) -> ImageChoice:
        """Make a stored image (`image_id`) or a provider's (`url`, as listed) the item's
        selected one of `kind`, stored first; lock the item's artwork."""
        _check_kind(kind)
        if (image_id is None) == (url is None):
            raise InvalidInputError("name either an image_id or a url", field="image_id")
        item, rows = await self._item_images(item_id, kind)
        row = _find_row(rows, image_id, url)
        offered: OfferedImage | None = None
        if row is None:
            offered = next((o for o in await self._offered(item, kind) if o.url == url), None)
            if offered is None:
                raise NotFoundError(f"item {item_id} is offered no {kind} image at {url}")
        if row is not None and row.local_path is not None:
            copy = StoredCopy(row.local_path, row.width, row.height, row.blurhash)
        else:
            source = row.provider_path if row is not None else str(url)
            stored = await self.store.fetch(source)
            copy = StoredCopy(stored.path, stored.width, stored.height, stored.blurhash)
        async with self.database.transaction() as session:
            artwork = ArtworkRepository(session)
            if row is not None:
                chosen_id = row.id
                if row.local_path is None:
                    await artwork.stored(row.id, copy)
            else:
                assert offered is not None  # noqa: S101 - found above, or NotFoundError
                chosen_id = await artwork.keep_chosen(item_id, _input(kind, offered), copy)
            ref = await self._select(session, item_id, kind, chosen_id)
        await self.invalidation.items_changed([ref])
        return await self._chosen(item_id, kind, chosen_id)

    async def upload(self, item_id: int, kind: ImageKind, body: bytes) -> ImageChoice:
        """Store `body` as the item's own image of `kind`, and select it (as `choose`).
        `TooLargeError` over `images.upload_max_bytes`, `InvalidInputError` for anything but
        a whole JPEG, PNG or WebP image within `images.max_pixels`: nothing is stored then."""
        _check_kind(kind)
        if len(body) > self.settings.upload_max_bytes:
            raise TooLargeError(
                f"the image has {len(body)} bytes, more than {self.settings.upload_max_bytes} "
                "(setting images.upload_max_bytes)",
                field="file",
            )
        async with self.database.read() as session:
            await AnyItemRepository(session).get(item_id)  # nothing is stored for no item
        try:
            stored = await self.store.add(body, "the uploaded image", formats=UPLOAD_FORMATS)
        except UpstreamResponseError as exc:  # it came from the admin, not from upstream
            raise InvalidInputError(exc.detail, field="file") from None
        copy = StoredCopy(stored.path, stored.width, stored.height, stored.blurhash)
        async with self.database.transaction() as session:
            upload = ImageInput(kind, UPLOAD_PROVIDER, stored.path)
            chosen_id = await ArtworkRepository(session).keep_chosen(item_id, upload, copy)
            ref = await self._select(session, item_id, kind, chosen_id)
        await self.invalidation.items_changed([ref])
        return await self._chosen(item_id, kind, chosen_id)

    async def preview(
        self, item_id: int, kind: ImageKind, *, image_id: int | None = None, url: str | None = None
    ) -> ServedImage:
        """A small copy of one choice, for the picker to show from this server: a stored one
        resized (the smallest offered width), a provider's in its size nearest to that,
        downloaded through the safe fetch and not stored."""
        _check_kind(kind)
        if (image_id is None) == (url is None):
            raise InvalidInputError("name either an image_id or a url", field="image_id")
        width = min(self.settings.variant_widths)
        item, rows = await self._item_images(item_id, kind)
        row = _find_row(rows, image_id, url)
        if row is not None and row.local_path is not None:
            file = await self.store.locate(row.local_path, width)
            return ServedImage.of(file, self.settings.cache_max_age_s)
        source = row.provider_path if row is not None else url
        offered = next((o for o in await self._offered(item, kind) if o.url == source), None)
        if offered is not None:
            source = _nearest_size(offered.sizes, width) or offered.url
        elif row is None:
            raise NotFoundError(f"item {item_id} is offered no {kind} image at {url}")
        return ServedImage.of(await self.store.peek(str(source)), self.settings.cache_max_age_s)

    async def _item_images(self, item_id: int, kind: ImageKind) -> tuple[Item, list[Image]]:
        async with self.database.read() as session:
            item = await AnyItemRepository(session).get(item_id)
            return item, await ArtworkRepository(session).of_item(item_id, kind)

    async def _offered(self, item: Item, kind: ImageKind) -> list[OfferedImage]:
        ids = ExternalIds(tmdb=item.tmdb_id, tvdb=item.tvdb_id, imdb=item.imdb_id)
        if ids == ExternalIds():
            return []
        offered = await self.enricher.offered_images(ItemKind(item.kind), ids)
        return [o for o in offered if o.kind == kind]

    async def _select(
        self, session: AsyncSession, item_id: int, kind: ImageKind, image_id: int
    ) -> ItemRef:
        """Select `image_id` alone and lock the item's artwork, in the caller's transaction."""
        items = AnyItemRepository(session)
        # The row is held first (PostgreSQL), so that a concurrent edit's locks are not lost.
        item = await items.get(item_id, for_update=True)
        await ArtworkRepository(session).select_only(item_id, kind, image_id)
        if ARTWORK_FIELD not in item.locked_fields:
            item.set_locked_fields(sorted([*item.locked_fields, ARTWORK_FIELD]))
            await items.save()
        return ItemRef.of(item)

    async def _chosen(self, item_id: int, kind: ImageKind, image_id: int) -> ImageChoice:
        async with self.database.read() as session:
            rows = await ArtworkRepository(session).of_item(item_id, kind)
        row = next(r for r in rows if r.id == image_id)
        return _stored_choice(row, None)


def _check_kind(kind: ImageKind) -> None:
    if kind not in CHOOSABLE_KINDS:
        allowed = ", ".join(k.value for k in CHOOSABLE_KINDS)
        raise InvalidInputError(f"no image of kind {kind} is chosen here ({allowed})", field="kind")


def _find_row(rows: list[Image], image_id: int | None, url: str | None) -> Image | None:
    """The stored row named by id (which must be one of the item's of this kind), or the one
    a provider offered at `url`."""
    if image_id is not None:
        row = next((r for r in rows if r.id == image_id), None)
        if row is None:
            raise NotFoundError(f"image {image_id} is not one of this item's of this kind")
        return row
    ours = (UPLOAD_PROVIDER, LOCAL_PROVIDER)
    return next((r for r in rows if r.provider_path == url and r.provider not in ours), None)


def _combined(kind: ImageKind, rows: list[Image], offered: list[OfferedImage]) -> list[ImageChoice]:
    by_url = {o.url: o for o in offered}
    # Readers serve the first selected row (a local one before the provider's): that one is
    # in use, another selected one only stands behind it.
    in_use = next((r.id for r in rows if r.selected), None)
    stored = [
        replace(_stored_choice(r, by_url.get(r.provider_path)), selected=r.id == in_use)
        for r in rows
    ]
    known = {r.provider_path for r in rows}
    extra = [
        ImageChoice(
            kind=kind,
            source=o.provider,
            image_id=None,
            url=o.url,
            language=o.language,
            width=o.width or None,
            height=o.height or None,
            score=o.score,
            selected=False,
            sizes=dict(o.sizes),
        )
        for o in offered
        if o.url not in known
    ]
    return sorted(stored, key=lambda c: not c.selected) + extra


def _stored_choice(row: Image, offered: OfferedImage | None) -> ImageChoice:
    remote = row.provider not in (UPLOAD_PROVIDER, LOCAL_PROVIDER)
    sizes = offered.sizes if offered is not None else {}
    language = row.language or (offered.language if offered is not None else None)
    return ImageChoice(
        kind=ImageKind(row.kind),
        source=offered.provider if offered is not None else row.provider,
        image_id=row.id,
        url=row.provider_path if remote else None,
        language=language,
        width=row.width,
        height=row.height,
        score=row.score,
        selected=row.selected,
        sizes=dict(sizes),
    )


def _input(kind: ImageKind, offered: OfferedImage) -> ImageInput:
    """The row of an offered image, under the provenance a refresh gives it (one row, not
    two, when a refresh offers it again)."""
    return ImageInput(
        kind=kind,
        provider=image_source(offered.url),
        url=offered.url,
        language=offered.language,
        width=offered.width,
        height=offered.height,
        score=offered.score,
    )


def _nearest_size(sizes: Mapping[str, str], width: int) -> str | None:
    """The URL of the narrowest `wN` size at least `width` wide (None: only the original)."""
    widths = sorted(
        (int(name[1:]), url)
        for name, url in sizes.items()
        if name[:1] == "w" and name[1:].isdigit()
    )
    return next((url for w, url in widths if w >= width), None)
