"""Where write-back puts each item's files, from the files the library holds (nothing touches
the disk): a movie's NFO and images beside its (first) video, a series' in its folder, a
season's images in the series folder and its NFO in its own folder when it has one, an
episode's beside its video (one NFO for all the episodes a file holds)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reelhouse.ingest.artwork_names import Owner
from reelhouse.ingest.links import ItemFile
from reelhouse.ingest.units import owner_folder
from reelhouse.kinds import ItemKind
from reelhouse.libraries.roots import owning_root


@dataclass(frozen=True, slots=True)
class Spot:
    """One item's place (or several episodes', for a file holding them)."""

    owner: Owner
    item_ids: tuple[int, ...]
    #: The library root the files go under.
    root: str
    #: Where its images go (a season's: the series folder).
    folder: str
    #: Where its NFO goes; None: it gets none (a season without a folder of its own).
    nfo: str | None
    stem: str | None = None
    season: int | None = None


def spots_of(files: Iterable[ItemFile], roots: Sequence[str]) -> list[Spot]:
    spots: list[Spot] = []
    movies: set[int] = set()
    episodes_in: dict[str, list[int]] = {}
    series_folder: dict[int, tuple[str, str]] = {}
    season_of: dict[int, tuple[int, int]] = {}  # season -> series, number
    seasons_in: dict[str, set[int]] = {}
    for held in files:
        root = owning_root(held.file.path, roots)
        if root is None:
            continue
        folder, name = os.path.split(held.file.path)
        stem = os.path.splitext(name)[0]
        if held.kind is ItemKind.MOVIE and held.item_id not in movies:
            movies.add(held.item_id)
            beside = os.path.join(folder, f"{stem}.nfo")
            spots.append(Spot(Owner.MOVIE, (held.item_id,), root, folder, beside, stem))
        elif held.kind is ItemKind.EPISODE:
            episodes_in.setdefault(held.file.path, []).append(held.item_id)
            owner = owner_folder(held.file, roots)
            if held.series_id is None or owner is None:
                continue
            series_folder.setdefault(held.series_id, (root, owner))
            if held.season_id is not None and held.season_number is not None:
                season_of[held.season_id] = (held.series_id, held.season_number)
                seasons_in.setdefault(folder, set()).add(held.season_id)
    for path, ids in episodes_in.items():
        root = owning_root(path, roots) or ""
        folder, name = os.path.split(path)
        stem = os.path.splitext(name)[0]
        beside = os.path.join(folder, f"{stem}.nfo")
        spots.append(Spot(Owner.EPISODE, tuple(dict.fromkeys(ids)), root, folder, beside, stem))
    for series_id, (root, folder) in series_folder.items():
        show = os.path.join(folder, "tvshow.nfo")
        spots.append(Spot(Owner.SERIES, (series_id,), root, folder, show))
    own_folder: dict[int, str] = {}
    for folder, seasons in seasons_in.items():
        season_id = next(iter(seasons))
        series_root = series_folder[season_of[season_id][0]][1].rstrip("/") + "/"
        if len(seasons) == 1 and folder.startswith(series_root):
            own_folder[season_id] = folder
    for season_id, (series_id, number) in season_of.items():
        root, folder = series_folder[series_id]
        own = own_folder.get(season_id)
        nfo = os.path.join(own, "season.nfo") if own else None
        spots.append(Spot(Owner.SEASON, (season_id,), root, folder, nfo, season=number))
    return spots
