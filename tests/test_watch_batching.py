"""The group commit of progress reports: reports arriving together are written together, the
latest per key, every caller answered once its batch is written (or told why not)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reelhouse.watch.batching import GroupCommit


class Writer:
    """Writes batches of numbers; refuses the negative ones."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail

    async def __call__(self, batch: list[int]) -> dict[Any, Exception]:
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("disk full")
        self.batches.append(sorted(n for n in batch if n >= 0))
        return {n: ValueError(f"{n} is negative") for n in batch if n < 0}


async def test_reports_within_the_window_are_one_batch_the_latest_per_key() -> None:
    writer = Writer()
    commit: GroupCommit[str, int] = GroupCommit(writer, window_s=0.05, max_batch=100)
    await asyncio.gather(commit.submit("a", 1), commit.submit("b", 2), commit.submit("a", 3))
    assert writer.batches == [[2, 3]]
    await commit.submit("a", 4)  # a later report: a batch of its own
    assert writer.batches == [[2, 3], [4]]


async def test_a_full_batch_is_written_without_waiting_for_the_window() -> None:
    writer = Writer()
    commit: GroupCommit[int, int] = GroupCommit(writer, window_s=60, max_batch=3)
    await asyncio.wait_for(asyncio.gather(*(commit.submit(n, n) for n in range(3))), 5)
    assert writer.batches == [[0, 1, 2]]


async def test_every_caller_of_a_failed_batch_gets_its_error() -> None:
    commit: GroupCommit[int, int] = GroupCommit(Writer(fail=True), window_s=0.01, max_batch=10)
    outcomes = await asyncio.gather(
        *(commit.submit(n, n) for n in range(3)), return_exceptions=True
    )
    assert [str(o) for o in outcomes] == ["disk full"] * 3


async def test_a_refused_report_fails_its_caller_alone() -> None:
    writer = Writer()
    commit: GroupCommit[int, int] = GroupCommit(writer, window_s=0.05, max_batch=10)
    outcomes = await asyncio.gather(
        commit.submit(1, 1), commit.submit(-2, -2), return_exceptions=True
    )
    assert outcomes[0] is None
    assert str(outcomes[1]) == "-2 is negative"
    assert writer.batches == [[1]]


async def test_a_caller_that_goes_away_loses_nothing_and_drain_waits_for_it() -> None:
    writer = Writer()
    commit: GroupCommit[int, int] = GroupCommit(writer, window_s=0.05, max_batch=10)
    caller = asyncio.create_task(commit.submit(1, 1))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await commit.drain()
    assert writer.batches == [[1]]
