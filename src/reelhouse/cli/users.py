"""Accounts from the command line (the first admin, for instance)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from reelhouse.bootstrap import Runtime
from reelhouse.cli.root import app, run, settings_of

user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


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
    settings = settings_of(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def create(runtime: Runtime) -> None:
        user = await runtime.services.users.create_user(username, password, is_admin=admin)
        role = "admin" if user.is_admin else "user"
        typer.echo(f"created {role} {user.username!r} (id {user.id})")

    run(settings, create)


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List the accounts."""

    async def show(runtime: Runtime) -> None:
        for user in await runtime.services.users.list_users():
            typer.echo(f"{user.id}\t{user.username}\t{'admin' if user.is_admin else 'user'}")

    run(settings_of(ctx), show)
