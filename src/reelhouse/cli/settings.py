"""The settings from the command line: the effective ones, and the reference of all."""

from __future__ import annotations

import json

import typer

from reelhouse.cli.root import app, settings_of
from reelhouse.config import public_view, settings_reference

config_app = typer.Typer(help="Settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the effective settings as JSON, secrets masked."""
    typer.echo(json.dumps(public_view(settings_of(ctx)), indent=2))


@config_app.command("docs")
def config_docs() -> None:
    """Print the Markdown reference of every setting (docs/configuration.md)."""
    typer.echo(settings_reference(), nl=False)
