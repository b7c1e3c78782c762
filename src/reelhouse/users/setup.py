"""Who may set up a server that has no account yet: a browser on the server itself, or anyone
with the one-time setup code the server printed on its console at start (so a headless server
can be set up from another machine, and nobody else on the network can claim it first).

The code's hash is kept in the database with an expiry, not in the memory of the process that
printed it: behind a load balancer any API process may get the wizard's requests. Every code is
used up in the transaction that creates the first admin.
"""

from __future__ import annotations

import math
import re
import secrets
from datetime import timedelta

from reelhouse.config import AuthSettings
from reelhouse.errors import ConflictError, PermissionDeniedError, RateLimitedError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.users.repository import SetupCodeRepository
from reelhouse.users.service import IssuedToken, UsersService, token_hash

#: Letters and digits nobody mistakes for one another when typing them off a console.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS, GROUP_LENGTH = 3, 4  # 60 random bits, typed as ABCD-EFGH-JKLM
_NOT_CODE = re.compile(r"[^A-Z0-9]")

DONE = "this server is set up already: log in"
NEEDS_CODE = (
    "setting up this server from another machine needs the setup code it printed on its "
    "console at start (or open the page on the server itself)"
)
WRONG_CODE = (
    "the setup code is wrong or has expired (restart the server for a new one; it prints it "
    "on its console)"
)


def setup_banner(code: str, *, host: str, port: int, ttl_s: int) -> str:
    """What the server prints on its console while it has no account: plain lines a person
    sees among the logs, with the code to type in a browser on another machine."""
    where = host if host not in ("0.0.0.0", "::", "") else "<this server's address>"  # noqa: S104
    remote = [f"  From another machine: http://{where}:{port}/setup"]
    if _loopback_host(host):
        remote = [
            f"  From another machine: http://<this server's address>:{port}/setup, once it",
            f'    listens there too (it listens on {host} only: set server.host = "0.0.0.0")',
        ]
    lines = [
        "reelhouse has no account yet: open the web page to set it up.",
        f"  On this machine:      http://127.0.0.1:{port}/setup",
        *remote,
        f"  with the setup code:  {code}",
        f"(the code works for {max(1, ttl_s // 3600)} h, until the first admin exists; a "
        "restart prints a new one)",
    ]
    width = max(len(line) for line in lines) + 4
    rule = "=" * width
    return "\n".join(["", rule, *(f"  {line}" for line in lines), rule, ""])


def _loopback_host(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


def normalized_code(code: str) -> str:
    """A code as typed (any case, with or without dashes or spaces), as it was made."""
    return _NOT_CODE.sub("", code.upper())


class SetupService:
    def __init__(self, database: Database, settings: AuthSettings, users: UsersService) -> None:
        self.database = database
        self.settings = settings
        self.users = users
        # Once an account exists the server stays set up (none may delete the last admin from
        # the page): a latch spares the count on every later question.
        self._set_up = False

    async def needed(self) -> bool:
        """Whether the server has no account yet, and so shows the setup wizard."""
        if not self._set_up:
            self._set_up = await self.users.has_accounts()
        return not self._set_up

    async def issue_code(self) -> str | None:
        """A new one-time setup code (its hash stored), or None when the server is set up."""
        if not await self.needed():
            return None
        code = "-".join(
            "".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP_LENGTH))
            for _ in range(CODE_GROUPS)
        )
        now = utcnow()
        async with self.database.transaction() as session:
            await SetupCodeRepository(session).add(
                token_hash(normalized_code(code)),
                now,
                now + timedelta(seconds=self.settings.setup_code_ttl_s),
            )
        return code

    async def admit(self, *, from_loopback: bool, code: str | None, client: str | None) -> None:
        """Let the caller use the wizard, or refuse: `ConflictError` once the server is set up,
        `PermissionDeniedError` from another machine without a live code. Wrong codes count as
        failed logins of the caller's address (and so are slowed down the same way)."""
        if not await self.needed():
            raise ConflictError(DONE)
        if from_loopback:
            return
        if not code:
            raise PermissionDeniedError(NEEDS_CODE)
        keys = [] if client is None else [f"address:{client}"]
        wait = await self.users.throttle.wait_s(keys) if keys else 0.0
        if wait > 0:
            raise RateLimitedError(
                f"too many wrong setup codes: try again in {math.ceil(wait)} s",
                retry_after_s=wait,
            )
        async with self.database.read() as session:
            valid = await SetupCodeRepository(session).is_valid(
                token_hash(normalized_code(code)), utcnow()
            )
        if not valid:
            if keys:
                await self.users.throttle.failed(keys)
            raise PermissionDeniedError(WRONG_CODE)

    async def create_first_admin(
        self,
        username: str,
        password: str,
        *,
        from_loopback: bool,
        code: str | None,
        client: str | None,
    ) -> IssuedToken:
        """The first admin and a login token for it (see `UsersService.create_first_admin`)."""
        await self.admit(from_loopback=from_loopback, code=code, client=client)
        checked = None if from_loopback or code is None else normalized_code(code)
        try:
            issued = await self.users.create_first_admin(username, password, setup_code=checked)
        except ConflictError:
            self._set_up = True
            raise
        self._set_up = True
        return issued
