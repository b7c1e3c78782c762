"""Artwork curated beside the media (Kodi, Jellyfin, Plex names: `artwork_names`), the first step
of `catalogue.artwork`, which runs after every scan's enrichment.

Each pass looks, for every live item of the library, where its conventions say (a movie's folder
only when it holds that one movie, the series folder, a season's folder, beside each video),
and compares what it finds with what it stored before by path, size and modification time: a
new or changed file is read and stored through the image store (the same resized copies,
placeholder and ETag as a download), a file gone takes its stored image with it, and the
provider's choice is served again. A watched folder's change is a targeted scan, and so a pass.

Library files are untrusted (house rule 11): only regular files inside the library's roots, up
to `images.local_max_bytes`, decoded under `images.max_pixels`. A file that fails is reported
against the job and left out (its item keeps the provider's image); the others go on. A folder
that cannot be listed keeps what was stored from it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reelhouse.config import ImagesSettings
from reelhouse.content.catalogue.artwork import (
    ArtworkRepository,
    LocalSource,
    StoredCopy,
)
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.models import ImageKind
from reelhouse.errors import InvalidInputError, NotFoundError, UpstreamResponseError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.fanout import for_each
from reelhouse.infra.logging import get_logger
from reelhouse.ingest.artwork_names import Owner, Place, match
from reelhouse.ingest.links import ItemFile, MediaLinkRepository
from reelhouse.ingest.units import owner_folder
from reelhouse.kinds import ItemKind
from reelhouse.libraries.reading import read_library_file
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.libraries.roots import owning_root

log = get_logger(__name__)

#: The per-library setting (in `libraries.settings`): local images win over the provider's of
#: the same kind (default), or only stand in where the provider has none.
PREFER_LOCAL_SETTING = "prefer_local_artwork"

#: What a local image that cannot be had is (skipped and reported, never the job's failure).
BAD_IMAGE_ERRORS = (InvalidInputError, NotFoundError, UpstreamResponseError)


def prefers_local(settings: Mapping[str, Any]) -> bool:
    return settings.get(PREFER_LOCAL_SETTING, True) is not False


@dataclass(frozen=True, slots=True)
class Look:
    """A place to look for an item's images."""

    item_id: int
    owner: Owner
    place: Place
    folder: str
    stem: str | None = None
    season: int | None = None


@dataclass
class Found:
    """The best local image of each item and kind, and the folders that could not be listed."""

    images: dict[tuple[int, ImageKind], LocalSource] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)


def looks_of(files: Iterable[ItemFile], roots: Sequence[str]) -> list[Look]:
    """Where to look for the images of the items holding these files."""
    top = {root.rstrip("/") for root in roots}
    looks: list[Look] = []
    movies_in: dict[str, set[int]] = {}
    seasons_in: dict[str, set[int]] = {}
    series_folder: dict[int, str] = {}
    season_of: dict[int, tuple[int, int | None]] = {}  # season -> series, number
    for held in files:
        folder, name = os.path.split(held.file.path)
        stem = os.path.splitext(name)[0]
        if held.kind is ItemKind.MOVIE:
            looks.append(Look(held.item_id, Owner.MOVIE, Place.BESIDE, folder, stem))
            movies_in.setdefault(folder, set()).add(held.item_id)
        elif held.kind is ItemKind.EPISODE:
            looks.append(Look(held.item_id, Owner.EPISODE, Place.BESIDE, folder, stem))
            owner = owner_folder(held.file, roots)
            if held.series_id is None or owner is None:
                continue
            series_folder.setdefault(held.series_id, owner)
            if held.season_id is not None:
                season_of[held.season_id] = (held.series_id, held.season_number)
                seasons_in.setdefault(folder, set()).add(held.season_id)
    for folder, movies in movies_in.items():
        if len(movies) == 1 and folder not in top:  # a folder of many films is none's
            looks.append(Look(movies.pop(), Owner.MOVIE, Place.FOLDER, folder))
    looks += (Look(i, Owner.SERIES, Place.FOLDER, f) for i, f in series_folder.items())
    for season_id, (series_id, number) in season_of.items():
        if number is not None:
            where = series_folder[series_id]
            looks.append(Look(season_id, Owner.SEASON, Place.SERIES_FOLDER, where, season=number))
    for folder, seasons in seasons_in.items():
        season_id = next(iter(seasons))
        series_id = season_of[season_id][0]
        below_series = folder.startswith(series_folder[series_id].rstrip("/") + "/")
        if len(seasons) == 1 and below_series:
            looks.append(Look(season_id, Owner.SEASON, Place.FOLDER, folder))
    return looks


