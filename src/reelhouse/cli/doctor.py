"""`reelhouse doctor`: what is wrong with this installation, one line per check."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Annotated

import typer
from rich.table import Table

from reelhouse.bootstrap import open_runtime
from reelhouse.cli.display import emit
from reelhouse.cli.root import app, command_line, settings_of
from reelhouse.config import Settings, config_path
from reelhouse.diagnostics import Finding, Status
from reelhouse.diagnostics.doctor import settings_failure, unable_to_start
from reelhouse.errors import ConfigError

_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.SKIPPED: "dim"}


@app.command()
def doctor(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the findings as JSON, for scripts.")
    ] = False,
) -> None:
    """Check the settings, database, Redis, providers, ffmpeg, libraries and data directory,
    and say what to fix; exits 1 when a check fails."""
    try:
        findings = asyncio.run(_examine(settings_of(ctx), ctx))
    except ConfigError as exc:
        findings = [settings_failure(exc.detail)]
    failed = any(finding.status is Status.FAIL for finding in findings)
    if as_json:
        typer.echo(json.dumps({"ok": not failed, "checks": [f.as_json() for f in findings]}))
    else:
        emit(_table(findings))
    if failed:
        raise typer.Exit(1)


async def _examine(settings: Settings, ctx: typer.Context) -> list[Finding]:
    config_file = config_path(command_line(ctx).config)
    async with AsyncExitStack() as stack:
        try:
            runtime = await stack.enter_async_context(open_runtime(settings))
        except OSError as exc:
            return await unable_to_start(settings, config_file, exc)
        return await runtime.doctor(config_file).examine()


def _table(findings: list[Finding]) -> Table:
    table = Table(title="reelhouse doctor", title_justify="left")
    for column in ("check", "status", "detail"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        status = f"[{_STYLE[finding.status]}]{finding.status.value}[/]"
        table.add_row(finding.check, status, finding.detail)
    return table
