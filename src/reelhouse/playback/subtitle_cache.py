"""Converted and extracted subtitles kept on disk, so a subtitle is converted (or pulled out of
its video by ffmpeg) once, not at every play.

The folder is the only state, so API processes sharing a data folder share the cache: a file
per key, named by the key's SHA-256 (caller text never becomes a path), whose modification time
is its last use. Whenever a file is added, the least recently used files go until the total
fits `max_bytes` (house rule 1). Files appear whole or not at all (a temporary file renamed into
place); temporary files a crash left behind are removed when the cache is opened (house rule 12).
Two requests filling one key at once both make the value and write the same bytes; the second
rename wins. File work runs in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from reelhouse.config import Settings

_SUFFIX = ".vtt"
_TEMPORARY_PREFIX = ".part-"
_ENTRY = re.compile(r"[0-9a-f]{64}\.vtt")


class SubtitleCache:
    """WebVTT bytes by a caller's key (which should change whenever the source could, e.g.
    `f"{file_id}-{stream_index}-{size}-{mtime_ns}"`), in `folder`, at most `max_bytes` in all."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(f"{_TEMPORARY_PREFIX}*"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        self._evict()

    @classmethod
    def from_settings(cls, settings: Settings) -> SubtitleCache:
        return cls(settings.data_dir / "subtitles", settings.media.subtitle_cache_bytes)

    async def get_or_make(self, key: str, make: Callable[[], Awaitable[bytes]]) -> bytes:
        """The bytes kept for `key`, or those `make` returns, which are then kept. An error of
        `make` propagates and nothing is kept; a value larger than the whole cache is returned
        without being kept."""
        path = self.folder / _file_name(key)
        kept = await asyncio.to_thread(_read_and_touch, path)
        if kept is not None:
            return kept
        made = await make()
        if len(made) <= self.max_bytes:
            await asyncio.to_thread(self._keep, path, made)
        return made

    def _keep(self, path: Path, data: bytes) -> None:
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=_TEMPORARY_PREFIX)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            _touch(temporary)
            os.replace(temporary, path)
        except FileNotFoundError:
            # Another process opening the cache removed the temporary file as a leftover: the
            # value is still returned, only not kept this time.
            return
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        self._evict()

    def _evict(self) -> None:
        """Remove the least recently used files until the rest fit `max_bytes`."""
        entries: list[tuple[int, int, str]] = []
        with os.scandir(self.folder) as scan:
            for entry in scan:
                if _ENTRY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):
                        info = entry.stat(follow_symlinks=False)
                        entries.append((info.st_mtime_ns, info.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):  # another process evicted it
                os.unlink(path)
            total -= size


def _file_name(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest() + _SUFFIX


def _read_and_touch(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    with contextlib.suppress(FileNotFoundError):  # evicted since it was read
        _touch(path)
    return data


def _touch(path: str | Path) -> None:
    """Mark `path` used now. The time is set from the clock, not left to the file system, whose
    timestamps are as coarse as the kernel's tick: files used one after another would tie."""
    now = time.time_ns()
    os.utime(path, ns=(now, now))
