"""Group identified paths into library items: stacked parts and alternate versions of one movie or
episode become one item, extras and subtitles join their owner. The scan's pipeline groups the
files it enriches with this same grouping (`reelhouse.ingest.units`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reelhouse.naming.identity import Identity, Kind
from reelhouse.naming.titles import split_part

_FOLDED = re.compile(r"[\W_]+")
_VIDEO_KINDS = (Kind.MOVIE, Kind.EPISODE)
#: Folders releases keep their subtitles in: `Subs/` beside the video, or `Subs/<video name>/`.
_SUBTITLE_FOLDERS = frozenset({"subs", "subtitles", "sub"})


def _fold(text: str | None) -> str:
    return _FOLDED.sub("", text or "").casefold()


def _release_subs_name(folder: str | None) -> str | None:
    """`name` for a folder `.../Subs/<name>/`: the video its subtitles belong to."""
    parts = (folder or "").rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2].casefold() in _SUBTITLE_FOLDERS:
        return parts[-1]
    return None


def _stem(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


@dataclass
class GroupedItem:
    """One library item: the identity of its first file, and everything that belongs to it."""

    first: Identity
    versions: dict[str, list[Identity]] = field(default_factory=dict)
    extras: list[Identity] = field(default_factory=list)
    subtitles: list[Identity] = field(default_factory=list)

    @property
    def files(self) -> list[Identity]:
        """The item's own files: every part of every version."""
        return [i for files in self.versions.values() for i in files]

    def stems(self) -> set[str]:
        return {_stem(i.path) for i in self.files}

    def video_of(self, subtitle: Identity) -> Identity:
        """The file a subtitle of this item belongs to: the one its name, or its
        `Subs/<name>/` folder, names; else the first part of the first version."""
        named = {subtitle.video_stem, _release_subs_name(subtitle.owner)} - {None}
        first_version = next(iter(self.versions.values()))
        first = min(first_version, key=lambda i: (i.part or 0, i.path))
        return next((i for i in self.files if _stem(i.path) in named), first)

    def to_json(self) -> dict[str, Any]:
        head = self.first.to_json()
        for key in ("path", "version", "part", "container", "episode_title", "decided_by"):
            head.pop(key, None)
        ids: dict[str, str] = {}
        for files in self.versions.values():
            for i in files:
                ids.update({k: v for k, v in i.provider_ids.items() if k not in ids})
        if ids:
            head["provider_ids"] = ids
        head["versions"] = [
            {
                "label": label,
                "parts": [i.path for i in sorted(files, key=lambda i: (i.part or 0, i.path))],
            }
            for label, files in self.versions.items()
        ]
        if self.extras:
            head["extras"] = [
                {"path": e.path, "kind": e.kind, "extra_type": e.extra_type} for e in self.extras
            ]
        if self.subtitles:
            head["subtitles"] = [s.to_json() for s in self.subtitles]
        return head


def _item_key(identity: Identity) -> tuple[object, ...]:
    if identity.kind is Kind.EPISODE:
        return (
            "episode",
            identity.owner,
            _fold(identity.series),
            identity.season,
            identity.episodes,
            identity.absolute_episode,
            identity.air_date,
        )
    return ("movie", identity.owner, _fold(identity.title), identity.year, identity.edition)


def _version_label(identity: Identity) -> str:
    if identity.disc in ("dvd", "bluray", "hddvd"):
        return identity.disc
    if identity.version:
        return identity.version
    stem = _stem(identity.path)
    return split_part(stem)[1].strip(" -_.") if identity.part else stem


@dataclass
class Grouping:
    """Paths grouped into items, and the paths that are no item's (samples, junk, an extra or
    subtitle whose item is not among the paths)."""

    items: list[GroupedItem]
    alone: list[Identity]

    def to_json(self) -> list[dict[str, Any]]:
        """One JSON-ready object per item, then one per path that stands alone."""
        return [item.to_json() for item in self.items] + [i.to_json() for i in self.alone]


def group_items(identities: Iterable[Identity]) -> Grouping:
    """Stacked parts and versions of one movie or episode become one item; extras and
    subtitles join the item they belong to."""
    items: dict[tuple[object, ...], GroupedItem] = {}
    attach: list[Identity] = []
    alone: list[Identity] = []
    for identity in identities:
        if identity.kind in _VIDEO_KINDS:
            item = items.setdefault(_item_key(identity), GroupedItem(identity))
            item.versions.setdefault(_version_label(identity), []).append(identity)
        elif identity.kind in (Kind.EXTRA, Kind.SUBTITLE):
            attach.append(identity)
        else:
            alone.append(identity)
    by_owner: dict[str, list[GroupedItem]] = {}
    for item in items.values():
        by_owner.setdefault(item.first.owner or "", []).append(item)
    for identity in attach:
        owner = _owner_of(identity, by_owner)
        if owner is None:
            alone.append(identity)
        elif identity.kind is Kind.SUBTITLE:
            owner.subtitles.append(identity)
        else:
            owner.extras.append(identity)
    return Grouping(list(items.values()), alone)


def group(identities: Iterable[Identity]) -> list[dict[str, Any]]:
    """`group_items`, as `reelhouse identify --group` shows it."""
    return group_items(identities).to_json()


def _owner_of(identity: Identity, by_owner: dict[str, list[GroupedItem]]) -> GroupedItem | None:
    folder = identity.owner or ""
    candidates = by_owner.get(folder, [])
    if not candidates and identity.kind is Kind.SUBTITLE and folder:
        # Release "Subs/" folders hold the subtitles of the video one level up, or two when
        # they are sorted by video ("Subs/<video name>/2_English.srt").
        parents = folder.rstrip("/").split("/")[:-1]
        if _release_subs_name(folder) is not None:
            parents = parents[:-1]
        candidates = by_owner.get("/".join(parents) + "/" if parents else "", [])
    if len(candidates) == 1:
        return candidates[0]
    if identity.kind is Kind.SUBTITLE:
        stem = identity.video_stem or _release_subs_name(folder)
        return next((c for c in candidates if stem in c.stems()), None)
    key = (_fold(identity.title), identity.year)
    return next((c for c in candidates if (_fold(c.first.title), c.first.year) == key), None)
