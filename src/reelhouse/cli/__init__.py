"""The `reelhouse` command line: one module per group of commands, each run on the runtime the
composition root builds (`reelhouse.bootstrap`)."""

from __future__ import annotations

import sys

import typer

# Each module registers its commands on `app`.
from reelhouse.cli import (
    backup,
    cluster,
    database,
    doctor,
    identify,
    jobs,
    libraries,
    server,
    settings,
    users,
)
from reelhouse.cli.root import app
from reelhouse.errors import ReelhouseError

__all__ = [
    "app",
    "backup",
    "cluster",
    "database",
    "doctor",
    "identify",
    "jobs",
    "libraries",
    "main",
    "server",
    "settings",
    "users",
]


def main() -> None:
    try:
        app()
    except ReelhouseError as exc:
        typer.echo(f"reelhouse: error: {exc.detail}", err=True)
        sys.exit(2)
