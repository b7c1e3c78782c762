"""Readers of the public cache traces in ../shared/traces (never copied into this repository)."""

from __future__ import annotations

import gzip
import lzma
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TRACES_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "traces"


def resolve(name: str) -> Path:
    path = Path(name)
    if path.exists():
        return path
    candidate = TRACES_DIR / name
    if candidate.exists():
        return candidate
    raise SystemExit(f"trace {name} not found (looked in the working directory and {TRACES_DIR})")


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".xz":
        return lzma.open(path, "rb")
    return path.open("rb")


def read(path: Path, fmt: str, limit: int | None = None) -> list[int]:
    keys = list(_iterate(path, fmt, limit))
    return keys[:limit] if limit else keys


def _iterate(path: Path, fmt: str, limit: int | None) -> Iterator[int]:
    count = 0
    with _open(path) as handle:
        if fmt in ("int64", "int32"):
            typecode = "q" if fmt == "int64" else "i"
            values = array(typecode)
            values.frombytes(_whole_items(handle.read(), values.itemsize))
            if sys.byteorder == "little":
                values.byteswap()
            yield from values
            return
        for raw in handle:
            line = raw.strip()
            if not line or line == b"*":
                continue
            if fmt == "lirs":
                yield int(line)
                count += 1
            elif fmt == "arc":
                start, blocks = line.split()[:2]
                first = int(start)
                yield from range(first, first + int(blocks))
                count += int(blocks)
            else:
                raise SystemExit(f"unknown trace format {fmt}")
            if limit and count >= limit:
                return


def _whole_items(data: bytes, size: int) -> bytes:
    return data[: len(data) - len(data) % size]
