"""`media.probe` (one per library, after its enrichment): attach external subtitles to their
videos, then probe every video file whose stored probe is missing or older than the file.

A file is probed again only when its size, mtime or inode changed, so the job run twice probes
nothing the second time, and a job stopped half-way finds only what is left. A file ffprobe
cannot read keeps its item: the reason is stored as its probe (and recorded on the job), and
the job goes on. Items the providers left without a runtime take it from their files.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass

from reelhouse.config import MediaSettings
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation
from reelhouse.content.enrichment import UnlinkedFile
from reelhouse.errors import (
    InvalidInputError,
    NotFoundError,
    ProgramError,
    ProgramUnavailableError,
)
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.fanout import id_arg, library_key
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.logging import get_logger
from reelhouse.infra.media.ffprobe import Prober
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.ingest.units import group_files
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.playback.repository import (
    ProbeOutcome,
    ProbeRepository,
    ProbeTarget,
    SubtitleLinkRepository,
)

PROBE_KIND = "media.probe"
log = get_logger(__name__)


async def enqueue_probe(queue: JobQueue, library_id: int) -> Enqueued:
    return await queue.enqueue_follow_up(
        PROBE_KIND, {"library_id": library_id}, key=library_key(library_id)
    )


@dataclass(frozen=True)
class MediaProbing:
    database: Database
    prober: Prober
    invalidation: CatalogueInvalidation
    settings: MediaSettings

    def register(self, registry: JobRegistry) -> None:
        registry.register(PROBE_KIND, self.probe_library)

    async def probe_library(self, ctx: JobContext) -> None:
        library_id = id_arg(ctx.args, "library_id")
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
            roots = [p.path for p in library.paths]
        await self._attach_subtitles(library_id, roots)
        if not self.prober.available:
            log.warning("ffprobe not found: media files are not probed", library_id=library_id)
            return
        async with self.database.read() as session:
            ctx.progress.set_total(
                ctx.progress.done + await ProbeRepository(session).count_unprobed(library_id)
            )
        after = 0
        while True:
            ctx.check_cancelled()
            async with self.database.read() as session:
                targets = await ProbeRepository(session).unprobed(
                    library_id, after_id=after, limit=self.settings.probe_batch
                )
            if not targets:
                break
            outcomes = await asyncio.gather(*(self._probe(ctx, target) for target in targets))
            async with self.database.transaction() as session:
                await ProbeRepository(session).save([o for o in outcomes if o is not None])
                refs = await MediaLinkRepository(session).refs_of_files([t.id for t in targets])
            await self.invalidation.items_changed(refs)
            after = targets[-1].id
            await ctx.save_checkpoint({"after": after})
        async with self.database.transaction() as session:
            filled = await ProbeRepository(session).fill_runtimes(library_id)
        await self.invalidation.items_changed(filled)

    async def _probe(self, ctx: JobContext, target: ProbeTarget) -> ProbeOutcome | None:
        """One file's outcome; None when there is nothing to store (the file vanished since
        the scan: the next scan marks it missing). A missing ffprobe fails the job, so that no
        file is marked unreadable for it."""
        try:
            facts = await self.prober.probe(os.fsdecode(target.path_bytes))
        except ProgramUnavailableError:
            raise
        except NotFoundError as exc:
            ctx.item_failed(target.path, str(exc))
            return None
        except (ProgramError, InvalidInputError) as exc:
            ctx.item_failed(target.path, str(exc))
            return ProbeOutcome(target, error=str(exc))
        ctx.progress.advance(outcome="probed", current=target.path)
        return ProbeOutcome(target, facts=facts)

    async def _attach_subtitles(self, library_id: int, roots: Sequence[str]) -> None:
        """Subtitle files that belong to no video yet join the one their name and folder say
        (the grouping `reelhouse identify --group` shows); the items showing them change."""
        async with self.database.read() as session:
            links = SubtitleLinkRepository(session)
            subtitles = await links.unattached(library_id)
            if not subtitles:
                return
            videos = await links.videos_in(library_id, _candidate_folders(subtitles))
        grouped = group_files((*videos, *subtitles), roots)
        attached = [
            (grouped.file(subtitle).id, grouped.file(item.video_of(subtitle)).id)
            for item in grouped.grouping.items
            for subtitle in item.subtitles
        ]
        if not attached:
            return
        async with self.database.transaction() as session:
            await SubtitleLinkRepository(session).attach(attached)
            refs = await MediaLinkRepository(session).refs_of_files([v for _, v in attached])
        await self.invalidation.items_changed(refs)


def _candidate_folders(subtitles: list[UnlinkedFile]) -> set[str]:
    """Where the videos of these subtitles may lie: their own folder, and the one or two above
    (a release's `Subs/` or `Subs/<video name>/`)."""
    folders: set[str] = set()
    for subtitle in subtitles:
        folder = subtitle.path.rpartition("/")[0]
        for _ in range(3):
            if not folder:
                break
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders
