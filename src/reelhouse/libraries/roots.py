"""Which library root a path belongs to: one rule for scans, the watcher and webhooks."""

from __future__ import annotations

from collections.abc import Iterable


def owning_root(path: str, roots: Iterable[str]) -> str | None:
    """The root that holds `path` (or is it), the deepest one when roots nest; None if none."""
    wanted = path.rstrip("/")
    best: str | None = None
    for root in roots:
        base = root.rstrip("/")
        inside = wanted == base or wanted.startswith(base + "/")
        if inside and (best is None or len(base) > len(best.rstrip("/"))):
            best = root
    return best
