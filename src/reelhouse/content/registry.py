"""Content modules as plugins: the shared code that serves every kind of content (the ingest
pipeline, search, the services, the schema) asks here instead of branching on movies or TV, so
a new kind of content is a new module folder with its `module.py`, and one entry in `MODULES`.
"""

from __future__ import annotations

from reelhouse.content.module import ContentModule
from reelhouse.content.movies.module import MOVIES
from reelhouse.content.tv.module import TV
from reelhouse.errors import InvalidInputError
from reelhouse.kinds import ItemKind, LibraryKind

MODULES: tuple[ContentModule, ...] = (MOVIES, TV)
#: Every kind of item search finds.
SEARCHED_KINDS = tuple(kind for module in MODULES for kind in module.searched)


def for_library(kind: LibraryKind) -> ContentModule:
    """The module whose content libraries of this kind hold."""
    return next(module for module in MODULES if module.library_kind == kind)


def matched(kind: ItemKind, item_id: int) -> ContentModule:
    """The module whose units become items of `kind` (what is matched and refreshed); an item
    of another kind is refused, naming the item."""
    for module in MODULES:
        if module.kind == kind:
            return module
    raise InvalidInputError(
        f"item {item_id} is a {kind}: match and refresh its movie or series", field="item_id"
    )
