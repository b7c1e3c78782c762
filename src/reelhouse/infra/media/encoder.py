"""A long-running ffmpeg that writes HLS segments (house rule 12): its own session, low priority,
paused and resumed as a whole group, stopped with SIGTERM then SIGKILL, and always reaped.

ffmpeg tells us two things while it runs: each finished segment's file name on stdout (the
segment muxer's list, written when a segment is closed, so a listed file is complete), and its
progress as `key=value` lines on stderr (`-progress pipe:2`), between which its error lines
come. Both are read as they arrive; stderr keeps only its last lines, for the log on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reelhouse.errors import ProgramUnavailableError
from reelhouse.infra.media.process import program_command

#: Error lines kept from stderr: what explains a failure, never more.
ERROR_LINES_KEPT = 20
#: Longest line read from either pipe; ffmpeg's are short, a longer one is dropped.
_LINE_LIMIT = 64 * 1024


@dataclass(slots=True)
class EncoderProgress:
    """The last progress ffmpeg reported: media seconds written and the speed (times real time)."""

    out_time_s: float = 0.0
    speed: float | None = None


class Encoder:
    """One ffmpeg run. `on_segment(name)` is called for every finished segment, in order, and
    `on_exit(returncode)` once when it has exited and both pipes are read."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        on_segment: Callable[[str], None],
        on_exit: Callable[[int], None],
    ) -> None:
        self.process = process
        self.progress = EncoderProgress()
        self.errors: deque[str] = deque(maxlen=ERROR_LINES_KEPT)
        self.paused = False
        #: `stop` was called: the exit that follows is wanted, not a failure.
        self.stopping = False
        self._on_segment = on_segment
        self._on_exit = on_exit
        self._watch = asyncio.create_task(self._follow())

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def pause(self) -> None:
        """Stop the whole group where it is (it holds its files and memory, not the CPU)."""
        if self.running and not self.paused:
            self._signal(signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self._signal(signal.SIGCONT)
            self.paused = False

    async def stop(self, grace_s: float) -> None:
        """End the run now: SIGTERM (ffmpeg closes its files), SIGKILL if it lingers past
        `grace_s`; returns once it is reaped and its pipes are read."""
        self.stopping = True
        if self.running:
            self._signal(signal.SIGTERM)
            self._signal(signal.SIGCONT)  # a paused process cannot act on SIGTERM
            self.paused = False
            try:
                async with asyncio.timeout(grace_s):
                    await asyncio.shield(self._watch)
            except TimeoutError:
                self._signal(signal.SIGKILL)
        await asyncio.shield(self._watch)

    def error_text(self) -> str:
        return "; ".join(self.errors)

    def _signal(self, number: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, number)

    async def _follow(self) -> None:
        assert self.process.stdout is not None  # noqa: S101 - PIPE at the start
        assert self.process.stderr is not None  # noqa: S101
        try:
            await asyncio.gather(
                self._lines(self.process.stdout, self._segment_line),
                self._lines(self.process.stderr, self._stderr_line),
            )
            returncode = await self.process.wait()
        except asyncio.CancelledError:
            self._signal(signal.SIGKILL)
            await self.process.wait()
            raise
        self._on_exit(returncode)

    @staticmethod
    async def _lines(stream: asyncio.StreamReader, handle: Callable[[str], None]) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line past the limit: dropped, the rest is read
                continue
            if not line:
                return
            handle(line.decode("utf-8", "replace").strip())

    def _segment_line(self, line: str) -> None:
        if line:
            self._on_segment(line)

    def _stderr_line(self, line: str) -> None:
        key, sep, value = line.partition("=")
        if sep and key.isidentifier() and " " not in key:
            self._progress(key, value.strip())
        elif line:
            self.errors.append(line)

    def _progress(self, key: str, value: str) -> None:
        if key == "out_time_us":
            with contextlib.suppress(ValueError):
                self.progress.out_time_s = max(0.0, int(value) / 1e6)
        elif key == "speed":
            with contextlib.suppress(ValueError):
                self.progress.speed = float(value.rstrip("x"))


async def start_encoder(
    argv: Sequence[str],
    *,
    niceness: int,
    on_segment: Callable[[str], None],
    on_exit: Callable[[int], None],
) -> Encoder:
    """Start ffmpeg (`argv[0]` a name on PATH or a path) in a session of its own."""
    command = program_command(argv, niceness)
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            limit=_LINE_LIMIT,
        )
    except OSError as error:
        raise ProgramUnavailableError(argv[0], f"cannot start: {error}") from error
    return Encoder(process, on_segment, on_exit)
