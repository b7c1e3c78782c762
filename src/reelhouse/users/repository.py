"""The only SQL about users and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.errors import NotFoundError
from reelhouse.infra.db.repository import constraint_errors, get_or_raise
from reelhouse.users.models import ApiToken, SetupCode, User, UserLibrary


def username_key(username: str) -> str:
    return username.strip().casefold()


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, username: str, password_hash: str, *, is_admin: bool) -> User:
        user = User(
            username=username.strip(),
            username_key=username_key(username),
            password_hash=password_hash,
            is_admin=is_admin,
            library_grants=[],
        )
        self.session.add(user)
        with constraint_errors(f"user {username!r}"):
            await self.session.flush()
        return user

    async def add_first_admin(self, username: str, password_hash: str) -> User | None:
        """The first account, an admin; None when any account exists already. Two callers at
        once, in any processes, make one: on PostgreSQL the table lock (which conflicts with
        itself and with any insert) makes the second wait for the first to commit and then see
        its account; SQLite's write transactions (`BEGIN IMMEDIATE`) run one at a time."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
        if await self.count() > 0:
            return None
        return await self.add(username, password_hash, is_admin=True)

    async def get(self, user_id: int) -> User:
        return await get_or_raise(self.session, User, user_id, "user")

    async def find_by_username(self, username: str) -> User | None:
        return await self.session.scalar(
            select(User).where(User.username_key == username_key(username))
        )

    async def list(self) -> Sequence[User]:
        return (await self.session.scalars(select(User).order_by(User.username_key))).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def set_password_hash(self, user_id: int, password_hash: str) -> User:
        user = await self.get(user_id)
        user.password_hash = password_hash
        await self.session.flush()
        return user

    async def delete(self, user_id: int) -> None:
        await self.session.delete(await self.get(user_id))

    async def set_libraries(self, user: User, library_ids: Sequence[int]) -> None:
        user.library_grants = [UserLibrary(library_id=i) for i in dict.fromkeys(library_ids)]
        with constraint_errors(f"libraries of user {user.username!r}"):
            await self.session.flush()


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: ApiToken) -> ApiToken:
        self.session.add(token)
        with constraint_errors("token"):
            await self.session.flush()
        return token

    async def find_usable(self, token_hash: str, now: datetime) -> tuple[ApiToken, User] | None:
        """The token with this hash and its user, unless revoked or expired."""
        row = (
            await self.session.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(
                    ApiToken.token_hash == token_hash,
                    ApiToken.revoked_at.is_(None),
                    (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
                )
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def touch(self, token_id: int, now: datetime) -> None:
        await self.session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        )

    async def list_for_user(self, user_id: int) -> Sequence[ApiToken]:
        return (
            await self.session.scalars(
                select(ApiToken)
                .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                .order_by(ApiToken.id)
            )
        ).all()

    async def revoke(self, token_id: int, user_id: int, now: datetime) -> str:
        """Revoke a usable token of this user; its hash (what caches know it by)."""
        hashed: str | None = await self.session.scalar(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.user_id == user_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .returning(ApiToken.token_hash)
        )
        if hashed is None:
            raise NotFoundError(f"token {token_id} does not exist")
        return hashed

    async def hashes_of_user(self, user_id: int) -> list[str]:
        """The hashes of every token of this user, revoked and expired ones too."""
        return list(
            await self.session.scalars(
                select(ApiToken.token_hash).where(ApiToken.user_id == user_id)
            )
        )

    async def revoke_device(self, user_id: int, device: str, now: datetime) -> list[str]:
        """Revoke this user's usable tokens issued to `device`; their hashes."""
        return await self._revoke(now, ApiToken.user_id == user_id, ApiToken.device == device)

    async def revoke_all_but(self, user_id: int, keep: int | None, now: datetime) -> list[str]:
        """Revoke every usable token of this user except `keep` (none when None); their
        hashes."""
        others = true() if keep is None else ApiToken.id != keep
        return await self._revoke(now, ApiToken.user_id == user_id, others)

    async def _revoke(self, now: datetime, *where: ColumnElement[bool]) -> list[str]:
        return list(
            await self.session.scalars(
                update(ApiToken)
                .where(ApiToken.revoked_at.is_(None), *where)
                .values(revoked_at=now)
                .returning(ApiToken.token_hash)
            )
        )


class SetupCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, code_hash: str, now: datetime, expires_at: datetime) -> None:
        """Store a new code's hash, and drop the codes that have expired."""
        await self.session.execute(delete(SetupCode).where(SetupCode.expires_at <= now))
        self.session.add(SetupCode(code_hash=code_hash, created_at=now, expires_at=expires_at))
        with constraint_errors("setup code"):
            await self.session.flush()

    async def is_valid(self, code_hash: str, now: datetime) -> bool:
        found = await self.session.scalar(
            select(SetupCode.id).where(SetupCode.code_hash == code_hash, SetupCode.expires_at > now)
        )
        return found is not None

    async def consume_all(self) -> None:
        """Every code goes: they were for the first account only."""
        await self.session.execute(delete(SetupCode))
