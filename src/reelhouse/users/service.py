"""Accounts, login and bearer tokens."""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from reelhouse.config import AuthSettings
from reelhouse.content.catalogue.invalidation import LIBRARY_GRANTS_TAG
from reelhouse.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from reelhouse.infra.cache import Cache, CacheNamespace
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.logging import get_logger
from reelhouse.users.models import ApiToken, TokenKind, User
from reelhouse.users.passwords import Passwords
from reelhouse.users.repository import SetupCodeRepository, TokenRepository, UserRepository
from reelhouse.users.throttle import LocalLoginThrottle, LoginThrottle

TOKEN_PREFIX = "rh_"  # noqa: S105 - a marker, not a secret
AUTH_NAMESPACE = "auth"
TOUCH_LOCK_STRIPES = 64
USERNAME_PATTERN = re.compile(r"[\w.@+-]{1,64}")
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    is_admin: bool
    library_ids: tuple[int, ...]

    @classmethod
    def of(cls, user: User) -> UserInfo:
        ids = tuple(sorted(grant.library_id for grant in user.library_grants))
        return cls(user.id, user.username, user.is_admin, ids)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as every authorization decision needs it."""

    user: UserInfo
    token_id: int

    @property
    def visible_libraries(self) -> frozenset[int] | None:
        """The libraries this caller may see; None means all of them."""
        return None if self.user.is_admin else frozenset(self.user.library_ids)

    @property
    def sees_server_paths(self) -> bool:
        """Whether this caller is shown where things lie on the server (library folders, file
        paths, errors that name them): admins only. The one rule every API and page asks."""
        return self.user.is_admin

    def server_path(self, path: str) -> str | None:
        """`path` (a folder or file on the server) as this caller is shown it: None unless
        `sees_server_paths`."""
        return path if self.sees_server_paths else None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    kind: TokenKind
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: `secret` is shown this once and never stored."""

    secret: str
    info: TokenInfo


class UsableToken(msgspec.Struct, frozen=True):
    """A usable token as authentication caches it (by the token's hash, never its secret)."""

    token_id: int
    user_id: int
    username: str
    is_admin: bool
    library_ids: tuple[int, ...]
    expires_at: datetime | None
    last_used_at: datetime | None

    def principal(self) -> Principal:
        user = UserInfo(self.user_id, self.username, self.is_admin, self.library_ids)
        return Principal(user, self.token_id)


def token_hash(secret: str) -> str:
    # Tokens are 256 random bits: a fast hash is as safe as a slow one, and lookups stay cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


