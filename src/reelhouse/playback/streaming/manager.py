"""The HLS sessions of this process: capped in number overall and per user, ended when idle,
their segments kept within a byte budget, and their folders removed (house rule 12).

Each process writes under a folder of its own in the transcode folder, locked (`flock`) while
the process lives: several processes on one machine share the transcode folder, and each,
when it opens its own, removes the folders whose lock nobody holds — those of processes that
died without cleaning up. Sessions live in the process that made them (a load balancer in front
of several processes must keep a client on one; see docs).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import secrets
import shutil
from pathlib import Path

from reelhouse.config import MediaSettings, Settings, StreamingSettings
from reelhouse.errors import BusyError, NotFoundError
from reelhouse.infra.logging import get_logger
from reelhouse.infra.media.hls import HlsJob
from reelhouse.playback.streaming.metrics import StreamingMetrics
from reelhouse.playback.streaming.segments import SegmentMap
from reelhouse.playback.streaming.session import (
    SessionOwner,
    SessionPlaylists,
    SessionStatus,
    StreamSession,
)

log = get_logger(__name__)

_LOCK_NAME = ".lock"
#: The folders processes make in the transcode folder; nothing else there is ever removed.
_PROCESS_FOLDER = re.compile(r"[0-9]+-[A-Za-z0-9_-]{8}")


class SessionManager:
    def __init__(
        self,
        root: Path,
        media: MediaSettings,
        settings: StreamingSettings,
        metrics: StreamingMetrics,
    ) -> None:
        self.root = root
        self.media = media
        self.settings = settings
        self.metrics = metrics
        self.bytes = 0
        self._sessions: dict[str, StreamSession] = {}
        self._lock = asyncio.Lock()
        self._folder: Path | None = None
        self._lock_fd: int | None = None
        self._reaper: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, metrics: StreamingMetrics) -> SessionManager:
        root = Path(settings.streaming.folder) if settings.streaming.folder else None
        return cls(
            root or settings.data_dir / "transcodes", settings.media, settings.streaming, metrics
        )

    async def open(
        self,
        owner: SessionOwner,
        job: HlsJob,
        segments: SegmentMap,
        playlists: SessionPlaylists,
    ) -> StreamSession:
        """A new session for `owner`. The user's least recently used session ends when they
        hold `max_sessions_per_user`; `BusyError` when the process holds `max_sessions`."""
        async with self._lock:
            folder = await self._process_folder()
            mine = sorted(
                (s for s in self._sessions.values() if s.owner.user_id == owner.user_id),
                key=lambda s: s.last_access,
            )
            for session in mine[: max(0, len(mine) - self.settings.max_sessions_per_user + 1)]:
                await self._end(session)
            if len(self._sessions) >= self.settings.max_sessions:
                self.metrics.refused.inc()
                raise BusyError(
                    f"every streaming slot is taken ({self.settings.max_sessions} sessions)",
                    retry_after_s=self.settings.busy_retry_after_s,
                )
            session_id = secrets.token_urlsafe(16)
            session_folder = folder / session_id
            session_folder.mkdir()
            session = StreamSession(
                session_id,
                owner,
                job,
                segments,
                playlists,
                session_folder,
                media=self.media,
                settings=self.settings,
                metrics=self.metrics,
                on_bytes=self._counted,
            )
            self._sessions[session_id] = session
            self.metrics.active.labels(owner.mode.value).inc()
            if self._reaper is None or self._reaper.done():
                self._reaper = asyncio.create_task(self._reap())
        log.info(
            "stream session opened",
            session_id=session_id,
            user_id=owner.user_id,
            item_id=owner.item_id,
            mode=owner.mode.value,
            segments=segments.count,
        )
        return session

    def get(self, session_id: str, user_id: int | None) -> StreamSession:
        """The session, if `user_id` owns it (None: an admin, any session); `NotFoundError`
        alike for one that does not exist, has ended, or is someone else's."""
        session = self._sessions.get(session_id)
        if session is None or (user_id is not None and session.owner.user_id != user_id):
            raise NotFoundError(f"stream session {session_id} does not exist")
        session.touch()
        return session

    async def end(self, session_id: str, user_id: int | None) -> None:
        session = self.get(session_id, user_id)
        async with self._lock:
            await self._end(session)

    def statuses(self) -> list[SessionStatus]:
        return [session.status() for session in self._sessions.values()]

    async def close(self) -> None:
        """End every session, and remove this process's folder."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        async with self._lock:
            for session in list(self._sessions.values()):
                await self._end(session)
            if self._folder is not None:
                await asyncio.to_thread(shutil.rmtree, self._folder, True)
                self._folder = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    async def _end(self, session: StreamSession) -> None:
        if session.id not in self._sessions:
            return
        await session.close()
        del self._sessions[session.id]
        self._counted(-sum(session.made.values()))
        session.made.clear()
        await asyncio.to_thread(shutil.rmtree, session.folder, True)
        self.metrics.active.labels(session.owner.mode.value).dec()
        log.info("stream session ended", session_id=session.id, idle_s=round(session.idle_s(), 1))

    async def _reap(self) -> None:
        """End the sessions nobody fetched from for `idle_timeout_s`, as long as any is left."""
        while self._sessions:
            await asyncio.sleep(self.settings.reap_interval_s)
            idle = [s for s in self._sessions.values() if s.idle_s() > self.settings.idle_timeout_s]
            if idle:
                async with self._lock:
                    for session in idle:
                        await self._end(session)

    def _counted(self, delta: int) -> None:
        """`delta` more bytes of segments (0: a player moved on), then the budget kept."""
        self.bytes += delta
        if self.bytes > self.settings.folder_max_bytes:
            self._evict()
        self.metrics.folder_bytes.set(self.bytes)

    def _evict(self) -> None:
        """Delete segments behind each player, least recently used sessions first, until the
        folder is within its budget (segments ahead are bounded by pacing)."""
        for session in sorted(self._sessions.values(), key=lambda s: s.last_access):
            for number in [n for n in session.made if n < session.last_fetched]:
                self.bytes -= session.forget(number)
                if self.bytes <= self.settings.folder_max_bytes:
                    return
        log.warning("transcode folder over its budget", bytes=self.bytes)

    async def _process_folder(self) -> Path:
        if self._folder is None:
            folder, self._lock_fd = await asyncio.to_thread(_claim_folder, self.root)
            self._folder = folder
            return folder
        return self._folder


def _claim_folder(root: Path) -> tuple[Path, int]:
    """This process's locked folder under `root`, after removing the unlocked ones."""
    root.mkdir(parents=True, exist_ok=True)
    for child in root.iterdir():
        if _PROCESS_FOLDER.fullmatch(child.name) and child.is_dir() and not _held(child):
            shutil.rmtree(child, ignore_errors=True)
            log.info("stale transcode folder removed", folder=str(child))
    folder = root / f"{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    fd = os.open(folder / _LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return folder, fd


def _held(folder: Path) -> bool:
    """Whether a living process holds the folder's lock."""
    try:
        fd = os.open(folder / _LOCK_NAME, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
