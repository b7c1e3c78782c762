"""The `reelhouse` command and what its commands share: the settings, and the runtime they run
on (`reelhouse.bootstrap`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer

from reelhouse.bootstrap import Runtime, open_runtime
from reelhouse.config import CONFIG_ENV_VAR, Settings, load_settings
from reelhouse.infra.db import migrate
from reelhouse.infra.logging import configure_logging

app = typer.Typer(
    help="reelhouse: a self-hosted movie and TV library server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


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


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the command was given (`--config`, the environment), logging set up."""
    settings = load_settings(ctx.obj)
    configure_logging(settings.log)
    return settings


def run(
    settings: Settings,
    action: Callable[[Runtime], Awaitable[None]],
    *,
    current_schema: bool = True,
) -> None:
    """Run `action` on a runtime built from `settings`, once the database answers (and, with
    `current_schema`, once it is known to be on this reelhouse's schema)."""

    async def main() -> None:
        async with open_runtime(settings) as runtime:
            await runtime.database.ping()
            if current_schema:
                await migrate.ensure_current(runtime.database)
            await action(runtime)

    asyncio.run(main())
