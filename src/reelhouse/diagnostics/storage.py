"""The data directory: can reelhouse write there, and how much room is left."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from reelhouse.diagnostics.findings import Finding, Status, free_space

CHECK = "data directory"


async def check_data_dir(data_dir: Path) -> list[Finding]:
    """Writable (a temporary file is made and removed) and its free space."""
    try:
        await asyncio.to_thread(_write_and_remove, data_dir)
    except OSError as exc:
        return [Finding(CHECK, Status.FAIL, f"{data_dir} is not writable: {exc.strerror or exc}")]
    usage = await asyncio.to_thread(shutil.disk_usage, data_dir)
    return [
        Finding(CHECK, Status.OK, f"{data_dir} is writable"),
        free_space("data directory space", usage.free, str(data_dir)),
    ]


def _write_and_remove(data_dir: Path) -> None:
    # reelhouse makes the folder on its first start; so may the doctor.
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-") as probe:
        probe.write(b"reelhouse")
        probe.flush()
        os.fsync(probe.fileno())
