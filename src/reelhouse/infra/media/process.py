"""The one way reelhouse runs ffprobe and ffmpeg, and pg_dump and pg_restore (house rule 12):
bounded in time, in output and in number, at low priority, and always killed and reaped.

Priority is lowered by running the program through `nice -n N`, which execs it already niced.
The alternatives lose: `preexec_fn=os.nice` is not safe in a process with threads (the server
has them) and disables the fast spawn path; `os.setpriority` right after the spawn races the
program, and on Linux niceness is per thread, so decoder threads started before the call would
keep normal priority. The extra exec costs one to two milliseconds a call (`bench/probe.py`).

Each program gets a session (and process group) of its own, so a timeout, a cancellation or an
over-long output kills the whole group, including anything the program started, and never
touches the server's own group.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from reelhouse.errors import ProgramFailedError, ProgramTimeoutError, ProgramUnavailableError
from reelhouse.infra.media.files import FILE_INPUT

#: Bytes of stderr kept: enough for the last lines a failure is explained by, never more.
STDERR_TAIL_BYTES = 4096
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ProgramOutput:
    """What a program that exited with 0 printed: all of stdout, the tail of stderr (warnings)."""

    stdout: bytes
    stderr: str


async def run_program(
    argv: Sequence[str],
    *,
    timeout_s: float,
    niceness: int,
    max_output: int,
    limit: asyncio.Semaphore | None = None,
    env: Mapping[str, str] | None = None,
) -> ProgramOutput:
    """Run `argv` (its first item a name on PATH or a path) to completion and return its output.

    `limit` caps how many run at once (the wait for a slot is not part of `timeout_s`); `env` is
    added to this process's environment (for what must not show in `ps`, such as a password).
    Raises `ProgramUnavailableError` when the program is missing, `ProgramTimeoutError` after
    `timeout_s`, `ProgramFailedError` on a non-zero exit (with the last stderr line) or more than
    `max_output` bytes on stdout. A cancelled call kills the program before re-raising.
    """
    command = program_command(argv, niceness)
    async with limit if limit is not None else contextlib.nullcontext():
        return await _run(
            PurePath(argv[0]).name,
            command,
            timeout_s=timeout_s,
            max_output=max_output,
            env={**os.environ, **env} if env else None,
        )


def program_command(argv: Sequence[str], niceness: int) -> list[str]:
    """`argv` with its program found (`ProgramUnavailableError` if it is not) and run through
    `nice -n niceness`."""
    name = PurePath(argv[0]).name
    program = shutil.which(argv[0])
    if program is None:
        where = "on PATH" if name == argv[0] else f"or not executable: {argv[0]}"
        raise ProgramUnavailableError(name, f"not found {where}")
    return [*_nice(niceness), program, *argv[1:]]


def _nice(niceness: int) -> list[str]:
    if niceness == 0:
        return []
    nice = shutil.which("nice")
    if nice is None:
        raise ProgramUnavailableError("nice", "not found (it lowers the programs' priority)")
    return [nice, "-n", str(niceness)]


async def _run(
    name: str,
    command: list[str],
    *,
    timeout_s: float,
    max_output: int,
    env: Mapping[str, str] | None,
) -> ProgramOutput:
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        raise ProgramUnavailableError(name, f"cannot start: {error}") from error
    assert process.stdout is not None  # noqa: S101 - PIPE above
    assert process.stderr is not None  # noqa: S101
    stderr_task = asyncio.create_task(_tail(process.stderr))
    finished = False
    try:
        async with asyncio.timeout(timeout_s):
            stdout = await _read_capped(process.stdout, max_output, name)
            returncode = await process.wait()
            stderr = (await stderr_task).decode("utf-8", "replace")
        finished = True
    except TimeoutError:
        raise ProgramTimeoutError(name, f"timed out after {timeout_s:g} s") from None
    finally:
        if not finished:
            _kill_group(process.pid)
            await process.wait()
            stderr_task.cancel()
            await asyncio.wait([stderr_task])
    if returncode != 0:
        raise ProgramFailedError(name, _without_inputs(_failure(returncode, stderr), command))
    return ProgramOutput(stdout=stdout, stderr=stderr)


def _kill_group(pid: int) -> None:
    """SIGKILL the program's whole group (its pid is the group id: it leads its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


async def _read_capped(stream: asyncio.StreamReader, limit: int, name: str) -> bytes:
    data = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        data += chunk
        if len(data) > limit:
            raise ProgramFailedError(name, f"printed more than {limit} bytes")
    return bytes(data)


async def _tail(stream: asyncio.StreamReader) -> bytes:
    """Read stderr to its end (a full pipe would block the program), keeping only its tail."""
    tail = b""
    while chunk := await stream.read(_READ_CHUNK):
        tail = (tail + chunk)[-STDERR_TAIL_BYTES:]
    return tail


def _without_inputs(text: str, command: Sequence[str]) -> str:
    """`text` with each input file of `command` (a `file:` argument, see `input_url`) named by
    its own name: a failure's text reaches the probe's stored error and API errors, which must
    not show where the library lies on the server."""
    for argument in command:
        if argument.startswith(FILE_INPUT) and len(argument) > len(FILE_INPUT):
            path = argument.removeprefix(FILE_INPUT)
            text = text.replace(argument, PurePath(path).name).replace(path, PurePath(path).name)
    return text


def _failure(returncode: int, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    status = f"killed by signal {-returncode}" if returncode < 0 else f"exited with {returncode}"
    return f"{status}: {lines[-1]}" if lines else status
