"""The server's folders as an admin picks library roots from them: the subfolders of one folder,
and whether a folder can be read at all, with the reason when not (blocking work, run off the
event loop)."""

from __future__ import annotations

import asyncio
import heapq
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from reelhouse.errors import InvalidInputError
from reelhouse.libraries.roots import normalize_root


@dataclass(frozen=True, slots=True)
class Folder:
    name: str
    path: str
    #: Whether the server may list it (a folder it may not is shown, but cannot be chosen).
    readable: bool


@dataclass(frozen=True, slots=True)
class FolderListing:
    path: str
    parent: str | None
    folders: tuple[Folder, ...]
    #: Subfolders past the listing's limit, counted but not listed.
    more: int


async def list_folders(path: str, *, limit: int, field: str = "path") -> FolderListing:
    """The subfolders of `path` (an absolute path; hidden ones left out), by name, at most
    `limit`; `InvalidInputError` naming `field` with the reason when it cannot be listed."""
    folder = normalize_root(path or "/", field=field)
    return await asyncio.to_thread(_list, folder, limit, field)


async def check_readable(paths: Sequence[str], *, field: str = "paths") -> list[str]:
    """The folders, normalized as library roots, once each is one the server can list;
    `InvalidInputError` naming `field` with the reason of the first it cannot."""
    roots = [normalize_root(path, field=field) for path in paths]
    for root in roots:
        await asyncio.to_thread(_open, root, field)
    return roots


def _list(folder: str, limit: int, field: str) -> FolderListing:
    found = 0

    def subfolders() -> Iterator[tuple[str, str]]:
        nonlocal found
        with _opened(folder, field) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not _is_dir(entry):
                    continue
                found += 1
                yield entry.name.casefold(), entry.name

    # The first `limit` names only are kept, however many subfolders there are.
    names = [name for _, name in heapq.nsmallest(limit, subfolders())]
    folders = tuple(
        Folder(name, path, os.access(path, os.R_OK | os.X_OK))
        for name in names
        for path in [str(PurePosixPath(folder, name))]
    )
    parent = None if folder == "/" else str(PurePosixPath(folder).parent)
    return FolderListing(folder, parent, folders, found - len(folders))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # through links: a linked folder is a folder
    except OSError:
        return False


def _open(folder: str, field: str) -> None:
    with _opened(folder, field) as entries:
        next(entries, None)


def _opened(folder: str, field: str) -> os._ScandirIterator[str]:
    try:
        return os.scandir(folder)
    except FileNotFoundError:
        reason = "does not exist"
    except NotADirectoryError:
        reason = "is not a folder"
    except PermissionError:
        reason = "cannot be read by the server (permission denied to the user it runs as)"
    except OSError as exc:
        reason = f"cannot be read by the server ({exc.strerror or type(exc).__name__})"
    raise InvalidInputError(f"{folder} {reason}", field=field)
