"""Libraries from the command line: add and list them, and scan one (following the scan
through matching and artwork with a progress bar each, when asked to wait)."""

from __future__ import annotations

import contextlib
import os
from contextlib import aclosing
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reelhouse.bootstrap import Runtime
from reelhouse.cli.display import emit, job_details, pipeline_summary
from reelhouse.cli.root import app, run, settings_of
from reelhouse.infra.db.peers import joined
from reelhouse.infra.db.sole_process import sole_process
from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.progress import ProgressView
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.views import JobView
from reelhouse.infra.jobs.worker import running_worker
from reelhouse.ingest.artwork import ARTWORK_KIND
from reelhouse.ingest.libraries import LibraryInfo
from reelhouse.ingest.pipeline import ENRICH_KIND
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import SCAN_KIND
from reelhouse.playback.probing import PROBE_KIND

library_app = typer.Typer(help="Libraries.", no_args_is_help=True)
app.add_typer(library_app, name="library")

#: What `scan --wait` follows: the scan, then the jobs each step queues for the library.
PIPELINE_STEPS = (
    ("files", SCAN_KIND),
    ("matched", ENRICH_KIND),
    ("artwork", ARTWORK_KIND),
    ("media", PROBE_KIND),
)


@library_app.command("add")
def library_add(
    ctx: typer.Context,
    name: str,
    paths: Annotated[list[str], typer.Argument(help="Root folders of the library.")],
    kind: Annotated[LibraryKind, typer.Option("--kind", help="What the library holds.")],
) -> None:
    """Add a library (then `reelhouse scan NAME` to fill it)."""
    roots = [os.path.abspath(path) for path in paths]

    async def add(runtime: Runtime) -> None:
        library = await runtime.services.libraries.create(name, kind, roots)
        typer.echo(f"added library {library.name!r} (id {library.id}): {', '.join(library.paths)}")

    run(settings_of(ctx), add)


@library_app.command("list")
def library_list(ctx: typer.Context) -> None:
    """List the libraries."""

    async def show(runtime: Runtime) -> None:
        table = Table("id", "name", "kind", "folders")
        for library in await runtime.services.libraries.list():
            table.add_row(str(library.id), library.name, library.kind, "\n".join(library.paths))
        emit(table)

    run(settings_of(ctx), show)


@app.command()
def scan(
    ctx: typer.Context,
    library: Annotated[str, typer.Argument(help="Library name or id.")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Run the scan here and show its progress.")
    ] = False,
) -> None:
    """Queue a scan of a library; with --wait, run it in this process with a progress bar."""
    settings = settings_of(ctx)

    async def scan_library(runtime: Runtime) -> None:
        libraries = runtime.services.libraries
        found = await libraries.find(library)
        if not wait:
            enqueued = await libraries.scan(found.id)
            typer.echo(f"scan of {found.name!r} queued as job {enqueued.job.id}")
            return
        async with joined(runtime.database, settings, "scan --wait"):
            await scan_here(runtime, found)

    async def scan_here(runtime: Runtime, found: LibraryInfo) -> None:
        libraries, queue = runtime.services.libraries, runtime.queue
        enqueued = await libraries.scan(found.id)
        async with running_worker(runtime.worker(run_schedules=False)):
            steps = await _follow_pipeline(
                queue, enqueued.job, found.id, settings.jobs.poll_interval_s
            )
        emit(pipeline_summary(steps))
        for _, job in steps:
            if job.state != JobState.SUCCEEDED or job.progress.get("counters", {}).get("failed"):
                failed, count = await queue.failures(job.id)
                emit(job_details(job, failed, count))
        if any(job.state != JobState.SUCCEEDED for _, job in steps):
            raise typer.Exit(1)

    # Run here, the scan's writes would not reach a server's cache on SQLite without Redis.
    with sole_process(settings, "scan --wait") if wait else contextlib.nullcontext():
        run(settings, scan_library)


async def _follow_pipeline(
    queue: JobQueue, scan_job: JobView, library_id: int, poll_s: float
) -> list[tuple[str, JobView]]:
    """Follow the scan and the steps it leads to, one progress bar each, until one ends
    without succeeding or the last one ends; the jobs as they ended."""
    ended: list[tuple[str, JobView]] = []
    with Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counters]}"),
        TimeElapsedColumn(),
    ) as bar:
        for step, kind in PIPELINE_STEPS:
            job = (
                scan_job
                if kind == scan_job.kind
                else await queue.latest(kind, {"library_id": library_id}, since=scan_job.created_at)
            )
            if job is None:
                break
            task = bar.add_task(step, total=None, counters="")
            async with aclosing(queue.poll(job.id, poll_s)) as updates:
                async for job in updates:
                    view = ProgressView.from_json(job.progress)
                    counters = ", ".join(f"{k} {v}" for k, v in sorted(view.counters.items()))
                    bar.update(task, completed=view.done, total=view.total, counters=counters)
            ended.append((step, job))
            if job.state != JobState.SUCCEEDED:
                break
    return ended
