"""Background jobs from the command line: list, show and cancel them."""

from __future__ import annotations

from typing import Annotated

import typer

from reelhouse.bootstrap import Runtime
from reelhouse.cli.display import emit, job_details, jobs_table
from reelhouse.cli.root import app, run, settings_of
from reelhouse.infra.jobs.models import JobState

jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    state: Annotated[
        list[JobState] | None, typer.Option("--state", "-s", help="Only jobs in this state.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest jobs shown.")] = 50,
) -> None:
    """List jobs, newest first."""

    async def show(runtime: Runtime) -> None:
        jobs = await runtime.queue.list_jobs(states=state or (), kind=kind, limit=limit)
        emit(jobs_table(jobs))

    run(settings_of(ctx), show, current_schema=False)


@jobs_app.command("show")
def jobs_show(
    ctx: typer.Context,
    job_id: Annotated[int, typer.Argument(help="Job id.")],
    failures: Annotated[int, typer.Option(min=0, help="Failed items shown.")] = 20,
) -> None:
    """Show one job: state, progress, error and failed items."""

    async def show(runtime: Runtime) -> None:
        job = await runtime.queue.get(job_id)
        failed, count = await runtime.queue.failures(job_id, limit=failures)
        emit(job_details(job, failed, count))

    run(settings_of(ctx), show, current_schema=False)


@jobs_app.command("cancel")
def jobs_cancel(ctx: typer.Context, job_id: Annotated[int, typer.Argument(help="Job id.")]) -> None:
    """Cancel a job: a queued one at once, a running one at its next checkpoint."""

    async def cancel(runtime: Runtime) -> None:
        job = await runtime.queue.cancel(job_id)
        if job.state == JobState.RUNNING:
            typer.echo(f"job {job_id}: cancel requested; it stops at its next checkpoint")
        else:
            typer.echo(f"job {job_id}: {job.state}")

    run(settings_of(ctx), cancel, current_schema=False)
