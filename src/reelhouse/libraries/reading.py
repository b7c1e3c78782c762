"""Reading a small file found in a library — an ignore file, an NFO, a subtitle — which is
untrusted (house rule 11): only a regular file, only up to a size cap, never blocking on what
is not a file.

Opened non-blocking, so a FIFO planted under a known name cannot hang the reading thread
waiting for a writer; its type and size are checked on the opened descriptor, so the file
cannot be swapped after the check; a device (a link to /dev/zero) or a sparse 1.5 GB file is
refused before a byte is read, and one that grows meanwhile is cut at the cap and refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence

from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.libraries.roots import owning_root, resolved_roots

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def read_library_file(
    path: str | bytes, max_bytes: int, *, what: str, roots: Sequence[str] | None = None
) -> bytes:
    """The bytes of the regular file at `path`, of at most `max_bytes`; with `roots`, only if
    it lies inside one of them (a link leading out is refused as missing). `NotFoundError`
    when there is no such file, `InvalidInputError` for anything but a readable regular file
    within the cap; the errors name the file as `what` and its own name, not its folder."""
    name = os.path.basename(os.fsdecode(path))
    try:
        descriptor = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise NotFoundError(f"{what} {name!r} does not exist") from None
    except OSError as exc:
        raise _refused(what, name, f"cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(what, name, "is not a regular file")
        if roots is not None and not inside_roots(os.fsencode(path), info, roots):
            raise NotFoundError(f"{what} {name!r} is not inside its library")
        if info.st_size > max_bytes:
            raise _refused(what, name, f"is larger than {max_bytes} bytes")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _refused(what, name, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:  # it grew after the size check
        raise _refused(what, name, f"is larger than {max_bytes} bytes")
    return data


def inside_roots(path: bytes, opened: os.stat_result, roots: Sequence[str]) -> bool:
    """Whether the open file is the file that `path` resolves to now, and that lies inside a
    root. Resolved after the open, compared by device and inode: a path changed in between
    (a link swapped for another) resolves to another file and is refused."""
    real = os.path.realpath(path)
    try:
        found = os.stat(real)
    except OSError:
        return False
    if (found.st_dev, found.st_ino) != (opened.st_dev, opened.st_ino):
        return False
    return owning_root(os.fsdecode(real), resolved_roots(roots)) is not None


def _refused(what: str, name: str, reason: str) -> InvalidInputError:
    return InvalidInputError(f"{what} {name!r} {reason}")
