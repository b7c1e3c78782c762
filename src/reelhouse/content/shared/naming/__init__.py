"""Turning paths into identities: what a file or folder is, as far as its name tells.

Pure functions, no I/O: ``identify`` for one path, ``group`` for a set of paths as a scan sees them.
"""

from reelhouse.content.shared.naming.grouping import group
from reelhouse.content.shared.naming.identify import identify
from reelhouse.content.shared.naming.identity import (
    DecidedBy,
    ExtraType,
    Identity,
    Kind,
    LibraryHint,
)
from reelhouse.content.shared.naming.ignore import (
    IGNORE_FILE_NAMES,
    IgnoreFile,
    IgnoreRules,
    is_junk,
)
from reelhouse.content.shared.naming.media import is_media_name

__all__ = [
    "IGNORE_FILE_NAMES",
    "DecidedBy",
    "ExtraType",
    "Identity",
    "IgnoreFile",
    "IgnoreRules",
    "Kind",
    "LibraryHint",
    "group",
    "identify",
    "is_junk",
    "is_media_name",
]
