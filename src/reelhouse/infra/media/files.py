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


#: How an input is named as a file (see `input_url`).
FILE_INPUT = "file:"


def input_url(path: str) -> str:
    """`path` as an input the program reads as a file, whatever it looks like ("-x", "http:")."""
    return f"{FILE_INPUT}{path}"


async def regular_file_size(path: str) -> int:
    """The size of the regular file at `path` (symlinks followed), or a typed error."""
    return await asyncio.to_thread(_size, path)


def _size(path: str) -> int:
    # The errors name the file by its own name, not its folder: they reach the probe's stored
    # error and API errors, which must not show where the library lies on the server.
    name = os.path.basename(path)
    try:
        found = os.stat(path)
    except OSError as error:
        raise NotFoundError(f"cannot read {name!r}: {error.strerror}") from error
    if not stat.S_ISREG(found.st_mode):
        raise InvalidInputError(f"not a regular file: {name!r}", field="path")
    return found.st_size
