"""Password hashing with argon2id, off the event loop (a hash costs ~0.1 s of CPU)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from reelhouse.config import AuthSettings


class Passwords:
    def __init__(self, settings: AuthSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_iterations,
            memory_cost=settings.password_hash_memory_kib,
        )
        # Verified when the username is unknown, so a miss costs as much as a wrong password.
        self._decoy_hash = self._hasher.hash("reelhouse decoy password")
        # Each hash takes its memory cost and a core: a burst of logins queues here instead
        # of taking the process's memory and every other request's CPU.
        self._hashing = asyncio.Semaphore(settings.max_concurrent_hashes)

    async def hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        async with self._hashing:
            return await asyncio.to_thread(
                self._verify, password_hash or self._decoy_hash, password
            )

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
