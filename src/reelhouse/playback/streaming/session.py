"""One client's HLS session of one file: its folder of finished segments and at most one ffmpeg
making more.

A request for segment k is answered from the folder when k is made; waits for the running
encoder when k is at most `restart_distance` past what it makes next; otherwise (a seek, or no
encoder) ffmpeg starts again from k, so a seek plays at once. The encoder is paused while it is
more than `segments_ahead` past the player, and resumed as the player nears. An ffmpeg that
fails is restarted `max_restarts` times; then every request gets the failure.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reelhouse.config import MediaSettings, StreamingSettings
from reelhouse.errors import NotFoundError, ProgramFailedError, UpstreamUnavailableError
from reelhouse.infra.logging import get_logger
from reelhouse.infra.media.encoder import Encoder, start_encoder
from reelhouse.infra.media.hls import SEGMENT_SUFFIX, HlsJob, hls_argv, segment_number
from reelhouse.kinds import ItemKind
from reelhouse.playback.decision import Mode
from reelhouse.playback.streaming.metrics import StreamingMetrics
from reelhouse.playback.streaming.segments import SegmentMap

log = get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionOwner:
    """Who a session is for and what it plays."""

    user_id: int
    item_id: int
    item_kind: ItemKind
    item_title: str
    file_id: int
    mode: Mode


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionPlaylists:
    """A session's playlists, fixed when it opens."""

    master: str
    media: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStatus:
    """A session as the admin page and the metrics see it."""

    id: str
    user_id: int
    item_id: int
    item_kind: ItemKind
    item_title: str
    file_id: int
    mode: Mode
    #: Where the player is: the start of the last segment it fetched.
    position_s: float
    duration_s: float
    #: ffmpeg's last reported speed (times real time); None without a running encoder.
    speed: float | None
    encoding: bool
    paused: bool
    segments_made: int
    bytes: int
    error: str | None
    idle_s: float


