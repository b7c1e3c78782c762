"""The `reelhouse` command and what its commands share: the settings, and the runtime they run
on (`reelhouse.bootstrap`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from reelhouse.bootstrap import Runtime, open_runtime
from reelhouse.config import (
    CONFIG_ENV_VAR,
    ENV_PREFIX,
    LogFormat,
    LogLevel,
    LogSettings,
    Settings,
    load_settings,
)
from reelhouse.infra.db import migrate
from reelhouse.infra.logging import configure_logging

app = typer.Typer(
    help="reelhouse: a self-hosted movie and TV library server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@dataclass(frozen=True)
class CommandLine:
    """What the options before the command say, for every command."""

    config: Path | None = None
    log_level: LogLevel | None = None
    log_format: LogFormat | None = None

    @property
    def log_overrides(self) -> dict[str, str]:
        """The `log` settings given on the command line, by name."""
        given = {"level": self.log_level, "format": self.log_format}
        return {name: value for name, value in given.items() if value is not None}

    def environment(self) -> dict[str, str]:
        """The same options as environment variables, for the processes a command starts."""
        env = {
            f"{ENV_PREFIX}LOG_{name.upper()}": value for name, value in self.log_overrides.items()
        }
        if self.config is not None:
            env[CONFIG_ENV_VAR] = str(self.config.absolute())
        return env

    def load(self) -> Settings:
        """The settings from the file and the environment, with the options applied."""
        settings = load_settings(self.config)
        if not self.log_overrides:
            return settings
        log = LogSettings.model_validate({**settings.log.model_dump(), **self.log_overrides})
        return settings.model_copy(update={"log": log})


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
    log_level: Annotated[
        LogLevel | None, typer.Option("--log-level", help="Override log.level.")
    ] = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            "--log-format",
            help="Override log.format (json, console, or auto: console on a terminal).",
        ),
    ] = None,
) -> None:
    ctx.obj = CommandLine(config, log_level, log_format)


def command_line(ctx: typer.Context) -> CommandLine:
    """The options given before the command."""
    given = ctx.find_object(CommandLine)
    return given if given is not None else CommandLine()


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the command was given (`--config`, the environment, `--log-*`), logging
    set up."""
    settings = command_line(ctx).load()
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
