"""`catalogue.artwork`: download the artwork chosen for a library's items and the people credited
in them into the image store, a bounded number at a time, each image once.

Images are taken in id order from a checkpoint, so a resumed job goes on where it stopped and a
failed image (recorded against the job) is tried again by the next run, not in a loop.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from reelhouse.config import ImagesSettings
from reelhouse.content.catalogue.artwork import (
    ArtworkRepository,
    PendingImage,
    StoredCopy,
)
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.fanout import for_each, id_arg, library_key
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.registry import JobRegistry

ARTWORK_KIND = "catalogue.artwork"


async def enqueue_artwork(queue: JobQueue, library_id: int) -> Enqueued:
    return await queue.enqueue_follow_up(
        ARTWORK_KIND, {"library_id": library_id}, key=library_key(library_id)
    )


@dataclass(frozen=True)
class ArtworkDownloads:
    database: Database
    invalidation: CatalogueInvalidation
    images: ImageStore
    settings: ImagesSettings

    def register(self, registry: JobRegistry) -> None:
        registry.register(ARTWORK_KIND, self.download_artwork)

    async def download_artwork(self, ctx: JobContext) -> None:
        library_id = id_arg(ctx.args, "library_id")
        after = int((ctx.checkpoint or {}).get("after", 0))
        while True:
            async with self.database.read() as session:
                artwork = ArtworkRepository(session)
                batch = await artwork.pending(library_id, after, self.settings.download_batch)
                by_url: dict[str, list[PendingImage]] = {}
                for image in batch:
                    by_url.setdefault(image.url, []).append(image)
                copies = await artwork.downloaded_copies(list(by_url))
            if not batch:
                return
            ctx.progress.add_total(len(by_url))
            done: list[tuple[list[PendingImage], StoredCopy]] = []
            download = functools.partial(self._download, ctx, done, copies)
            await for_each(by_url.values(), self.settings.download_concurrency, download)
            # One transaction for the page: SQLite has one writer, and a crash before it costs
            # only requests (the files are content-addressed, written once).
            async with self.database.transaction() as session:
                artwork = ArtworkRepository(session)
                for images, copy in done:
                    await artwork.downloaded([i.id for i in images], copy)
            stored = [image for images, _ in done for image in images]
            await self.invalidation.items_changed(
                ItemRef(i.item_id, library_id) for i in stored if i.item_id is not None
            )
            people = {i.person_id for i in stored if i.person_id is not None}
            if people:
                await self.invalidation.people_changed(people)
            after = batch[-1].id
            await ctx.save_checkpoint({"after": after})

    async def _download(
        self,
        ctx: JobContext,
        done: list[tuple[list[PendingImage], StoredCopy]],
        copies: Mapping[str, StoredCopy],
        images: list[PendingImage],
    ) -> None:
        """One URL, fetched once however many items and people show it (an image already
        stored for another row is reused without a request)."""
        url = images[0].url
        with ctx.item(url):
            copy = copies.get(url)
            if copy is None:
                stored = await self.images.fetch(url)
                copy = StoredCopy(stored.path, stored.width, stored.height, stored.blurhash)
            done.append((images, copy))
