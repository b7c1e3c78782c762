"""Library roots: what a root may be, and which root a path belongs to (one rule for scans, the
watcher and webhooks)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import PurePosixPath

from reelhouse.errors import InvalidInputError

#: Longest path accepted from outside (Linux's PATH_MAX).
PATH_MAX = 4096


def owning_root(path: str, roots: Iterable[str]) -> str | None:
    """The root that holds `path` (or is it), the deepest one when roots nest; None if none."""
    wanted = path.rstrip("/")
    best: str | None = None
    for root in roots:
        base = root.rstrip("/")
        inside = wanted == base or wanted.startswith(base + "/")
        if inside and (best is None or len(base) > len(best.rstrip("/"))):
            best = root
    return best


def resolved_roots(roots: Iterable[str]) -> list[str]:
    """The roots with every link on their way resolved: what the real path of a file inside
    one of them starts with (blocking: it reads the disk)."""
    return [os.fsdecode(os.path.realpath(os.fsencode(root))) for root in roots]


def leads_inside(path: bytes, real_roots: Iterable[str]) -> bool:
    """Whether `path`, its links resolved, lies inside one of `real_roots` (see
    `resolved_roots`; blocking)."""
    return owning_root(os.fsdecode(os.path.realpath(path)), real_roots) is not None


def normalize_root(path: str, *, field: str = "paths") -> str:
    """A library root as stored: absolute, without `..`, `.` or trailing slashes."""
    if len(path) > PATH_MAX:
        raise InvalidInputError(f"a folder path has at most {PATH_MAX} characters", field=field)
    if "\x00" in path or not path.startswith("/"):
        raise InvalidInputError(f"{path!r} is not an absolute folder path", field=field)
    parts = PurePosixPath(path).parts
    if ".." in parts:
        raise InvalidInputError(f"{path!r} must not contain '..'", field=field)
    return str(PurePosixPath(*parts))