def find_local(looks: Sequence[Look]) -> Found:
    """The best image of each item and kind where `looks` say, each folder listed once; with
    the size and time of each file. Blocking."""
    names: dict[str, list[str] | None] = {}
    best: dict[tuple[int, ImageKind], tuple[tuple[int, int], str]] = {}
    found = Found()
    for look in looks:
        if look.folder not in names:
            try:
                names[look.folder] = sorted(_file_names(look.folder))
            except OSError as exc:
                log.warning("folder not listed for artwork", folder=look.folder, error=str(exc))
                names[look.folder] = None
                found.unread.add(look.folder)
        for name in names[look.folder] or ():
            hit = match(look.owner, look.place, name, stem=look.stem, season=look.season)
            if hit is None:
                continue
            key = (look.item_id, hit.kind)
            if key not in best or hit.rank < best[key][0]:
                best[key] = (hit.rank, os.path.join(look.folder, name))
    for key, (_, path) in best.items():
        try:
            info = os.stat(path)
        except OSError:
            continue  # gone since the listing: as if never seen
        found.images[key] = LocalSource(path, info.st_size, info.st_mtime_ns)
    return found


def _file_names(folder: str) -> list[str]:
    with os.scandir(folder) as entries:
        return [entry.name for entry in entries if not entry.is_dir()]


@dataclass(frozen=True)
class LocalArtwork:
    database: Database
    invalidation: CatalogueInvalidation
    images: ImageStore
    settings: ImagesSettings

    async def sync(self, ctx: JobContext, library_id: int) -> None:
        """Bring the library's stored local images in line with its folders (see the module)."""
        async with self.database.read() as session:
            libraries = LibraryRepository(session)
            prefer = prefers_local((await libraries.get(library_id)).settings)
            # An item's files may lie in another library's folders (a series in "TV" and
            # "Anime"): each file is read under the roots of its own.
            roots = [p.path for library in await libraries.list() for p in library.paths]
            files = await MediaLinkRepository(session).library_item_files(library_id)
            before = await ArtworkRepository(session).local_images(library_id)
        found = await asyncio.to_thread(find_local, looks_of(files, roots))
        stored = {(image.item_id, image.kind): image for image in before}
        changed = [
            (key, source)
            for key, source in found.images.items()
            if key not in stored or stored[key].source != source
        ]
        gone = [
            image
            for key, image in stored.items()
            if key not in found.images and os.path.dirname(image.source.path) not in found.unread
        ]
        ctx.progress.add_total(len(changed))
        writing = asyncio.Lock()
        touched: set[int] = {image.item_id for image in gone}

        async def one(entry: tuple[tuple[int, ImageKind], LocalSource]) -> None:
            (item_id, kind), source = entry
            ctx.check_cancelled()
            ctx.progress.set_current(source.path)
            copy = await self._read(ctx, item_id, source, roots)
            async with writing:
                if copy is None:
                    if (item_id, kind) in stored:  # changed into a bad file: it goes
                        gone.append(stored[item_id, kind])
                        touched.add(item_id)
                    return
                async with ctx.transaction(ctx.checkpoint, count=1) as session:
                    await ArtworkRepository(session).keep_local(item_id, kind, source, copy)
                touched.add(item_id)

        await for_each(changed, self.settings.download_concurrency, one)
        async with self.database.transaction() as session:
            await ArtworkRepository(session).drop_local([image.id for image in gone])
        await self.select(library_id, prefer_local=prefer, changed=touched)

    async def select(
        self, library_id: int, *, prefer_local: bool | None = None, changed: Iterable[int] = ()
    ) -> None:
        """Select the local images that win now (again after the provider's downloads, which
        may take a stand-in's place), and invalidate the items whose images changed."""
        async with self.database.transaction() as session:
            if prefer_local is None:
                library = await LibraryRepository(session).get(library_id)
                prefer_local = prefers_local(library.settings)
            touched = set(changed)
            artwork = ArtworkRepository(session)
            touched.update(await artwork.select_local(library_id, prefer_local=prefer_local))
        await self.invalidation.items_changed(ItemRef(i, library_id) for i in sorted(touched))

    async def _read(
        self, ctx: JobContext, item_id: int, source: LocalSource, roots: Sequence[str]
    ) -> StoredCopy | None:
        """The stored copy of a local image, or None when it is no usable image (reported)."""
        root = owning_root(source.path, roots)
        try:
            body = await asyncio.to_thread(
                read_library_file,
                source.path,
                self.settings.local_max_bytes,
                what="local image",
                roots=[root] if root is not None else [],
            )
            image = await self.images.add(body, source.path)
        except BAD_IMAGE_ERRORS as exc:
            log.warning("local image skipped", item_id=item_id, path=source.path, error=str(exc))
            ctx.item_failed(source.path, exc)
            return None
        return StoredCopy(image.path, image.width, image.height, image.blurhash)
