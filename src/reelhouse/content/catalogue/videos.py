"""Provider trailer links: which videos are kept, and the link out to each.

A link is built here from the site and key a provider gave, never taken whole from outside:
only sites reelhouse knows, with keys of the shape those sites use, so a stored link cannot
point anywhere else. Pages link out to them; nothing is embedded (no third-party player or
script, the pages' CSP stays as it is).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reelhouse.content.metadata.models import Video

#: How each known site's key looks, and the link to a video of it.
_SITES = {
    "youtube": (re.compile(r"[A-Za-z0-9_-]{1,64}"), "https://www.youtube.com/watch?v={key}"),
    "vimeo": (re.compile(r"[0-9]{1,20}"), "https://vimeo.com/{key}"),
}
#: The kinds of video kept: what a viewer opens to decide whether to watch.
TRAILER_KINDS = frozenset({"trailer", "teaser"})


@dataclass(frozen=True, slots=True)
class VideoInput:
    site: str
    key: str
    kind: str
    name: str
    language: str | None
    sort_order: int


def video_url(site: str, key: str) -> str | None:
    """The link out to a video, or None for a site or key reelhouse does not know."""
    known = _SITES.get(site.lower())
    if known is None or not known[0].fullmatch(key):
        return None
    return known[1].format(key=key)


def trailers(videos: Iterable[Video]) -> list[VideoInput]:
    """The trailers and teasers among a record's videos that can be linked to, trailers first,
    each site and key once."""
    kept: dict[tuple[str, str], VideoInput] = {}
    ranked = sorted(videos, key=lambda v: v.kind.lower() != "trailer")
    for video in ranked:
        site = video.site.lower()
        if video.kind.lower() in TRAILER_KINDS and video_url(site, video.key):
            kept.setdefault(
                (site, video.key),
                VideoInput(
                    site,
                    video.key,
                    video.kind.lower(),
                    video.name[:200],
                    (video.language or None) and video.language[:16],
                    len(kept),
                ),
            )
    return list(kept.values())
