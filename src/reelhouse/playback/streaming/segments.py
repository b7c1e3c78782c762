"""Where a session's segments start and how long each lasts: fixed for a transcode (a keyframe
is forced at every cut), at the video's own keyframes for a remux (a copied video can be cut
nowhere else). The playlist announces these, and every encoder run cuts at them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SegmentMap:
    """`cuts[k]` is the second segment k starts at (`cuts[0] == 0`); the last ends with the
    file."""

    cuts: tuple[float, ...]
    duration_s: float

    def __post_init__(self) -> None:
        if not self.cuts or self.cuts[0] != 0 or self.duration_s <= self.cuts[-1]:
            raise ValueError("cuts start at 0 and end before the file does")

    @property
    def count(self) -> int:
        return len(self.cuts)

    def durations(self) -> list[float]:
        ends = (*self.cuts[1:], self.duration_s)
        return [end - start for start, end in zip(self.cuts, ends, strict=True)]

    def segment_at(self, position_s: float) -> int:
        """The segment playing at `position_s`."""
        return max(0, sum(1 for cut in self.cuts if cut <= position_s) - 1)


def transcode_cuts(duration_s: float, segment_s: float) -> SegmentMap:
    count = max(1, int(-(-duration_s // segment_s)))
    cuts = [k * segment_s for k in range(count)]
    if len(cuts) > 1 and duration_s - cuts[-1] < segment_s / 4:
        cuts.pop()  # a sliver of a last segment joins the one before
    return SegmentMap(tuple(cuts), duration_s)


def remux_cuts(keyframes: Sequence[float], duration_s: float, segment_s: float) -> SegmentMap:
    """Cut at the first keyframe at least `segment_s` after the last cut (a file with sparse
    keyframes gets longer segments; never shorter ones, but for the last)."""
    cuts = [0.0]
    for keyframe in keyframes:
        if keyframe - cuts[-1] >= segment_s and duration_s - keyframe >= segment_s / 4:
            cuts.append(keyframe)
    return SegmentMap(tuple(cuts), duration_s)
