"""How ffprobe and ffmpeg open a library file, which is untrusted (house rule 11).

Only regular files: a FIFO or a device would make the program wait for data until its timeout,
a directory gives a confusing error; the check runs off the event loop, since a stat on a network
share can block. Only as a file: by the `file:` protocol, whatever the name looks like, and with
every other protocol refused, so a playlist or a reference inside the file cannot make the
program fetch URLs.
"""

from __future__ import annotations

import asyncio
import os
import stat

from reelhouse.errors import InvalidInputError, NotFoundError

#: Input options of every ffprobe and ffmpeg call on a library file.
INPUT_OPTIONS = ("-protocol_whitelist", "file")


def input_url(path: str) -> str:
    """`path` as an input the program reads as a file, whatever it looks like ("-x", "http:")."""
    return f"file:{path}"


async def regular_file_size(path: str) -> int:
    """The size of the regular file at `path` (symlinks followed), or a typed error."""
    return await asyncio.to_thread(_size, path)


def _size(path: str) -> int:
    try:
        found = os.stat(path)
    except OSError as error:
        raise NotFoundError(f"cannot read {path}: {error.strerror}") from error
    if not stat.S_ISREG(found.st_mode):
        raise InvalidInputError(f"not a regular file: {path}", field="path")
    return found.st_size
