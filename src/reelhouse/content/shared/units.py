"""Media files not yet in the catalogue, grouped into the items they will become.

Pure functions over the identities a scan stored: the files of one movie (versions, stacked
parts) or of one series (every episode file below its folder) form one unit, matched and enriched
together; extras join the unit of the folder they belong to. Nothing here touches the disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from reelhouse.content.shared.metadata.models import ContentKind, ExternalIds
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

_FOLDED = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class UnlinkedFile:
    """A present media file that no item links to yet, with the identity its name gave."""

    id: int
    path: str
    identity: Mapping[str, Any]

    @property
    def kind(self) -> str | None:
        kind = self.identity.get("kind")
        return kind if isinstance(kind, str) else None

    def number(self, name: str) -> int | None:
        value = self.identity.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class Unit:
    """One catalogue item to be: its main files, its extras, and what their names say."""

    kind: ContentKind
    title: str
    year: int | None
    folder: str | None = field(
        metadata={"doc": "The item's own folder (where its NFO lives); None for a loose file."}
    )
    ids: ExternalIds = field(default_factory=ExternalIds)
    files: list[UnlinkedFile] = field(default_factory=list)
    extras: list[UnlinkedFile] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass
class Grouped:
    units: list[Unit]
    #: Extras whose item is not among the units: they belong to an item stored before.
    orphan_extras: list[UnlinkedFile]


def _fold(text: str) -> str:
    return _FOLDED.sub("", text).casefold()


def root_of(path: str, roots: Sequence[str]) -> str | None:
    """The library root that holds `path` (the deepest, when roots nest)."""
    best = None
    for root in roots:
        base = root.rstrip("/") + "/"
        if path.startswith(base) and (best is None or len(base) > len(best)):
            best = base
    return best


def owner_folder(file: UnlinkedFile, roots: Sequence[str]) -> str | None:
    """The absolute folder of the item a file belongs to, from its identity's `owner`."""
    owner = file.identity.get("owner")
    root = root_of(file.path, roots)
    if not isinstance(owner, str) or not owner or root is None:
        return None
    return root + owner.rstrip("/")


def provider_ids(identities: Iterable[Mapping[str, Any]]) -> ExternalIds:
    """The ids the names carry (`[tmdbid-603]`...), the first file's winning; a malformed or
    out-of-range id is logged and left out, never truncated."""
    ids = ExternalIds()
    for identity in identities:
        raw = identity.get("provider_ids")
        if not isinstance(raw, dict):
            continue
        for name, value in raw.items():
            try:
                found = ExternalIds.model_validate({name: value})
            except ValidationError:
                log.warning("provider id in a file name ignored", provider=name, value=value)
                continue
            ids = ids.merged(found)
    return ids


def main_kind(kind: ContentKind) -> str:
    """The identity kind of the files that make an item of this kind (extras aside)."""
    return "movie" if kind is ContentKind.MOVIE else "episode"


def group_units(files: Iterable[UnlinkedFile], roots: Sequence[str], kind: ContentKind) -> Grouped:
    """Movies group by folder, title and year; series by folder and series name."""
    main = main_kind(kind)
    units: dict[tuple[object, ...], Unit] = {}
    extras: list[UnlinkedFile] = []
    for file in files:
        if file.kind == "extra":
            extras.append(file)
            continue
        if file.kind != main:
            continue
        title = file.identity.get("title" if kind is ContentKind.MOVIE else "series")
        if not isinstance(title, str) or not title.strip():
            continue
        folder = owner_folder(file, roots)
        year = file.number("year")
        key: tuple[object, ...] = (folder, _fold(title))
        if kind is ContentKind.MOVIE:
            key += (year,)
        unit = units.setdefault(key, Unit(kind, title.strip(), year, folder))
        unit.files.append(file)
    by_folder: dict[str, Unit] = {}
    for unit in units.values():
        unit.files.sort(key=lambda f: (f.number("part") or 0, f.path))
        unit.ids = provider_ids(f.identity for f in unit.files)
        if unit.folder is not None:
            by_folder.setdefault(unit.folder, unit)
    orphans: list[UnlinkedFile] = []
    for extra in extras:
        folder = owner_folder(extra, roots)
        owner = by_folder.get(folder) if folder is not None else None
        if owner is None:
            orphans.append(extra)
        else:
            owner.extras.append(extra)
    return Grouped(list(units.values()), orphans)
