"""Properties of the pure parts (backoff, progress) and of job arguments from outside."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.config import JobsSettings
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.backoff import retry_delay_s
from reelhouse.infra.jobs.progress import Progress, ProgressView
from reelhouse.infra.jobs.queue import JobQueue

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    base=st.floats(min_value=0.001, max_value=1_000),
    ceiling=st.floats(min_value=0.001, max_value=100_000),
    jitter=st.floats(min_value=0, max_value=1),
    rand=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_retry_delays_double_up_to_the_cap_minus_jitter(
    attempt: int, base: float, ceiling: float, jitter: float, rand: float
) -> None:
    jobs = JobsSettings(retry_backoff_base_s=base, retry_backoff_max_s=ceiling, retry_jitter=jitter)
    full = min(ceiling, base * 2.0 ** min(attempt - 1, 64))
    delay = retry_delay_s(attempt, jobs, rand=lambda: rand)
    assert full * (1 - jitter) - 1e-9 <= delay <= full + 1e-9
    assert delay <= ceiling + 1e-9


@given(
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=50), st.sampled_from(["ok", "failed", "x"])),
        max_size=30,
    ),
    total=st.integers(min_value=0, max_value=10_000),
)
def test_progress_counts_add_up_and_survive_a_resume(
    steps: list[tuple[int, str]], total: int
) -> None:
    ticks = iter(float(n) for n in range(1_000))
    progress = Progress(clock=lambda: next(ticks))
    progress.set_total(total // 2)
    progress.add_total(total - total // 2)  # a scan learns its total as it walks
    for count, outcome in steps:
        progress.advance(count, outcome=outcome)
    snapshot = progress.snapshot(__import__("datetime").datetime.now(__import__("datetime").UTC))
    assert (
        snapshot["done"] == sum(count for count, _ in steps) == sum(snapshot["counters"].values())
    )
    assert snapshot["eta_s"] is None or snapshot["eta_s"] >= 0
    stored = json.loads(json.dumps(snapshot))
    resumed = Progress(stored)
    view = ProgressView.from_json(stored)
    assert (resumed.done, resumed.total, resumed.counters) == (view.done, total, view.counters)
    assert resumed.rate_per_s() is None  # nothing done yet in the new attempt


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.dictionaries(st.text(max_size=20), json_values, max_size=5))
async def test_json_arguments_are_stored_exactly(database: Database, args: dict[str, Any]) -> None:
    queue = JobQueue(database, JobsSettings())
    job = (await queue.enqueue("echo", args)).job
    assert (await queue.get(job.id)).args == args


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bad=st.sampled_from(
        [{"t": (1, 2)}, {"n": float("inf")}, {"s": {1, 2}}, {"b": b"bytes"}, {1: "int key"}]
    )
)
async def test_arguments_that_would_not_read_back_the_same_are_refused(
    database: Database, bad: Any
) -> None:
    queue = JobQueue(database, JobsSettings())
    with pytest.raises(InvalidInputError) as refused:
        await queue.enqueue("echo", bad)
    assert refused.value.field == "args"
    assert await queue.list_jobs(kind="echo") == []
