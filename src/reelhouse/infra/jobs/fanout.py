"""Helpers of job handlers that work on many items: bounded fan-out and validated id arguments."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from reelhouse.errors import InvalidInputError
from reelhouse.infra.jobs.context import JobInterrupted

T = TypeVar("T")


def library_key(library_id: int) -> str:
    """The uniqueness key of per-library jobs: one queued-or-running job of a kind per library."""
    return f"library:{library_id}"


def id_arg(args: Mapping[str, Any], name: str) -> int:
    """A job argument that must be a row id; anything else fails the job at once."""
    value = args.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError(f"{name} {value!r} is not an id", field=name)
    return value


async def for_each(items: Iterable[T], limit: int, work: Callable[[T], Awaitable[None]]) -> None:
    """`work` on every item, at most `limit` at once; the first error cancels the rest and is
    raised as itself (not as an exception group), so the job layer sees what it was. When the
    job is interrupted, the rest are left to stop by themselves."""
    pending = iter(items)

    async def drain() -> None:
        for item in pending:
            await work(item)

    tasks = [asyncio.create_task(drain()) for _ in range(limit)]
    try:
        await asyncio.gather(*tasks)
    except JobInterrupted:
        # Each of the others stops by itself (its waits are interrupted too, its writes finish):
        # none is cancelled in the middle of a database call.
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
