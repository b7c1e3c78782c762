"""Opening a catalogued file for direct play, once, and only if it is a regular file inside its
library (house rule 11). What is sent afterwards is read from that one descriptor, so the file
checked is the file served, whatever happens to its path meanwhile.

A symlink inside a library is followed, but the file it leads to must lie inside one of the
library's roots, roots themselves resolved: a link out of the library is refused as if there
were no file, unless `scan.follow_symlinks_outside_roots` is on (people link films in from
another disk), when the file is not `confined`.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from dataclasses import dataclass

from reelhouse.errors import NotFoundError
from reelhouse.libraries.reading import inside_roots
from reelhouse.playback.containers import media_type
from reelhouse.playback.files import PlayableFile

# Not O_NOFOLLOW: links are followed, then where they led is checked. O_NONBLOCK: a FIFO put
# where a film was must not hang the opening thread (reads of a regular file ignore it).
_OPEN_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK
#: What opening a path that no longer leads to a file fails with: no such name, a folder on the
#: way replaced by a file, a loop of links.
_GONE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP})


class FileGoneError(NotFoundError):
    """The catalogue holds the file, the disk does not (or not a playable file, or not where
    the library may serve it from)."""


@dataclass(frozen=True, slots=True)
class OpenedFile:
    """A catalogued file, open, with what the disk says of it now (it may have changed since
    the scan: the current bytes are what is served, described by the current facts)."""

    #: The descriptor, owned: closed by `close`, or at the latest when this is collected.
    file: io.FileIO
    media: PlayableFile
    size: int
    mtime_ns: int
    inode: int

    @property
    def etag(self) -> str:
        """A strong tag of these bytes: any write changes the size or the time (nanoseconds),
        a replaced file the inode."""
        return f'"{self.inode:x}-{self.size:x}-{self.mtime_ns:x}"'

    @property
    def modified_s(self) -> int:
        return self.mtime_ns // 1_000_000_000

    @property
    def media_type(self) -> str:
        return media_type(self.media.container)

    @property
    def name(self) -> str:
        """The file's own name, as people read it."""
        return self.media.path.rsplit("/", 1)[-1]

    @property
    def changed_since_scan(self) -> bool:
        media = self.media
        return (self.size, self.mtime_ns, self.inode) != (media.size, media.mtime_ns, media.inode)

    def close(self) -> None:
        self.file.close()


def open_playable(media: PlayableFile) -> OpenedFile:
    """Open the file for reading (blocking: run it in a thread); `FileGoneError` when it is no
    longer there, not a regular file, or (`confined`) not inside a root of its library."""
    try:
        fd = os.open(media.path_bytes, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno not in _GONE:
            raise  # unreadable (permissions, I/O): the operator's to see in the log
        raise FileGoneError(f"file {media.id} is gone from the disk") from exc
    file = io.FileIO(fd, "rb", closefd=True)
    try:
        opened = _checked(file, media)
    except BaseException:
        file.close()
        raise
    return OpenedFile(file, media, opened.st_size, opened.st_mtime_ns, opened.st_ino)


def _checked(file: io.FileIO, media: PlayableFile) -> os.stat_result:
    opened = os.fstat(file.fileno())
    if not stat.S_ISREG(opened.st_mode):
        raise FileGoneError(f"file {media.id} is not a regular file any more")
    if media.confined and not inside_roots(media.path_bytes, opened, media.roots):
        raise FileGoneError(f"file {media.id} is not inside its library")
    return opened
