"""Walk a library root with ``os.scandir``: blocking, so callers run it in a thread.

Nothing stops the walk: unreadable folders, broken links, files that vanish mid-walk, symlink
loops and names that are not UTF-8 are recorded as problems and the walk goes on. Names are kept
as bytes (lossless); the readable form replaces undecodable bytes. Junk folders and folders
excluded by ``.ignore`` files are never entered. Given the library's roots, a link that leads
out of all of them is not followed: it is skipped and reported.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.libraries.reading import read_library_file
from reelhouse.libraries.roots import leads_inside, resolved_roots
from reelhouse.naming import (
    IGNORE_FILE_NAMES,
    IgnoreFile,
    IgnoreRules,
    is_junk,
    is_media_name,
)

_IGNORE_FILES = frozenset(os.fsencode(name) for name in IGNORE_FILE_NAMES)

_Folder = tuple[bytes, str, str, IgnoreRules]
"""A folder to visit: its path as bytes and readable, relative to the root, its ignore rules."""

LeadsOut = Callable[[bytes], bool]
"""Whether a link (its path) leads out of the library; None where any link is followed."""

Scandir = Callable[[bytes], Any]
"""``os.scandir`` on bytes paths, or a stand-in with the same behaviour."""


class Problem(StrEnum):
    UNREADABLE = "unreadable"
    BROKEN_LINK = "broken_link"
    VANISHED = "vanished"
    SYMLINK_LOOP = "symlink_loop"
    NOT_UTF8 = "not_utf8_name"
    OUTSIDE_LIBRARY = "outside_library"


#: Why a link out of the library is skipped, and how to have it followed.
OUTSIDE_DETAIL = "a link out of the library's folders (scan.follow_symlinks_outside_roots is off)"


@dataclass(frozen=True, slots=True)
class ScanProblem:
    path: str
    problem: Problem
    detail: str = ""


class FoundFile(NamedTuple):
    """A media file on disk (a tuple: a scan makes one per file, so it must be cheap)."""

    path_bytes: bytes
    path: str
    size: int
    mtime_ns: int
    inode: int
    device: int


@dataclass
class WalkResult:
    """``unread`` holds the folders that exist but could not be listed: what was stored below
    them is unknown, not gone."""

    files: list[FoundFile] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)
    unread: list[bytes] = field(default_factory=list)
    folders: int = 0
    cancelled: bool = False


def readable(raw: bytes) -> tuple[str, bool]:
    """The display form of a name, and whether it was valid UTF-8."""
    try:
        return raw.decode(), True
    except UnicodeDecodeError:
        return raw.decode(errors="replace"), False


def walk(
    root: str,
    *,
    ignore_max_bytes: int,
    below: str = "",
    cancel: threading.Event | None = None,
    scandir: Scandir = os.scandir,
    confine_to: Sequence[str] | None = None,
) -> WalkResult:
    """Every media file under ``root`` (see ``is_media_name``), with its stat facts.

    ``below`` (a folder relative to ``root``) limits the walk to that folder, with the junk and
    ``.ignore`` rules of the folders above it applied as a full walk would. An ignore file
    that is not a regular file of at most ``ignore_max_bytes`` is skipped and reported.
    With ``confine_to`` (the library's roots), a link to a file or folder outside all of them
    is skipped and reported, and so is ``below`` if it leads out.
    """
    result = WalkResult()
    leads_out = None if confine_to is None else _leads_out_of(confine_to)

    display = root.rstrip("/")
    rules: IgnoreRules | None = IgnoreRules()
    relative = ""
    for part in [p for p in below.split("/") if p]:
        rules = _with_ignore_files(
            os.fsencode(display or "/"), relative, None, rules, result, ignore_max_bytes
        )
        relative = f"{relative}/{part}" if relative else part
        display = f"{display}/{part}"
        if rules is None or is_junk(part) or rules.ignores(relative + "/", is_dir=True):
            return result
    start = os.fsencode(display or "/")
    try:
        top = os.stat(start)
    except OSError as exc:
        result.problems.append(ScanProblem(root, Problem.UNREADABLE, exc.strerror or str(exc)))
        if not isinstance(exc, FileNotFoundError):
            result.unread.append(start)
        return result
    if leads_out is not None and below and leads_out(start):
        result.problems.append(ScanProblem(display, Problem.OUTSIDE_LIBRARY, OUTSIDE_DETAIL))
        return result
    visited = {(top.st_dev, top.st_ino)}
    pending: list[_Folder] = [(start, display, relative, rules or IgnoreRules())]
    while pending:
        if cancel is not None and cancel.is_set():
            result.cancelled = True
            return result
        folder, shown, relative, rules = pending.pop()
        entries = _entries(folder, scandir, result)
        if entries is None:
            continue
        inner = _with_ignore_files(folder, relative, entries, rules, result, ignore_max_bytes)
        if inner is None:
            continue
        result.folders += 1
        for entry in entries:
            _visit(entry, shown, relative, inner, visited, pending, result, leads_out)
    return result


def _leads_out_of(roots: Sequence[str]) -> LeadsOut:
    real_roots = resolved_roots(roots)

    def leads_out(path: bytes) -> bool:
        return not leads_inside(path, real_roots)

    return leads_out


def _entries(folder: bytes, scandir: Scandir, result: WalkResult) -> list[Any] | None:
    try:
        with scandir(folder) as iterator:
            return list(iterator)
    except FileNotFoundError as exc:
        result.problems.append(ScanProblem(readable(folder)[0], Problem.VANISHED, str(exc)))
    except OSError as exc:
        detail = exc.strerror or str(exc)
        result.problems.append(ScanProblem(readable(folder)[0], Problem.UNREADABLE, detail))
        result.unread.append(folder)
    return None


def _with_ignore_files(
    folder: bytes,
    relative: str,
    entries: list[Any] | None,
    rules: IgnoreRules | None,
    result: WalkResult,
    max_bytes: int,
) -> IgnoreRules | None:
    """The rules with this folder's ``.ignore`` files added; None if the folder is skipped.

    ``entries`` is the folder's listing when there is one (no extra system call per folder).
    """
    if rules is None:
        return None
    if entries is None:
        names = [folder + b"/" + name for name in sorted(_IGNORE_FILES)]
    else:
        names = [entry.path for entry in entries if entry.name in _IGNORE_FILES]
    for name in names:
        try:
            content = read_library_file(name, max_bytes, what="ignore file")
        except NotFoundError:
            if entries is not None:  # listed a moment ago
                result.problems.append(ScanProblem(readable(name)[0], Problem.VANISHED))
            continue
        except InvalidInputError as exc:  # a FIFO, a device, a huge file: skipped, reported
            result.problems.append(ScanProblem(readable(name)[0], Problem.UNREADABLE, exc.detail))
            continue
        ignore = IgnoreFile.parse(relative, content.decode(errors="replace"))
        if ignore.spec is None:
            return None
        rules = IgnoreRules((*rules.files, ignore))
    return rules


def _visit(
    entry: Any,
    shown: str,
    relative: str,
    rules: IgnoreRules,
    visited: set[tuple[int, int]],
    pending: list[_Folder],
    result: WalkResult,
    leads_out: LeadsOut | None,
) -> None:
    name, valid = readable(entry.name)
    if is_junk(name):
        return
    path = f"{shown}/{name}"
    if not valid:
        result.problems.append(ScanProblem(path, Problem.NOT_UTF8, "kept as bytes"))
    try:
        link = entry.is_symlink()
        if link:
            info = entry.stat()
            is_dir = stat.S_ISDIR(info.st_mode)
        else:
            is_dir = entry.is_dir(follow_symlinks=False)
            info = entry.stat(follow_symlinks=False) if is_dir else None
    except FileNotFoundError:
        problem = Problem.BROKEN_LINK if entry.is_symlink() else Problem.VANISHED
        result.problems.append(ScanProblem(path, problem))
        return
    except OSError as exc:
        result.problems.append(ScanProblem(path, Problem.UNREADABLE, exc.strerror or ""))
        return
    if is_dir:
        child = f"{relative}/{name}" if relative else name
        if rules.files and rules.ignores(child + "/", is_dir=True):
            return
        key = (info.st_dev, info.st_ino)
        if key in visited:
            result.problems.append(ScanProblem(path, Problem.SYMLINK_LOOP))
            return
        if link and leads_out is not None and leads_out(entry.path):
            result.problems.append(ScanProblem(path, Problem.OUTSIDE_LIBRARY, OUTSIDE_DETAIL))
            return
        visited.add(key)
        pending.append((entry.path, path, child, rules))
        return
    if not is_media_name(name):
        return
    if rules.files and rules.ignores(f"{relative}/{name}" if relative else name, is_dir=False):
        return
    try:
        info = info or entry.stat()
    except FileNotFoundError:
        result.problems.append(ScanProblem(path, Problem.VANISHED))
        return
    if not stat.S_ISREG(info.st_mode):
        return
    if link and leads_out is not None and leads_out(entry.path):
        result.problems.append(ScanProblem(path, Problem.OUTSIDE_LIBRARY, OUTSIDE_DETAIL))
        return
    result.files.append(
        FoundFile(entry.path, path, info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)
    )
