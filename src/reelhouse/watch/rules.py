"""What a reported position means (Jellyfin's rules, thresholds from the settings): a resume
point, nothing (too early, or the item too short), or played. Pure, so that the rules are
tested as properties and applied the same way to one report or a batch."""

from __future__ import annotations

from dataclasses import dataclass

from reelhouse.config import WatchSettings


@dataclass(frozen=True, slots=True)
class Progress:
    #: The resume point to keep, in milliseconds; None for none.
    position_ms: int | None
    #: Whether the position finishes the item.
    played: bool
    #: Why the reported position was changed before it was kept (logged), if it was.
    clamped: str | None = None


def progress_of(position_ms: int, runtime_ms: int | None, settings: WatchSettings) -> Progress:
    """The outcome of a player reporting `position_ms` into an item lasting `runtime_ms` (the
    probe's duration, else the provider's runtime; None when neither is known: the position is
    kept as it is and nothing is assumed)."""
    clamped = None
    if position_ms < 0:
        position_ms, clamped = 0, "negative position"
    if runtime_ms is None or runtime_ms <= 0:
        return Progress(position_ms or None, played=False, clamped=clamped)
    if position_ms > runtime_ms:
        position_ms, clamped = runtime_ms, "position past the runtime"
    share = 100 * position_ms / runtime_ms
    if share > settings.max_resume_percent:
        return Progress(None, played=True, clamped=clamped)
    if runtime_ms < settings.min_resume_duration_s * 1000 or share < settings.min_resume_percent:
        return Progress(None, played=False, clamped=clamped)
    return Progress(position_ms, played=False, clamped=clamped)