class UsersService:
    def __init__(
        self,
        database: Database,
        settings: AuthSettings,
        cache: Cache | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        """`cache`: where `authenticate` keeps usable tokens (namespace `auth`); every change
        of a token or a user here drops its entries. Without one, every call reads the
        database (the CLI, which authenticates nobody). `throttle`: failed logins' counts
        (this process's own by default)."""
        self.database = database
        self.settings = settings
        self.passwords = Passwords(settings)
        self.throttle = throttle or LocalLoginThrottle(settings)
        self._tokens: CacheNamespace[UsableToken] | None = (
            cache.namespace(AUTH_NAMESPACE, UsableToken) if cache is not None else None
        )
        # House rule 1: a fixed array of locks, not a lock per token kept in a growing dict.
        self._touching = tuple(asyncio.Lock() for _ in range(TOUCH_LOCK_STRIPES))

    async def create_user(
        self, username: str, password: str, *, is_admin: bool = False
    ) -> UserInfo:
        self._check_username(username)
        self._check_password(password)
        password_hash = await self.passwords.hash(password)
        async with self.database.transaction() as session:
            user = await UserRepository(session).add(username, password_hash, is_admin=is_admin)
            return UserInfo.of(user)

    async def has_accounts(self) -> bool:
        async with self.database.read() as session:
            return await UserRepository(session).count() > 0

    async def ensure_initial_admin(self) -> bool:
        """Create the admin named in the settings when there is no account at all yet; whether
        an account exists now."""
        if await self.has_accounts():
            return True
        name, password = self.settings.initial_admin_username, self.settings.initial_admin_password
        if name and password:
            await self.create_user(name, password.get_secret_value(), is_admin=True)
            log.info("created the initial admin", username=name)
            return True
        log.warning(
            "no accounts yet: open the web page to set up the server, "
            "or run `reelhouse user create --admin NAME`"
        )
        return False

    async def create_first_admin(
        self, username: str, password: str, *, setup_code: str | None
    ) -> IssuedToken:
        """The first account (an admin) and a login token for it, in one transaction that also
        uses up every setup code. `setup_code` must be a live one unless None (the caller is on
        the server itself). `ConflictError` when an account exists already, whoever made it
        first, in whatever process."""
        self._check_username(username)
        self._check_password(password)
        password_hash = await self.passwords.hash(password)
        async with self.database.transaction() as session:
            codes = SetupCodeRepository(session)
            if setup_code is not None and not await codes.is_valid(
                token_hash(setup_code), utcnow()
            ):
                raise PermissionDeniedError("the setup code is wrong or has expired")
            user = await UserRepository(session).add_first_admin(username, password_hash)
            if user is None:
                raise ConflictError("this server is set up already: log in")
            await codes.consume_all()
            user_id = user.id
        log.info("created the first admin in the setup wizard", username=username.strip())
        ttl = timedelta(seconds=self.settings.session_ttl_s)
        return await self._issue(user_id, TokenKind.SESSION, "login", utcnow() + ttl)

    async def login(
        self, username: str, password: str, *, client: str | None = None
    ) -> IssuedToken:
        """A login token; `client` is the caller's address, which failures are counted
        against as well as the account (`RateLimitedError` while either must wait)."""
        user = await self._checked(username, password, client)
        ttl = timedelta(seconds=self.settings.session_ttl_s)
        return await self._issue(user.id, TokenKind.SESSION, "login", utcnow() + ttl)

    async def login_device(
        self,
        username: str,
        password: str,
        *,
        name: str,
        device_id: str,
        client: str | None = None,
    ) -> IssuedToken:
        """A token for an app on a device (a Jellyfin client), named after both: it lives
        until revoked, as the apps expect, and replaces the one that device had (the app
        logged in again), so a device holds one token, listed with the user's others."""
        user = await self._checked(username, password, client)
        device = token_hash(f"device:{device_id}")
        label = name.strip()[:100] or "app"
        async with self.database.transaction() as session:
            replaced = await TokenRepository(session).revoke_device(user.id, device, utcnow())
        await self._forget(replaced)
        return await self._issue(user.id, TokenKind.API, label, None, device=device)

    async def change_password(
        self, principal: Principal, current: str, new: str, *, client: str | None = None
    ) -> None:
        """The caller's own password, proven by the current one: a wrong one is refused and
        counted by the login throttle like a failed login, so this is no way around it. Every
        other token of the caller is revoked; the one of this request stays usable."""
        self._check_password(new, field="new_password")
        try:
            await self._checked(principal.user.username, current, client)
        except AuthenticationError as exc:
            raise PermissionDeniedError("the current password is wrong") from exc
        await self._set_password(principal.user.id, new, keep=principal.token_id)

    async def reset_password(self, admin: Principal, user_id: int, new: str) -> None:
        """An admin sets another user's password; all of that user's tokens are revoked. An
        admin's own goes through `change_password`, with the current one."""
        if user_id == admin.user.id:
            raise InvalidInputError(
                "change your own password with your current one", field="user_id"
            )
        self._check_password(new, field="new_password")
        await self._set_password(user_id, new, keep=None)

    async def reset_password_by_name(self, username: str, new: str) -> UserInfo:
        """The console's reset (a locked-out admin): as `reset_password`, by name."""
        self._check_password(new)
        async with self.database.read() as session:
            user = await UserRepository(session).find_by_username(username)
            if user is None:
                raise NotFoundError(f"there is no user {username!r}")
            info = UserInfo.of(user)
        await self._set_password(info.id, new, keep=None)
        return info

    async def _set_password(self, user_id: int, new: str, *, keep: int | None) -> None:
        """Store `new` and revoke every token of the user but `keep`; the account's failed
        logins are forgotten, as at a successful login."""
        password_hash = await self.passwords.hash(new)
        async with self.database.transaction() as session:
            user = await UserRepository(session).set_password_hash(user_id, password_hash)
            revoked = await TokenRepository(session).revoke_all_but(user_id, keep, utcnow())
            account = _account_key(user.username)
        await self._forget(revoked)
        await self.throttle.succeeded(account)

    async def _checked(self, username: str, password: str, client: str | None) -> User:
        """The user, if the password is theirs: checked only when neither the account nor the
        address must wait (an unknown name costs the same hash as a wrong password)."""
        account = _account_key(username)
        keys = [account] if client is None else [account, f"address:{client}"]
        wait = await self.throttle.wait_s(keys)
        if wait > 0:
            raise RateLimitedError(
                f"too many failed logins: try again in {math.ceil(wait)} s", retry_after_s=wait
            )
        async with self.database.read() as session:
            user = await UserRepository(session).find_by_username(username)
        if (
            not await self.passwords.verify(user.password_hash if user else None, password)
            or not user
        ):
            await self.throttle.failed(keys)
            raise AuthenticationError("wrong username or password")
        await self.throttle.succeeded(account)
        return user

    async def authenticate(self, secret: str) -> Principal:
        if not secret.startswith(TOKEN_PREFIX):
            raise AuthenticationError("the token is not a reelhouse token")
        hashed = token_hash(secret)
        token = await self._token(hashed)
        # A read, then a write only when `last_used_at` is stale: most requests take no write
        # lock (which SQLite has one of).
        if self._stale(token):
            # One request per token and process writes it: the others, waiting here, then
            # read back the time it wrote, instead of queueing for the write lock each.
            async with self._touching[token.token_id % len(self._touching)]:
                token = await self._token(hashed)
                if self._stale(token):
                    async with self.database.transaction() as session:
                        await TokenRepository(session).touch(token.token_id, utcnow())
                    if self._tokens is not None:
                        await self._tokens.invalidate(hashed)  # the next call reads the time
        return token.principal()

    async def _token(self, hashed: str) -> UsableToken:
        if self._tokens is None:
            token = await self._usable(hashed)
        else:
            # Keyed by the token's hash, which every change of the token or its user here
            # drops; tagged so that a deleted library (whose id may come back) drops them all.
            token = await self._tokens.get_or_load(
                hashed, lambda: self._usable(hashed), tags=(LIBRARY_GRANTS_TAG,)
            )
        if token is None or (token.expires_at is not None and token.expires_at <= utcnow()):
            raise AuthenticationError("the token is unknown, expired or revoked")
        return token

    def _stale(self, token: UsableToken) -> bool:
        interval = timedelta(seconds=self.settings.touch_interval_s)
        return token.last_used_at is None or utcnow() - token.last_used_at >= interval

    async def _usable(self, hashed: str) -> UsableToken | None:
        async with self.database.read() as session:
            found = await TokenRepository(session).find_usable(hashed, utcnow())
            if found is None:
                return None
            token, user = found
            info = UserInfo.of(user)
        usable = UsableToken(
            token.id,
            info.id,
            info.username,
            info.is_admin,
            info.library_ids,
            token.expires_at,
            token.last_used_at,
        )
        return usable

    async def logout(self, principal: Principal) -> None:
        await self.revoke_token(principal, principal.token_id)

    async def create_api_token(self, principal: Principal, name: str) -> IssuedToken:
        if not 1 <= len(name.strip()) <= 100:
            raise InvalidInputError("a token name has 1 to 100 characters", field="name")
        return await self._issue(principal.user.id, TokenKind.API, name.strip(), None)

    async def list_tokens(self, principal: Principal) -> list[TokenInfo]:
        async with self.database.read() as session:
            tokens = await TokenRepository(session).list_for_user(principal.user.id)
            return [_token_info(token) for token in tokens]

    async def revoke_token(self, principal: Principal, token_id: int) -> None:
        async with self.database.transaction() as session:
            hashed = await TokenRepository(session).revoke(token_id, principal.user.id, utcnow())
        await self._forget([hashed])

    async def list_users(self) -> list[UserInfo]:
        async with self.database.read() as session:
            return [UserInfo.of(user) for user in await UserRepository(session).list()]

    async def get_user(self, user_id: int) -> UserInfo:
        async with self.database.read() as session:
            return UserInfo.of(await UserRepository(session).get(user_id))

    async def delete_user(self, principal: Principal, user_id: int) -> None:
        if user_id == principal.user.id:
            raise InvalidInputError("you cannot delete your own account", field="user_id")
        async with self.database.transaction() as session:
            hashes = await TokenRepository(session).hashes_of_user(user_id)
            await UserRepository(session).delete(user_id)
        await self._forget(hashes)

    async def set_user_libraries(self, user_id: int, library_ids: Sequence[int]) -> UserInfo:
        async with self.database.transaction() as session:
            users = UserRepository(session)
            user = await users.get(user_id)
            try:
                await users.set_libraries(user, library_ids)
            except NotFoundError as exc:
                raise InvalidInputError(exc.detail, field="library_ids") from exc
            hashes = await TokenRepository(session).hashes_of_user(user_id)
            info = UserInfo.of(user)
        await self._forget(hashes)
        return info

    async def _forget(self, hashes: Sequence[str]) -> None:
        """Drop the cached authentication of these tokens (after the change committed), here
        and in every other process."""
        if self._tokens is not None and hashes:
            await self._tokens.invalidate(*hashes)

    async def _issue(
        self,
        user_id: int,
        kind: TokenKind,
        name: str,
        expires_at: datetime | None,
        *,
        device: str | None = None,
    ) -> IssuedToken:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self.database.transaction() as session:
            token = await TokenRepository(session).add(
                ApiToken(
                    user_id=user_id,
                    kind=kind,
                    name=name,
                    token_hash=token_hash(secret),
                    created_at=utcnow(),
                    expires_at=expires_at,
                    device=device,
                )
            )
            return IssuedToken(secret, _token_info(token))

    def _check_username(self, username: str) -> None:
        if not USERNAME_PATTERN.fullmatch(username.strip()):
            raise InvalidInputError(
                "a username has 1 to 64 letters, digits or . @ + - _", field="username"
            )

    def _check_password(self, password: str, *, field: str = "password") -> None:
        shortest, longest = self.settings.min_password_length, self.settings.max_password_length
        if not shortest <= len(password) <= longest:
            raise InvalidInputError(
                f"a password has {shortest} to {longest} characters", field=field
            )


def _account_key(username: str) -> str:
    """The login throttle's key of an account."""
    return f"account:{username.casefold()}"


def _token_info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        token.id, token.name, token.kind, token.created_at, token.last_used_at, token.expires_at
    )
