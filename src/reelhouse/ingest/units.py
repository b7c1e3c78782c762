"""Media files not yet in the catalogue, grouped into the items they will become.

The grouping is naming's own (`reelhouse.naming.group_items`, what `reelhouse identify --group`
shows): versions and stacked parts of one movie or episode make one item, extras join the item
they belong to. A unit is what one provider request enriches: the items of one movie in one
folder (its editions too), or every episode of one series below its folder. Nothing here
touches the disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pydantic import ValidationError

from reelhouse.content.enrichment import Unit, UnlinkedFile
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.content.module import ContentModule
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import ItemKind
from reelhouse.libraries.roots import owning_root
from reelhouse.naming import Grouping, Identity, Kind, group_items

log = get_logger(__name__)

_FOLDED = re.compile(r"[\W_]+")


@dataclass
class Grouped:
    units: list[Unit]
    #: Extras whose item is not among the units: they belong to an item stored before.
    orphan_extras: list[UnlinkedFile]


def _fold(text: str) -> str:
    return _FOLDED.sub("", text).casefold()


def owner_folder(file: UnlinkedFile, roots: Sequence[str]) -> str | None:
    """The absolute folder of the item a file belongs to, from its identity's `owner`."""
    owner = file.identity.owner
    root = owning_root(file.path, roots)
    if not owner or root is None:
        return None
    return f"{root.rstrip('/')}/{owner.rstrip('/')}"


def provider_ids(identities: Iterable[Identity]) -> ExternalIds:
    """The ids the names carry (`[tmdbid-603]`...), the first file's winning; a malformed or
    out-of-range id is logged and left out, never truncated."""
    ids = ExternalIds()
    for identity in identities:
        for name, value in identity.provider_ids.items():
            try:
                found = ExternalIds.model_validate({name: value})
            except ValidationError:
                log.warning("provider id in a file name ignored", provider=name, value=value)
                continue
            ids = ids.merged(found)
    return ids


@dataclass
class FileGrouping:
    """Files grouped by naming's grouping, and the file behind each identity it hands back."""

    grouping: Grouping
    _files: dict[int, UnlinkedFile]

    def file(self, identity: Identity) -> UnlinkedFile:
        return self._files[id(identity)]


def group_files(files: Iterable[UnlinkedFile], roots: Sequence[str]) -> FileGrouping:
    """`group_items` over files, with their owners as absolute folders, so that the same
    folder name under two roots is two folders."""
    # Each file by its identity object (not by path: files are the grouping's payload, and
    # nothing here needs their paths to differ); the identities live as long as the grouping.
    file_of: dict[int, UnlinkedFile] = {}
    identities = []
    for file in files:
        folder = owner_folder(file, roots)
        identity = replace(file.identity, path=file.path, owner=folder and folder + "/")
        file_of[id(identity)] = file
        identities.append(identity)
    return FileGrouping(group_items(identities), file_of)


def group_units(
    files: Iterable[UnlinkedFile], roots: Sequence[str], module: ContentModule
) -> Grouped:
    """The module's units: its items grouped by folder and name (and by year, where the year
    tells items of its kind apart)."""
    grouped = group_files(files, roots)
    grouping, file_of = grouped.grouping, grouped.file
    units: dict[tuple[object, ...], Unit] = {}
    orphans = [file_of(identity) for identity in grouping.alone]
    for item in grouping.items:
        extras = [file_of(extra) for extra in item.extras]
        named = [(i, name) for i in item.files if (name := _name(i, module)) is not None]
        if item.first.kind != module.file_kind or not named:
            orphans += extras
            continue
        unit = _unit_of(*named[0], module.kind, units)
        unit.files += [file_of(identity) for identity, _ in named]
        unit.extras += extras
    for unit in units.values():
        unit.files.sort(key=lambda f: (f.identity.part or 0, f.path))
        unit.ids = provider_ids(f.identity for f in unit.files)
    return Grouped(list(units.values()), [f for f in orphans if f.identity.kind is Kind.EXTRA])


def _name(identity: Identity, module: ContentModule) -> tuple[str, int | None] | None:
    """The name of the unit a main file belongs to, and the year that tells it apart (if one
    does); None when its name says none."""
    name, year = module.unit_name(identity)
    return (name.strip(), year) if name is not None and name.strip() else None


def _unit_of(
    first: Identity,
    name: tuple[str, int | None],
    kind: ItemKind,
    units: dict[tuple[object, ...], Unit],
) -> Unit:
    """The unit named `name` of an item whose first named file is `first`, made on first
    sight."""
    title, year = name
    folder = first.owner.rstrip("/") if first.owner else None
    return units.setdefault((folder, _fold(title), year), Unit(kind, title, first.year, folder))
