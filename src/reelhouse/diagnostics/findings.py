"""What one check found."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    status: Status
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status.value, "detail": self.detail}


def free_space(check: str, free_bytes: int, where: str) -> Finding:
    """Free space left at `where`: a warning below `MIN_FREE_BYTES`."""
    shown = f"{free_bytes / 2**30:.1f} GiB free at {where}"
    if free_bytes < MIN_FREE_BYTES:
        return Finding(check, Status.WARN, f"only {shown}: writes fail once it is full")
    return Finding(check, Status.OK, shown)


#: Free space under which a warning is given: a first scan of a large library writes hundreds of
#: MiB of catalogue and artwork, SQLite's write-ahead log and a backup need room beside the
#: database, and a transcode writes segments; below 1 GiB one of them is soon refused.
MIN_FREE_BYTES = 2**30
