"""A running job's outbound waits end when the job must stop (house rule 8).

Provider requests and image downloads, with their retries and `Retry-After` sleeps, can take
minutes. The runner runs each handler in a `JobScope`; a wait marked `interruptible()` in it
ends the moment the job is cancelled, loses its lease or its worker stops, raising the job's
`JobInterrupted` instead. Only such waits are cut short: database work never is in one, so no
transaction is left half way (the runner never cancels a handler for that reason). A wait
shared with other callers (a coalesced request, a cache fill) runs in a task of its own: the
job stops waiting for it, and it goes on for the others.

Inside a job, a `Retry-After` longer than what the job's lease has left is not slept out
(`infra.retry`): the request gives up, and the job is retried when the server said.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_current: contextvars.ContextVar[JobScope | None] = contextvars.ContextVar(
    "reelhouse_job_scope", default=None
)


class JobScope:
    """The stop signal and the lease of one attempt of one job."""

    def __init__(
        self,
        reason: Callable[[], BaseException | None],
        *,
        lease_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`reason()` is what an interrupted wait raises (the job's `JobInterrupted`)."""
        self._reason = reason
        self._lease_s = lease_s
        self._clock = clock
        self._lease_ends = clock() + lease_s
        self._stopped = False
        #: Tasks in an interruptible wait, with how deeply they are nested in one.
        self._waiting: dict[asyncio.Task[Any], int] = {}
        self._interrupted: set[asyncio.Task[Any]] = set()

    def start(self, coroutine: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run `coroutine` as a task in this scope (the tasks it starts are in it too)."""
        context = contextvars.copy_context()
        context.run(_current.set, self)
        return asyncio.create_task(coroutine, name=name, context=context)

    def renewed(self) -> None:
        """The lease was just renewed."""
        self._lease_ends = self._clock() + self._lease_s

    def lease_left_s(self) -> float:
        return self._lease_ends - self._clock()

    def stop(self) -> None:
        """End every interruptible wait of the scope now, and each one that begins later."""
        self._stopped = True
        current = asyncio.current_task()
        for task in self._waiting:
            # A task cannot be waiting while it runs this; it meets `_stopped` at its next wait.
            if task is not current and task not in self._interrupted:
                self._interrupted.add(task)
                task.cancel()

    @contextmanager
    def _wait(self, task: asyncio.Task[Any]) -> Iterator[None]:
        if self._stopped:
            self._raise()
        self._waiting[task] = self._waiting.get(task, 0) + 1
        try:
            yield
        except asyncio.CancelledError:
            # Ours alone (as `asyncio.timeout` tells): the job's reason instead. A cancel from
            # anyone else (a worker torn down) goes on as a cancel.
            if task in self._interrupted:
                self._interrupted.discard(task)
                if task.uncancel() == 0:
                    self._raise()
            raise
        finally:
            depth = self._waiting.pop(task) - 1
            if depth:
                self._waiting[task] = depth

    def _raise(self) -> None:
        reason = self._reason()
        if reason is not None:
            raise reason from None


@contextmanager
def interruptible() -> Iterator[None]:
    """Mark the block as an outbound wait of the running job, if any: it ends, raising the
    job's `JobInterrupted`, when the job must stop. Never around database work."""
    scope = _current.get()
    task = asyncio.current_task()
    if scope is None or task is None:
        yield
        return
    with scope._wait(task):
        yield


def lease_left_s() -> float | None:
    """What the running job's lease has left (renewed as it runs); None outside a job."""
    scope = _current.get()
    return None if scope is None else scope.lease_left_s()
