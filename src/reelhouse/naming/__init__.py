"""Turning paths into identities: what a file or folder is, as far as its name tells.

Pure functions, no I/O: ``identify`` for one path, ``group`` for a set of paths as a scan sees them.
"""

from reelhouse.naming.grouping import GroupedItem, Grouping, group, group_items
from reelhouse.naming.identify import identify
from reelhouse.naming.identity import (
    DecidedBy,
    ExtraType,
    Identity,
    Kind,
    Numbering,
)
from reelhouse.naming.ignore import (
    IGNORE_FILE_NAMES,
    IgnoreFile,
    IgnoreRules,
    is_junk,
)
from reelhouse.naming.media import is_media_name

__all__ = [
    "IGNORE_FILE_NAMES",
    "DecidedBy",
    "ExtraType",
    "GroupedItem",
    "Grouping",
    "Identity",
    "IgnoreFile",
    "IgnoreRules",
    "Kind",
    "Numbering",
    "group",
    "group_items",
    "identify",
    "is_junk",
    "is_media_name",
]
