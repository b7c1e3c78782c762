"""`catalogue.artwork`: store the artwork found beside the library's media (`local_artwork`),
then download the artwork chosen for its items and the people credited in them into the image
store, a bounded number at a time, each image once; then, for a library that writes back, queue
its write-back (`writeback`).

Image hosts misbehave, so each image is an item of its own (house rule 10):

- A downloaded image is recorded at once: its rows, the job's progress and checkpoint, in one
  transaction, before the next image is recorded. An attempt that ends half way (a crash, a
  full disk, a cancel) loses no finished image, repeats none, and counts each once.
- An image that cannot be had — a 404, a body that is no image, a host that still fails after
  its retries, whose `Retry-After` is too long, or whose circuit breaker is open (retries and
  breakers: `infra.images.fetch`) — is recorded against the job with its reason, and the others
  go on. It never fails the job; the next run of the job tries it again.
- Only what would fail every image alike (a full disk, the database) ends the attempt; the
  job's next attempt goes on from its checkpoint.

Images are taken in id order, a round of `images.download_batch` at a time. The checkpoint is the
id up to which every image is finished (`after`) and the ids beyond it that failed (`failed`):
with downloads finishing out of order, that is what a resumed attempt needs to try each
unfinished image once and count each finished one once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reelhouse.config import ImagesSettings
from reelhouse.content.catalogue.artwork import (
    ArtworkRepository,
    PendingImage,
    StoredCopy,
)
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.errors import RateLimitedError, UpstreamUnavailableError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.context import JobContext, is_job_level
from reelhouse.infra.jobs.fanout import for_each, id_arg, library_key
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.ingest.local_artwork import LocalArtwork
from reelhouse.ingest.writeback.job import enqueue_write_back
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.libraries.repository import LibraryRepository

ARTWORK_KIND = "catalogue.artwork"


async def enqueue_artwork(queue: JobQueue, library_id: int) -> Enqueued:
    return await queue.enqueue_follow_up(
        ARTWORK_KIND, {"library_id": library_id}, key=library_key(library_id)
    )


def is_image_failure(exc: Exception) -> bool:
    """Whether `exc`, raised while fetching one image, is that image's failure. An image host
    that is down or pacing us is one host's trouble, not the job's (unlike a metadata
    provider's, see `is_job_level`): its images fail, the others go on."""
    return isinstance(exc, (UpstreamUnavailableError, RateLimitedError)) or not is_job_level(exc)


@dataclass
class RoundProgress:
    """How far the images of one round are finished, as a checkpoint says it: `after`, the id
    up to which every image is finished, and `failed`, the failed ids beyond it. A resumed
    attempt tries exactly the images after `after` that are neither stored nor in `failed`."""

    #: The round's image ids, ascending.
    ids: Sequence[int]
    #: Every image up to this id was finished before the round.
    after: int
    #: Failed images (carried over from the checkpoint, or failed in this round).
    failed: set[int]
    finished: set[int] = field(default_factory=set)
    #: `ids[:_prefix]` are all finished.
    _prefix: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.finished |= self.failed & set(self.ids)
        self._advance()

    def finish(self, ids: Sequence[int], *, failed: bool) -> None:
        self.finished.update(ids)
        if failed:
            self.failed.update(ids)
        self._advance()

    def checkpoint(self) -> dict[str, Any]:
        after = self.watermark
        return {"after": after, "failed": sorted(i for i in self.failed if i > after)}

    @property
    def watermark(self) -> int:
        return self.ids[self._prefix - 1] if self._prefix else self.after

    def _advance(self) -> None:
        while self._prefix < len(self.ids) and self.ids[self._prefix] in self.finished:
            self._prefix += 1


@dataclass(frozen=True)
class ArtworkDownloads:
    database: Database
    invalidation: CatalogueInvalidation
    images: ImageStore
    settings: ImagesSettings
    #: Where the write-back that follows the artwork of a library that asks for it is queued.
    queue: JobQueue

    def register(self, registry: JobRegistry) -> None:
        registry.register(ARTWORK_KIND, self.download_artwork)

    async def download_artwork(self, ctx: JobContext) -> None:
        library_id = id_arg(ctx.args, "library_id")
        local = LocalArtwork(self.database, self.invalidation, self.images, self.settings)
        await local.sync(ctx, library_id)
        saved = ctx.checkpoint or {}
        after = int(saved.get("after", 0))
        skip = {int(i) for i in saved.get("failed", [])}
        async with self.database.read() as session:
            left = await ArtworkRepository(session).count_pending(library_id, after, skip=skip)
        ctx.progress.set_total(ctx.progress.done + left)
        while True:
            async with self.database.read() as session:
                artwork = ArtworkRepository(session)
                batch = await artwork.pending(
                    library_id, after, self.settings.download_batch, skip=skip
                )
                by_url: dict[str, list[PendingImage]] = {}
                for image in batch:
                    by_url.setdefault(image.url, []).append(image)
                copies = await artwork.downloaded_copies(list(by_url))
            if not batch:
                break
            # Rows that became pending while the job ran are counted when they are met.
            ctx.progress.set_total(max(ctx.progress.total or 0, ctx.progress.done + len(batch)))
            last = batch[-1].id
            ids = sorted([i.id for i in batch] + [i for i in skip if i < last])
            round_progress = RoundProgress(ids, after, set(skip))
            await self._round(ctx, library_id, round_progress, list(by_url.values()), copies)
            checkpoint = round_progress.checkpoint()
            after, skip = checkpoint["after"], set(checkpoint["failed"])
        ctx.progress.set_total(ctx.progress.done)  # rows a concurrent writer took away
        await local.select(library_id)
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
        if WriteBackOptions.of(library.settings).writes_anything:
            await enqueue_write_back(self.queue, library_id)

    async def _round(
        self,
        ctx: JobContext,
        library_id: int,
        round_progress: RoundProgress,
        groups: Sequence[list[PendingImage]],
        copies: Mapping[str, StoredCopy],
    ) -> None:
        """Fetch the round's images, many at once, and record each as it comes, one at a time.

        Only this task writes: a fetch is cancelled when another fails the attempt (or the job
        is cancelled), a write half way never is; the images fetched by then are recorded
        before the attempt ends."""
        fetched: asyncio.Queue[_Fetched | None] = asyncio.Queue()

        async def fetch(images: list[PendingImage]) -> None:
            ctx.check_cancelled()
            fetched.put_nowait(_Fetched(images, await self._fetch(ctx, images[0].url, copies)))

        async def fetch_all() -> None:
            try:
                await for_each(groups, self.settings.download_concurrency, fetch)
            finally:
                fetched.put_nowait(None)

        fetching = asyncio.create_task(fetch_all())
        try:
            while (done := await fetched.get()) is not None:
                await self._record(ctx, library_id, round_progress, done)
            await fetching  # its error, if any, once what it fetched is recorded
        finally:
            if not fetching.done():
                fetching.cancel()
                await asyncio.gather(fetching, return_exceptions=True)

    async def _fetch(
        self, ctx: JobContext, url: str, copies: Mapping[str, StoredCopy]
    ) -> StoredCopy | Exception:
        """The stored copy of `url`, fetched unless another row's download already stored it
        (then no request), or why the image cannot be had."""
        copy = copies.get(url)
        if copy is not None:
            return copy
        ctx.progress.set_current(url)
        try:
            stored = await self.images.fetch(url)
        except Exception as exc:
            if not is_image_failure(exc):
                raise
            return exc  # recorded against the image, not swallowed
        return StoredCopy(stored.path, stored.width, stored.height, stored.blurhash)

    async def _record(
        self, ctx: JobContext, library_id: int, round_progress: RoundProgress, done: _Fetched
    ) -> None:
        """One URL's outcome for every row that shows it: the rows, the count and the
        checkpoint in one transaction."""
        images, url, outcome = done.images, done.images[0].url, done.outcome
        ids = [image.id for image in images]
        ctx.progress.set_current(url)
        if isinstance(outcome, Exception):
            for _ in images:
                ctx.item_failed(url, outcome)
            round_progress.finish(ids, failed=True)
            await ctx.save_checkpoint(round_progress.checkpoint())
            return
        round_progress.finish(ids, failed=False)
        async with ctx.transaction(round_progress.checkpoint(), count=len(images)) as session:
            await ArtworkRepository(session).downloaded(ids, outcome)
        await self._invalidate(library_id, images)
        ctx.check_cancelled()

    async def _invalidate(self, library_id: int, images: Sequence[PendingImage]) -> None:
        await self.invalidation.items_changed(
            ItemRef(i.item_id, library_id) for i in images if i.item_id is not None
        )
        people = {i.person_id for i in images if i.person_id is not None}
        if people:
            await self.invalidation.people_changed(people)


@dataclass(frozen=True, slots=True)
class _Fetched:
    """The rows of one URL, and its stored copy or why there is none."""

    images: list[PendingImage]
    outcome: StoredCopy | Exception
