"""How `reelhouse jobs` shows jobs on a terminal (rich tables), how every command prints a table
(at the terminal's width, or at the width it needs when the output is piped), and the progress
bars of the long commands."""

from __future__ import annotations

import sys
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.progress import ProgressView
from reelhouse.infra.jobs.views import JobFailureView, JobView

_STATE_STYLE = {
    JobState.QUEUED: "cyan",
    JobState.RUNNING: "yellow",
    JobState.SUCCEEDED: "green",
    JobState.FAILED: "red",
    JobState.CANCELLED: "magenta",
}


def emit(renderable: RenderableType) -> None:
    """Print `renderable` on standard output: on a terminal at its width (cells wrap rather
    than vanish); piped (to a file, `grep`, a test) as wide as it needs, so that no cell is
    wrapped at rich's default of 80 columns and every line stays whole for the reader."""
    console = Console()
    if not console.is_terminal:
        wide = console.options.update_width(sys.maxsize)
        needed = Measurement.get(console, wide, renderable).maximum
        console = Console(width=max(needed, console.width))
    console.print(renderable)


def jobs_table(jobs: list[JobView]) -> Table:
    table = Table(title="jobs", title_justify="left")
    # Every column may wrap, so nothing vanishes on a narrow terminal.
    for column in ("id", "kind", "key", "state", "tries", "done", "items/s", "eta", "created"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        progress = ProgressView.from_json(job.progress)
        table.add_row(
            str(job.id),
            job.kind,
            job.key or "",
            _state(job),
            f"{job.attempts}/{job.max_attempts}",
            _done(progress),
            _rate(job, progress),
            _eta(job, progress),
            _when(job.created_at),
        )
    return table


def job_details(job: JobView, failures: list[JobFailureView], failure_count: int) -> RenderableType:
    progress = ProgressView.from_json(job.progress)
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold")
    fields.add_column()
    rows = {
        "id": str(job.id),
        "kind": job.kind,
        "key": job.key or "",
        "state": _state(job),
        "attempts": f"{job.attempts}/{job.max_attempts}",
        "args": str(job.args),
        "progress": _done(progress),
        "current": progress.current or "",
        "rate/s": _rate(job, progress),
        "eta": _eta(job, progress),
        "outcomes": ", ".join(f"{k}={v}" for k, v in sorted(progress.counters.items())),
        "worker": job.lease_owner or "",
        "created": _when(job.created_at),
        "next run": _when(job.run_at) if job.state == JobState.QUEUED else "",
        "started": _when(job.started_at),
        "finished": _when(job.finished_at),
    }
    for name, value in rows.items():
        fields.add_row(name, value)
    parts: list[RenderableType] = [fields]
    if job.error:
        parts += [Text("error", style="bold red"), Text(job.error)]
    if failure_count:
        table = Table(title=f"failed items ({len(failures)} of {failure_count})")
        table.add_column("item")
        table.add_column("attempt")
        table.add_column("error")
        for failure in failures:
            table.add_row(failure.item, str(failure.attempt), failure.error)
        parts.append(table)
    return Group(*parts)


def pipeline_summary(steps: list[tuple[str, JobView]]) -> Table:
    """One row per step of a scan and what followed it: how it ended, counts and time."""
    table = Table(title="summary", title_justify="left")
    for column in ("step", "job", "state", "done", "outcomes", "took"):
        table.add_column(column, overflow="fold")
    for step, job in steps:
        progress = ProgressView.from_json(job.progress)
        took = None
        if job.started_at and job.finished_at:
            took = (job.finished_at - job.started_at).total_seconds()
        table.add_row(
            step,
            str(job.id),
            _state(job),
            _done(progress),
            ", ".join(f"{k}={v}" for k, v in sorted(progress.counters.items())),
            _duration(took),
        )
    return table


def _state(job: JobView) -> str:
    state = JobState(job.state)
    label = f"[{_STATE_STYLE[state]}]{state.value}[/]"
    if job.cancel_requested and state == JobState.RUNNING:
        label += " (cancelling)"
    return label


def _rate(job: JobView, progress: ProgressView) -> str:
    """Items a second, of a running job only: a finished job's last rate is history, and a
    queued one's is from an attempt that ended."""
    if job.state != JobState.RUNNING or progress.rate_per_s is None:
        return ""
    return f"{progress.rate_per_s:g}"


def _eta(job: JobView, progress: ProgressView) -> str:
    """Time left, of a running job only (see `_rate`)."""
    return _duration(progress.eta_s) if job.state == JobState.RUNNING else ""


def _done(progress: ProgressView) -> str:
    if progress.total is None:
        return str(progress.done) if progress.done else ""
    fraction = progress.fraction
    percent = "" if fraction is None else f" ({fraction:.0%})"
    return f"{progress.done}/{progress.total}{percent}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


class TableBars:
    """One progress bar per table (or other step) of a long run: a copy, a backup, a restore."""

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> TableBars:
        self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bars.stop()

    def table_started(self, step: str, table: str, total: int) -> None:
        self._task = self._bars.add_task(f"{step} {table}", total=total)

    def rows_done(self, rows: int) -> None:
        if self._task is not None:
            self._bars.advance(self._task, rows)
