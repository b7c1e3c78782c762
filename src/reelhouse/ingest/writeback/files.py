"""Putting one file beside the media, safely. Blocking: callers run it in a thread.

- Atomic: the bytes go to a hidden temporary file in the same folder (`.<name>.reelhouse-*.tmp`,
  which neither the media scan nor the artwork scan takes for anything), are flushed to disk,
  and are renamed over the target; on any failure the temporary file is removed. A reader sees
  the old file or the new one, never half of one. What a killed process left is removed by the
  next write-back into that folder (`remove_leftovers`).
- Owned: a file that is there already is replaced only when it holds what reelhouse recorded
  writing there (`Recorded`), or when the library allows overwriting foreign files; otherwise it
  is left alone and reported as `SKIPPED`. The same bytes again are `UNCHANGED`: nothing is
  written, so no modification time moves and a rescan sees nothing new.
- Contained: library files are untrusted (house rule 11). The folder is resolved and must lie
  inside the library root; the file is opened relative to that folder, never through a symbolic
  link (a link in the target's place is someone else's file, never followed).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from reelhouse.errors import InvalidInputError

#: How much of an existing file is hashed at a time.
_CHUNK = 1 << 20
_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: Errors that are the whole disk's, not this file's: they propagate as they are (a job stops
#: on them instead of failing every item after).
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    #: A file reelhouse did not write (or that changed since) is in the way: left alone.
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Recorded:
    """What reelhouse wrote at a path last time."""

    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Written:
    outcome: Outcome
    path: str
    size: int
    sha256: str


class WriteFailedError(InvalidInputError):
    """A file could not be written (a read-only folder, a path outside the library...): its
    item's failure, reported with the path and the reason."""


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


#: The temporary files `_replace` makes (`_temporary_name`).
_TEMPORARY = re.compile(r"\..+\.reelhouse-[0-9a-f]{8}\.tmp")


def _temporary_name(name: str) -> str:
    return f".{name}.reelhouse-{secrets.token_hex(4)}.tmp"


def remove_leftovers(folders: Iterable[tuple[str, str]], older_than_ns: int) -> int:
    """Remove the temporary files a write-back killed mid-write left in these folders (each
    with its library root; one outside its root is left alone), if last changed before
    `older_than_ns` (a newer one may be another writer's, in use); how many. A folder that
    cannot be listed is left to the write that fails there."""
    removed = 0
    for folder, root in folders:
        real_root, real_folder = os.path.realpath(root), os.path.realpath(folder)
        if os.path.commonpath([real_root, real_folder]) != real_root:
            continue
        try:
            entries = os.scandir(real_folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if _TEMPORARY.fullmatch(entry.name) is None:
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False) and (
                        entry.stat(follow_symlinks=False).st_mtime_ns < older_than_ns
                    ):
                        os.unlink(entry.path)
                        removed += 1
    return removed


def write_beside(
    path: str,
    body: bytes,
    root: str,
    recorded: Recorded | None,
    *,
    overwrite_foreign: bool,
) -> Written:
    """Put `body` at `path` (inside the library root `root`) under the rules above."""
    folder, name = os.path.split(path)
    sha256 = digest(body)
    try:
        real_root = os.path.realpath(root)
        real_folder = os.path.realpath(folder)
        if os.path.commonpath([real_root, real_folder]) != real_root:
            raise WriteFailedError(f"{path}: not written (its folder leads outside the library)")
        directory = os.open(real_folder, _DIRECTORY_FLAGS)
    except OSError as exc:
        raise _failed(path, exc) from None
    try:
        existing = _existing(directory, name, path)
        if existing is not None:
            if existing == Recorded(len(body), sha256):
                return Written(Outcome.UNCHANGED, path, len(body), sha256)
            if existing != recorded and not overwrite_foreign:
                return Written(Outcome.SKIPPED, path, existing.size, existing.sha256)
        _replace(directory, name, body)
    except OSError as exc:
        raise _failed(path, exc) from None
    finally:
        os.close(directory)
    return Written(Outcome.WRITTEN, path, len(body), sha256)


def _existing(directory: int, name: str, path: str) -> Recorded | None:
    """The size and hash of the regular file `name` in the folder, None when there is none."""
    try:
        info = os.stat(name, dir_fd=directory, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise WriteFailedError(f"{path}: not written (something other than a file is there)")
    handle = os.open(name, os.O_RDONLY | _NO_FOLLOW, dir_fd=directory)
    hasher = hashlib.sha256()
    size = 0
    with os.fdopen(handle, "rb") as file:
        while chunk := file.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return Recorded(size, hasher.hexdigest())


def _replace(directory: int, name: str, body: bytes) -> None:
    temporary = _temporary_name(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW
    handle = os.open(temporary, flags, 0o644, dir_fd=directory)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=directory)
        raise
    with contextlib.suppress(OSError):  # the rename is durable once the folder is
        os.fsync(directory)


def _failed(path: str, exc: OSError) -> OSError | WriteFailedError:
    if exc.errno in _DISK_ERRNOS:
        return exc
    return WriteFailedError(f"{path}: not written ({exc.strerror or exc})")
