"""The whole catalogue by natural keys, to compare two runs over the same library (row ids
differ between runs): a kill -9 mid-pipeline, a soak under faults, a cluster."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.models import (
    Credit,
    Genre,
    Image,
    Item,
    ItemGenre,
    MediaFileItem,
    Person,
)
from reelhouse.infra.db.engine import Database
from reelhouse.libraries.models import FileState, MediaFile

Snapshot = dict[str, list[tuple[Any, ...]]]


def ordered(rows: Iterable[Any]) -> list[Any]:
    """Rows in a stable order, None and numbers side by side (their text decides)."""
    return sorted(rows, key=repr)


async def catalogue_snapshot(
    database: Database, root: Path, *, present_only: bool = False
) -> Snapshot:
    """Items, file links, credits, genres, images and people, with paths relative to `root`.

    `present_only` keeps the items the library's present files are (not extras of), their
    seasons and series, and what hangs on them: a file deleted from the library stays recorded
    as missing, and its item stays, shown without a file, its extras still on it (so a run that
    saw the file come and go differs there from one that never saw it)."""
    parent = aliased(Item)

    def key(item: Item, up: Item | None) -> tuple[Any, ...]:
        return (item.kind, item.title, item.tmdb_id, up.index_number if up else None,
                item.index_number)  # fmt: skip

    async with database.read() as session:
        items = {
            i.id: (i, up)
            for i, up in await session.execute(
                select(Item, parent).outerjoin(parent, parent.id == Item.parent_id)
            )
        }
        keys = {item_id: key(*pair) for item_id, pair in items.items()}
        linked = await session.execute(
            select(MediaFile.path, MediaFileItem.item_id, MediaFileItem.extra_type,
                   MediaFileItem.part, MediaFile.state).join(MediaFile)
        )  # fmt: skip
        link_rows = [row for row in linked if not present_only or row.state != FileState.MISSING]
        if present_only:
            shown = {row.item_id for row in link_rows if row.extra_type is None}
            kept = _with_ancestors(shown, items)
            link_rows = [row for row in link_rows if row.item_id in kept]
        else:
            kept = set(items)
        fields = ordered(
            (*keys[i.id], i.overview, i.year, i.tvdb_id, i.imdb_id, i.community_rating,
             i.collection_id and keys[i.collection_id])
            for i, _ in items.values() if i.id in kept
        )  # fmt: skip
        links = ordered(
            (path.removeprefix(str(root)), keys[item_id], extra, part)
            for path, item_id, extra, part, _state in link_rows
        )
        credited = [
            (c, name)
            for c, name in await session.execute(select(Credit, Person.name).join(Person))
            if c.item_id in kept
        ]
        credits = ordered(
            (keys[c.item_id], name, c.role, c.character, c.job, c.sort_order)
            for c, name in credited
        )
        genres = ordered(
            (keys[item_id], name)
            for item_id, name in await session.execute(
                select(ItemGenre.item_id, Genre.name).join(Genre)
            )
            if item_id in kept
        )
        images = ordered(
            (keys.get(i.item_id or 0), i.kind, i.provider_path, i.selected, i.local_path)
            for i in await session.scalars(select(Image).where(Image.item_id.is_not(None)))
            if i.item_id in kept
        )
        people = ordered(
            {name for _, name in credited}
            if present_only
            else await session.scalars(select(Person.name))
        )
    return {"items": fields, "links": links, "credits": credits, "genres": genres,
            "images": images, "people": people}  # fmt: skip


def _with_ancestors(item_ids: set[int], items: Mapping[int, tuple[Item, Any]]) -> set[int]:
    """`item_ids` with their seasons, series and collections."""
    kept: set[int] = set()
    pending = list(item_ids)
    while pending:
        item_id = pending.pop()
        if item_id in kept or item_id not in items:
            continue
        kept.add(item_id)
        item = items[item_id][0]
        pending.extend(i for i in (item.parent_id, item.collection_id) if i is not None)
    return kept
