"""The `reelhouse` command line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, aclosing, asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reelhouse.app import (
    create_app,
    prepare_database,
    running_watcher,
    running_worker,
    worker_process,
)
from reelhouse.config import (
    CONFIG_ENV_VAR,
    Settings,
    load_settings,
    public_view,
    settings_reference,
)
from reelhouse.content.shared.artwork_jobs import ARTWORK_KIND
from reelhouse.content.shared.invalidation import CatalogueInvalidation
from reelhouse.content.shared.naming import LibraryHint, group, identify
from reelhouse.content.shared.pipeline import ENRICH_KIND
from reelhouse.errors import ReelhouseError
from reelhouse.http.server_protocol import bounded_httptools
from reelhouse.infra.cache import Cache
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.models import Job, JobState
from reelhouse.infra.jobs.progress import ProgressView
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.logging import configure_logging
from reelhouse.jobs_display import job_details, jobs_table, pipeline_summary
from reelhouse.libraries.jobs import SCAN_KIND
from reelhouse.libraries.models import LibraryKind
from reelhouse.libraries.service import LibrariesService
from reelhouse.libraries.watch import LibraryWatcher
from reelhouse.users.service import UsersService

app = typer.Typer(
    help="reelhouse: a self-hosted movie and TV library server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
app.add_typer(db_app, name="db")
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
library_app = typer.Typer(help="Libraries.", no_args_is_help=True)
app.add_typer(library_app, name="library")
app.add_typer(config_app, name="config")
app.add_typer(user_app, name="user")
app.add_typer(jobs_app, name="jobs")


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help=f"TOML settings file (default: ${CONFIG_ENV_VAR}).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    ctx.obj = config


def _settings(ctx: typer.Context) -> Settings:
    settings = load_settings(ctx.obj)
    configure_logging(settings.log)
    return settings


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Override server.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override server.port.")] = None,
) -> None:
    """Run the HTTP server (and, by default, the job workers)."""
    settings = _settings(ctx)
    asyncio.run(_with_database(settings, lambda db: prepare_database(db, settings)))
    uvicorn.run(
        create_app(settings),
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_config=None,
        http=bounded_httptools(settings.http.max_header_bytes),
        # Not uvloop: saturated, it runs new requests before finishing started ones, and a few
        # connections wait seconds (MagicStack/uvloop#123); asyncio's loop serves them in turn.
        loop="asyncio",
    )


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Override jobs.concurrency.")
    ] = None,
) -> None:
    """Run job workers only, no HTTP server (scale-out: several of these share PostgreSQL)."""
    settings = _settings(ctx)
    if concurrency is not None:
        jobs = settings.jobs.model_copy(update={"concurrency": concurrency})
        settings = settings.model_copy(update={"jobs": jobs})

    async def work(database: Database) -> None:
        await prepare_database(database, settings)
        async with AsyncExitStack() as stack:
            runner = await stack.enter_async_context(worker_process(settings, database))
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, runner.stop)
            if settings.scan.watch:
                watcher = LibraryWatcher(database, JobQueue(database, settings.jobs), settings.scan)
                await stack.enter_async_context(running_watcher(watcher))
            await runner.run()

    asyncio.run(_with_database(settings, work))


@asynccontextmanager
async def _libraries(database: Database, settings: Settings) -> AsyncIterator[LibrariesService]:
    """The libraries service as `serve` wires it, for one command."""
    await migrate.ensure_current(database)
    cache = Cache.from_settings(settings)
    try:
        yield LibrariesService(
            database, CatalogueInvalidation(cache), JobQueue(database, settings.jobs)
        )
    finally:
        await cache.close()


@library_app.command("add")
def library_add(
    ctx: typer.Context,
    name: str,
    paths: Annotated[list[str], typer.Argument(help="Root folders of the library.")],
    kind: Annotated[LibraryKind, typer.Option("--kind", help="What the library holds.")],
) -> None:
    """Add a library (then `reelhouse scan NAME` to fill it)."""
    settings = _settings(ctx)
    roots = [os.path.abspath(path) for path in paths]

    async def add(database: Database) -> None:
        async with _libraries(database, settings) as libraries:
            library = await libraries.create(name, kind, roots)
        typer.echo(f"added library {library.name!r} (id {library.id}): {', '.join(library.paths)}")

    asyncio.run(_with_database(settings, add))


@library_app.command("list")
def library_list(ctx: typer.Context) -> None:
    """List the libraries."""
    settings = _settings(ctx)

    async def show(database: Database) -> None:
        table = Table("id", "name", "kind", "folders")
        async with _libraries(database, settings) as libraries:
            found = await libraries.list()
        for library in found:
            table.add_row(str(library.id), library.name, library.kind, "\n".join(library.paths))
        Console().print(table)

    asyncio.run(_with_database(settings, show))


@app.command()
def scan(
    ctx: typer.Context,
    library: Annotated[str, typer.Argument(help="Library name or id.")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Run the scan here and show its progress.")
    ] = False,
) -> None:
    """Queue a scan of a library; with --wait, run it in this process with a progress bar."""
    settings = _settings(ctx)

    async def run(database: Database) -> None:
        async with _libraries(database, settings) as libraries:
            found = await libraries.find(library)
            enqueued = await libraries.scan(found.id)
        job_id = enqueued.job.id
        if not wait:
            typer.echo(f"scan of {found.name!r} queued as job {job_id}")
            return
        queue = JobQueue(database, settings.jobs)
        async with (
            worker_process(settings, database, run_schedules=False) as worker,
            running_worker(worker),
        ):
            steps = await _follow_pipeline(
                queue, enqueued.job, found.id, settings.jobs.poll_interval_s
            )
        console = Console()
        console.print(pipeline_summary(steps))
        for _, job in steps:
            if job.state != JobState.SUCCEEDED or job.progress.get("counters", {}).get("failed"):
                failed, count = await queue.failures(job.id)
                console.print(job_details(job, failed, count))
        if any(job.state != JobState.SUCCEEDED for _, job in steps):
            raise typer.Exit(1)

    asyncio.run(_with_database(settings, run))


#: What `scan --wait` follows: the scan, then the jobs each step queues for the library.
PIPELINE_STEPS = (("files", SCAN_KIND), ("matched", ENRICH_KIND), ("artwork", ARTWORK_KIND))


async def _follow_pipeline(
    queue: JobQueue, scan_job: Job, library_id: int, poll_s: float
) -> list[tuple[str, Job]]:
    """Follow the scan and the steps it leads to, one progress bar each, until one ends
    without succeeding or the last one ends; the jobs as they ended."""
    ended: list[tuple[str, Job]] = []
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
    settings = _settings(ctx)

    async def show(database: Database) -> None:
        queue = JobQueue(database, settings.jobs)
        jobs = await queue.list_jobs(states=state or (), kind=kind, limit=limit)
        Console().print(jobs_table(jobs))

    asyncio.run(_with_database(settings, show))


@jobs_app.command("show")
def jobs_show(
    ctx: typer.Context,
    job_id: Annotated[int, typer.Argument(help="Job id.")],
    failures: Annotated[int, typer.Option(min=0, help="Failed items shown.")] = 20,
) -> None:
    """Show one job: state, progress, error and failed items."""
    settings = _settings(ctx)

    async def show(database: Database) -> None:
        queue = JobQueue(database, settings.jobs)
        job = await queue.get(job_id)
        failed, count = await queue.failures(job_id, limit=failures)
        Console().print(job_details(job, failed, count))

    asyncio.run(_with_database(settings, show))


@jobs_app.command("cancel")
def jobs_cancel(ctx: typer.Context, job_id: Annotated[int, typer.Argument(help="Job id.")]) -> None:
    """Cancel a job: a queued one at once, a running one at its next checkpoint."""
    settings = _settings(ctx)

    async def cancel(database: Database) -> None:
        job = await JobQueue(database, settings.jobs).cancel(job_id)
        if job.state == JobState.RUNNING:
            typer.echo(f"job {job_id}: cancel requested; it stops at its next checkpoint")
        else:
            typer.echo(f"job {job_id}: {job.state}")

    asyncio.run(_with_database(settings, cancel))


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations."""
    settings = _settings(ctx)
    asyncio.run(_with_database(settings, migrate.upgrade))
    typer.echo(f"database is at migration {migrate.head_revision()}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's migration and the newest one this reelhouse knows."""
    settings = _settings(ctx)

    async def show(database: Database) -> None:
        current = await migrate.current_revision(database)
        typer.echo(f"current: {current or 'none'}\nhead: {migrate.head_revision()}")

    asyncio.run(_with_database(settings, show))


@app.command("identify")
def identify_command(
    paths: Annotated[
        list[str], typer.Argument(help="Paths to analyse; '-' reads them from stdin.")
    ],
    library_kind: Annotated[
        LibraryHint, typer.Option("--library-kind", help="What the library holds.")
    ] = LibraryHint.AUTO,
    root: Annotated[
        str, typer.Option(help="Library root: only the part of each path below it counts.")
    ] = "",
    grouped: Annotated[
        bool, typer.Option("--group", help="Group the paths into library items.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Identify paths by name alone (nothing is read from disk; a trailing '/' marks a folder)."""
    if paths == ["-"]:
        # Bytes that are not UTF-8 (file names need not be) survive as surrogate escapes.
        text = sys.stdin.buffer.read().decode(errors="surrogateescape")
        paths = [line.rstrip("\r") for line in text.split("\n")]
    found = [identify(p, library=library_kind, root=root) for p in paths if p]
    rows = group(found) if grouped else [i.to_json() for i in found]
    for row in rows:
        line = json.dumps(row, ensure_ascii=False) if as_json else _plain(row)
        try:
            line.encode()
        except UnicodeEncodeError:  # a name that is not UTF-8: escaped, not lost
            line = json.dumps(row) if as_json else line.encode(errors="backslashreplace").decode()
        typer.echo(line)


def _plain(row: dict[str, object]) -> str:
    return "  ".join(f"{key}={value}" for key, value in row.items())


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the effective settings as JSON, secrets masked."""
    typer.echo(json.dumps(public_view(_settings(ctx)), indent=2))


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    username: str,
    admin: Annotated[bool, typer.Option("--admin", help="Make the account an admin.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account (the first admin, for instance)."""
    settings = _settings(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def create(database: Database) -> None:
        await migrate.ensure_current(database)
        user = await UsersService(database, settings.auth).create_user(
            username, password, is_admin=admin
        )
        role = "admin" if user.is_admin else "user"
        typer.echo(f"created {role} {user.username!r} (id {user.id})")

    asyncio.run(_with_database(settings, create))


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List the accounts."""
    settings = _settings(ctx)

    async def show(database: Database) -> None:
        await migrate.ensure_current(database)
        for user in await UsersService(database, settings.auth).list_users():
            typer.echo(f"{user.id}\t{user.username}\t{'admin' if user.is_admin else 'user'}")

    asyncio.run(_with_database(settings, show))


@config_app.command("docs")
def config_docs() -> None:
    """Print the Markdown reference of every setting (docs/configuration.md)."""
    typer.echo(settings_reference(), nl=False)


async def _with_database(settings: Settings, action: Callable[[Database], Awaitable[None]]) -> None:
    database = Database.from_settings(settings)
    try:
        await database.ping()
        await action(database)
    finally:
        await database.close()


def main() -> None:
    try:
        app()
    except ReelhouseError as exc:
        typer.echo(f"reelhouse: error: {exc.detail}", err=True)
        sys.exit(2)
