"""Accounts from the command line (the first admin, for instance)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from reelhouse.bootstrap import Runtime
from reelhouse.cli.root import app, run, settings_of

user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _read_password(from_stdin: bool, prompt: str) -> str:
    """One line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    username: str,
    admin: Annotated[bool, typer.Option("--admin", help="Make the account an admin.")] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account (the first admin, for instance)."""
    settings = settings_of(ctx)
    password = _read_password(password_stdin, "Password")

    async def create(runtime: Runtime) -> None:
        user = await runtime.services.users.create_user(username, password, is_admin=admin)
        role = "admin" if user.is_admin else "user"
        typer.echo(f"created {role} {user.username!r} (id {user.id})")

    run(settings, create)


@user_app.command("password")
def user_password(
    ctx: typer.Context,
    username: str,
    password_stdin: PasswordStdin = False,
) -> None:
    """Set an account's password (an admin locked out, for instance); every login and token
    of that account is revoked."""
    settings = settings_of(ctx)
    password = _read_password(password_stdin, "New password")

    async def reset(runtime: Runtime) -> None:
        user = await runtime.services.users.reset_password_by_name(username, password)
        typer.echo(f"password of {user.username!r} set; its logins and tokens are revoked")

    run(settings, reset)


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List the accounts."""

    async def show(runtime: Runtime) -> None:
        for user in await runtime.services.users.list_users():
            typer.echo(f"{user.id}\t{user.username}\t{'admin' if user.is_admin else 'user'}")

    run(settings_of(ctx), show)