class StreamSession:
    def __init__(
        self,
        session_id: str,
        owner: SessionOwner,
        job: HlsJob,
        segments: SegmentMap,
        playlists: SessionPlaylists,
        folder: Path,
        *,
        media: MediaSettings,
        settings: StreamingSettings,
        metrics: StreamingMetrics,
        on_bytes: Callable[[int], None],
    ) -> None:
        self.id = session_id
        self.owner = owner
        self.job = job
        self.segments = segments
        self.playlists = playlists
        self.folder = folder
        self.media = media
        self.settings = settings
        self.metrics = metrics
        self._on_bytes = on_bytes
        #: Finished segments and their sizes, in the order they were made.
        self.made: dict[int, int] = {}
        self.last_fetched = 0
        self.last_access = time.monotonic()
        self.failures = 0
        self.error: str | None = None
        self._encoder: Encoder | None = None
        self._encoder_next = 0
        self._changed = asyncio.Event()
        self._restart_lock = asyncio.Lock()
        self._closed = False

    def touch(self) -> None:
        self.last_access = time.monotonic()

    def idle_s(self) -> float:
        return time.monotonic() - self.last_access

    def path(self, number: int) -> Path:
        return self.folder / f"{number:05d}{SEGMENT_SUFFIX}"

    async def segment(self, number: int) -> Path:
        """Segment `number`'s file, made now if need be. `NotFoundError` past the end,
        `ProgramFailedError` once ffmpeg failed for good, `UpstreamUnavailableError` when it
        is not made within `segment_wait_s`."""
        if not 0 <= number < self.segments.count:
            raise NotFoundError(f"session {self.id} has no segment {number}")
        self.touch()
        self.last_fetched = number
        self._on_bytes(0)  # what the player has now passed may go, if the folder is over budget
        deadline = time.monotonic() + self.settings.segment_wait_s
        while number not in self.made:
            if self.error is not None:
                raise ProgramFailedError("ffmpeg", self.error)
            if self._closed:
                raise NotFoundError(f"session {self.id} has ended")
            changed = self._changed
            async with self._restart_lock:
                if number not in self.made and not self._serving(number):
                    await self._start(number)
            self._pace()
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await changed.wait()
            except TimeoutError:
                raise UpstreamUnavailableError(
                    f"segment {number} was not ready within {self.settings.segment_wait_s:g} s",
                    retry_after_s=self.settings.segment_s,
                ) from None
        self._pace()
        return self.path(number)

    def status(self) -> SessionStatus:
        encoder = self._encoder
        running = encoder is not None and encoder.running
        return SessionStatus(
            id=self.id,
            user_id=self.owner.user_id,
            item_id=self.owner.item_id,
            item_kind=self.owner.item_kind,
            item_title=self.owner.item_title,
            file_id=self.owner.file_id,
            mode=self.owner.mode,
            position_s=self.segments.cuts[self.last_fetched],
            duration_s=self.segments.duration_s,
            speed=encoder.progress.speed if running and encoder is not None else None,
            encoding=running,
            paused=running and encoder is not None and encoder.paused,
            segments_made=len(self.made),
            bytes=sum(self.made.values()),
            error=self.error,
            idle_s=self.idle_s(),
        )

    def forget(self, number: int) -> int:
        """Delete made segment `number` (the folder is over its budget); its bytes."""
        size = self.made.pop(number, 0)
        self.path(number).unlink(missing_ok=True)
        return size

    async def close(self) -> None:
        """Stop the encoder (reaped before this returns); the folder is the owner's to remove."""
        self._closed = True
        if self._encoder is not None:
            await self._encoder.stop(self.settings.stop_grace_s)
        self._notify()

    def _serving(self, number: int) -> bool:
        """Whether the running encoder will make `number` soon (one before what it makes next
        was made and deleted since, or never made by it: it needs a restart)."""
        encoder = self._encoder
        if encoder is None or not encoder.running:
            return False
        return self._encoder_next <= number <= self._encoder_next + self.settings.restart_distance

    def _pace(self) -> None:
        encoder = self._encoder
        if encoder is None or not encoder.running:
            return
        ahead = self._encoder_next - self.last_fetched
        if ahead > self.settings.segments_ahead:
            encoder.pause()
        elif encoder.paused and ahead <= self.settings.segments_ahead // 2:
            encoder.resume()

    async def _start(self, number: int) -> None:
        if self._encoder is not None:
            await self._encoder.stop(self.settings.stop_grace_s)
        argv = hls_argv(self.media.ffmpeg_path, self.job, self.segments.cuts, number, self.folder)
        self._encoder_next = number
        encoder: Encoder | None = None

        def exited(returncode: int) -> None:
            assert encoder is not None  # noqa: S101 - set before ffmpeg can exit
            self._exited(encoder, returncode)

        encoder = await start_encoder(
            argv,
            niceness=self.media.process_niceness,
            on_segment=self._made,
            on_exit=exited,
        )
        self._encoder = encoder
        log.info(
            "encoder started",
            session_id=self.id,
            mode=self.owner.mode.value,
            segment=number,
            pid=encoder.pid,
        )

    def _made(self, name: str) -> None:
        number = segment_number(name)
        if self._encoder is not None and self._encoder.stopping:
            # Stopped, ffmpeg closes the segment it was writing and lists it: a cut-short one.
            if number is not None:
                self.path(number).unlink(missing_ok=True)
            return
        if number is None or not 0 <= number < self.segments.count:
            log.warning("ffmpeg listed an unexpected segment", session_id=self.id, name=name)
            return
        try:
            size = os.stat(self.path(number)).st_size
        except OSError:
            return  # removed by the end of the session meanwhile
        previous = self.made.pop(number, 0)
        self.made[number] = size
        self._encoder_next = number + 1
        self.metrics.segments.labels(self.owner.mode.value).inc()
        self._on_bytes(size - previous)
        encoder = self._encoder
        if encoder is not None and encoder.progress.speed is not None:
            self.metrics.speed.labels(self.owner.mode.value).observe(encoder.progress.speed)
        self._pace()
        self._notify()

    def _exited(self, encoder: Encoder, returncode: int) -> None:
        stopped = self._closed or encoder is not self._encoder or encoder.stopping
        if returncode != 0 and not stopped:
            self._failed(f"exited with {returncode}: {encoder.error_text() or 'no message'}")
        elif returncode == 0 and self._encoder_next < self.segments.count:
            self._failed(f"ended before segment {self._encoder_next} of {self.segments.count}")
        self._notify()

    def _failed(self, reason: str) -> None:
        self.failures += 1
        self.metrics.failures.labels(self.owner.mode.value).inc()
        log.error(
            "ffmpeg failed",
            session_id=self.id,
            item_id=self.owner.item_id,
            item_kind=self.owner.item_kind,
            item_title=self.owner.item_title,
            file_id=self.owner.file_id,
            failures=self.failures,
            reason=reason,
        )
        if self.failures > self.settings.max_restarts:
            self.error = reason

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
