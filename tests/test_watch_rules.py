"""The resume rules as properties: what a reported position keeps, for any runtime and any
thresholds in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reelhouse.config import WatchSettings
from reelhouse.watch.rules import progress_of

DEFAULTS = WatchSettings()
HOUR_MS = 3_600_000

positions = st.integers(-10 * HOUR_MS, 10 * HOUR_MS)
runtimes = st.none() | st.integers(1, 10 * HOUR_MS)


@st.composite
def settings(draw: st.DrawFn) -> WatchSettings:
    low = draw(st.floats(0, 100))
    high = draw(st.floats(low, 100))
    return WatchSettings(
        min_resume_percent=low,
        max_resume_percent=high,
        min_resume_duration_s=draw(st.integers(0, 3600)),
    )


@given(positions, runtimes, settings())
def test_a_resume_point_lies_between_the_thresholds_of_a_long_enough_item(
    position: int, runtime: int | None, rules: WatchSettings
) -> None:
    outcome = progress_of(position, runtime, rules)
    if outcome.position_ms is None or runtime is None:
        return
    share = 100 * outcome.position_ms / runtime
    assert rules.min_resume_percent <= share <= rules.max_resume_percent
    assert runtime >= rules.min_resume_duration_s * 1000
    assert not outcome.played


@given(positions, st.integers(1, 10 * HOUR_MS), settings())
def test_played_exactly_past_the_upper_threshold(
    position: int, runtime: int, rules: WatchSettings
) -> None:
    outcome = progress_of(position, runtime, rules)
    kept = min(max(position, 0), runtime)
    assert outcome.played == (100 * kept / runtime > rules.max_resume_percent)
    if outcome.played:
        assert outcome.position_ms is None


@given(positions)
def test_without_a_runtime_the_position_is_kept_and_nothing_assumed(position: int) -> None:
    outcome = progress_of(position, None, DEFAULTS)
    assert not outcome.played
    assert outcome.position_ms == (position if position > 0 else None)


@given(st.integers(-10 * HOUR_MS, -1), runtimes)
def test_a_negative_position_is_clamped_with_its_reason(position: int, runtime: int | None) -> None:
    outcome = progress_of(position, runtime, DEFAULTS)
    assert outcome.clamped == "negative position"
    assert outcome.position_ms is None


def test_jellyfins_defaults() -> None:
    film = 2 * HOUR_MS
    assert progress_of(film // 25, film, DEFAULTS).position_ms is None  # 4%: too early
    assert progress_of(film // 2, film, DEFAULTS).position_ms == film // 2
    assert progress_of(film * 91 // 100, film, DEFAULTS).played
    short = 4 * 60_000  # under five minutes: no resume point, but it can be finished
    assert progress_of(short // 2, short, DEFAULTS).position_ms is None
    assert progress_of(short, short, DEFAULTS).played
    past = progress_of(film + 1, film, DEFAULTS)
    assert (past.played, past.clamped) == (True, "position past the runtime")
