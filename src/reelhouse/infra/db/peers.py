"""The long-running reelhouse processes on one database, and whether they can work together.

Each `serve`, `worker` and `scan --wait` writes a row here while it runs, renewed every
`cluster.heartbeat_interval_s`, with how it hears of the others' writes: the Redis it publishes
invalidations on (its address and key prefix), or none. Processes that disagree would not hear
each other: a token revoked through one would keep working in the other, a library removed
there would still be listed here. So a process refuses to start next to a live one that
disagrees, or next to any live one when it has no Redis itself (the PostgreSQL counterpart of
`sole_process`, which covers SQLite with a file lock). Two that start at the same moment can
both pass that check; each beat looks again, and a disagreement found then fails the process's
readiness (`/health/ready`) and is logged as an error at every beat until it is resolved.

A row not renewed for three beats is a process that died; so is a row of this machine whose
process id is gone, which lets a process killed a second ago be restarted at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.config import Settings
from reelhouse.errors import ConfigError, DatabaseUnavailableError
from reelhouse.infra.db.base import Base
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

#: Beats a row may miss before its process is taken for dead.
MISSED_BEATS = 3
NO_REDIS = "none"


class PeerProcess(Base):
    """One running reelhouse process; not copied by `reelhouse db copy`."""

    __tablename__ = "peer_processes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    command: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    invalidation: Mapped[str] = mapped_column(String(512))
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]


def invalidation_identity(settings: Settings) -> str:
    """How a process with `settings` hears the others: the Redis it uses (without its
    password) and its key prefix, or `none`."""
    if not settings.redis.url:
        return NO_REDIS
    url = make_url(settings.redis.url).set(password=None, username=None)
    return f"{url.render_as_string()} prefix {settings.cache.key_prefix}"


@dataclass(frozen=True)
class Disagreement:
    other: PeerProcess
    reason: str

    def __str__(self) -> str:
        other = self.other
        return (
            f"`reelhouse {other.command}` (pid {other.pid} on {other.host}, running since "
            f"{other.started_at:%Y-%m-%d %H:%M:%S} UTC) {self.reason}"
        )


class Peers:
    """This process's row, and what it finds next to it."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        command: str,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._interval_s = settings.cluster.heartbeat_interval_s
        self._clock = clock
        self.identity = invalidation_identity(settings)
        self.row_id = uuid.uuid4().hex
        self.command = command
        self.disagreements: list[Disagreement] = []
        self._started_at = clock()

    async def ensure_compatible(self) -> None:
        """`ConfigError` if a live process would not hear this one's writes, or this one
        theirs (a check before starting, when failing is cheapest)."""
        async with self._database.transaction() as session:
            self._refuse_disagreements(await self._live_others(session, self._clock()))

    async def join(self) -> None:
        """Refuse as `ensure_compatible` does; otherwise record this process."""
        now = self._clock()
        self._started_at = now
        async with self._database.transaction() as session:
            self._refuse_disagreements(await self._live_others(session, now))
            session.add(self._row(now))

    async def beat(self) -> None:
        """Renew this process's row, and look again at the others."""
        now = self._clock()
        async with self._database.transaction() as session:
            renewed = await session.execute(
                update(PeerProcess).where(PeerProcess.id == self.row_id).values(seen_at=now)
            )
            if renewed.rowcount == 0:  # type: ignore[attr-defined]  # taken for dead meanwhile
                session.add(self._row(now))
            self.disagreements = self._disagreements(await self._live_others(session, now))
        for disagreement in self.disagreements:
            log.error(
                "another reelhouse process on this database would not hear this one's writes",
                other=str(disagreement),
            )

    async def leave(self) -> None:
        async with self._database.transaction() as session:
            await session.execute(delete(PeerProcess).where(PeerProcess.id == self.row_id))

    async def check(self) -> str | None:
        """A readiness check: not ready while a disagreement stands."""
        if self.disagreements:
            raise ConfigError(self._refusal(self.disagreements))
        return None

    async def keep_beating(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.beat()
            except (SQLAlchemyError, DatabaseUnavailableError, OSError):
                log.warning("could not renew this process's row; trying again", exc_info=True)

    # -- internals ----------------------------------------------------------------------------

    def _row(self, now: datetime) -> PeerProcess:
        return PeerProcess(
            id=self.row_id,
            command=self.command,
            host=socket.gethostname(),
            pid=os.getpid(),
            invalidation=self.identity,
            started_at=self._started_at,
            seen_at=now,
        )

    async def _live_others(self, session: AsyncSession, now: datetime) -> list[PeerProcess]:
        horizon = now - timedelta(seconds=MISSED_BEATS * self._interval_s)
        rows = list(await session.scalars(select(PeerProcess).where(PeerProcess.id != self.row_id)))
        dead = [row.id for row in rows if row.seen_at < horizon or _gone(row)]
        if dead:
            await session.execute(delete(PeerProcess).where(PeerProcess.id.in_(dead)))
        return [row for row in rows if row.id not in dead]

    def _refuse_disagreements(self, others: list[PeerProcess]) -> None:
        disagreements = self._disagreements(others)
        if disagreements:
            raise ConfigError(self._refusal(disagreements))

    def _disagreements(self, others: list[PeerProcess]) -> list[Disagreement]:
        found = []
        for other in others:
            if other.invalidation != self.identity:
                reason = (
                    f"hears writes through {_described(other.invalidation)}, this process "
                    f"through {_described(self.identity)}"
                )
            elif self.identity == NO_REDIS:
                reason = "runs without Redis too, so neither would hear the other's writes"
            else:
                continue
            found.append(Disagreement(other, reason))
        return found

    def _refusal(self, disagreements: list[Disagreement]) -> str:
        listed = "; ".join(str(d) for d in disagreements)
        return (
            f"`reelhouse {self.command}` cannot share this database with {listed}. Give every "
            "reelhouse process on one database the same redis.url and cache.key_prefix "
            "(or run a single process without Redis)."
        )


async def forget_peers(database: Database) -> None:
    """Drop every process's row: a restored database holds those of the processes that ran on
    the database it was backed up from."""
    async with database.transaction() as session:
        await session.execute(delete(PeerProcess))


def _described(identity: str) -> str:
    return "no Redis (its own memory only)" if identity == NO_REDIS else f"Redis {identity}"


def _gone(row: PeerProcess) -> bool:
    """Whether the row is of this machine and its process no longer exists."""
    if row.host != socket.gethostname():
        return False
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, as another user
    return False


@contextlib.asynccontextmanager
async def joined(database: Database, settings: Settings, command: str) -> AsyncIterator[Peers]:
    """This process among its peers while the block runs: refused at entry when it cannot work
    with them, its row renewed meanwhile and removed at the end."""
    peers = Peers(database, settings, command)
    await peers.join()
    beating = asyncio.create_task(peers.keep_beating())
    try:
        yield peers
    finally:
        beating.cancel()
        await asyncio.wait([beating])
        with contextlib.suppress(SQLAlchemyError, DatabaseUnavailableError, OSError):
            await peers.leave()
