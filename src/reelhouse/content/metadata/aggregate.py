"""Merging one item's records from several providers, in priority order.

The first record fills the item; later ones fill only fields still empty, except the fields named
as merged (ratings, by default), where every provider's entries are kept and the first wins per
key. Ids are united, so each provider's ids cross-link the others. A season's episodes are merged
episode by episode.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from reelhouse.content.metadata.models import EpisodeRecord, ItemRecord

R = TypeVar("R", bound=ItemRecord)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, tuple | list | dict) and not value)


def merge(records: Sequence[R], merged_fields: Collection[str] = ()) -> R:
    if not records:
        raise ValueError("nothing to merge")
    first = records[0]
    values: dict[str, Any] = {}
    for name in type(first).model_fields:
        present = [getattr(r, name) for r in records if name in type(r).model_fields]
        if name == "ids":
            ids = present[0]
            for other in present[1:]:
                ids = ids.merged(other)
            values[name] = ids
        elif name == "sources":
            values[name] = tuple(dict.fromkeys(s for sources in present for s in sources))
        elif name == "episodes":
            values[name] = _merge_episodes(present, merged_fields)
        elif name in merged_fields and isinstance(present[0], dict):
            combined: dict[str, Any] = {}
            for value in present:
                combined = {**value, **combined}
            values[name] = combined
        else:
            values[name] = next((v for v in present if not is_empty(v)), present[0])
    return type(first).model_validate(values)


def _merge_episodes(
    per_record: list[tuple[EpisodeRecord, ...]], merged_fields: Collection[str]
) -> tuple[EpisodeRecord, ...]:
    by_number: dict[tuple[int, int], list[EpisodeRecord]] = {}
    for episodes in per_record:
        for episode in episodes:
            by_number.setdefault((episode.season_number, episode.episode_number), []).append(
                episode
            )
    return tuple(merge(group, merged_fields) for _, group in sorted(by_number.items()))
