"""Local metadata beside the videos: where Kodi, Jellyfin and Emby keep an item's NFO files, and
reading them so that a broken one never keeps an item out of the catalogue."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from reelhouse.errors import InvalidInputError

T = TypeVar("T")


def _existing(paths: Sequence[Path]) -> Path | None:
    return next((path for path in paths if path.is_file()), None)


def nfo_candidates(folder: str | None, video: str | None, folder_name: str) -> list[Path]:
    """Where Kodi, Jellyfin and Emby look for an item's NFO: `<folder>/<folder_name>` first,
    then `<video stem>.nfo` beside the video."""
    candidates = []
    if folder is not None:
        candidates.append(Path(folder) / folder_name)
    if video is not None:
        stem, dot, _ = video.rpartition(".")
        candidates.append(Path((stem if dot else video) + ".nfo"))
    return candidates


async def find_nfo(candidates: Sequence[Path]) -> Path | None:
    return await asyncio.to_thread(_existing, candidates)


async def read_local(read: Callable[[Path], Awaitable[T]], path: Path | None) -> T | None:
    """The NFO's record; a broken NFO is logged by the reader and the item goes on without it
    (house rule 10), so one bad file never keeps an item out of the catalogue."""
    if path is None:
        return None
    try:
        return await read(path)
    except InvalidInputError:
        return None


def episode_nfo_paths(videos: Sequence[str]) -> dict[str, Path]:
    """The `<episode stem>.nfo` file beside each of these videos that has one (one thread hop
    for all), by video."""
    return {
        video: path
        for video, path in ((v, Path(os.path.splitext(v)[0] + ".nfo")) for v in videos)
        if path.is_file()
    }


def season_nfo_paths(videos: Sequence[str], series_folder: str | None) -> list[Path]:
    """The `season.nfo` files of the season folders these videos lie in (folders below the
    series folder only: the series folder's own NFO is `tvshow.nfo`)."""
    if series_folder is None:
        return []
    below = series_folder.rstrip("/") + "/"
    folders = sorted({os.path.dirname(v) for v in videos if v.startswith(below)})
    return [path for f in folders if (path := Path(f) / "season.nfo").is_file()]
