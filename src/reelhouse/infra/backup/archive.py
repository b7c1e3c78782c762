"""The backup archive: one gzip-compressed tar file, read and written member by member.

Its members, in this order: `manifest.json` (what the backup holds, and the size and sha256 of
each member, see `Manifest`; its own sha256 is in its tar header), `settings.toml`, the
database (`database.sqlite` or `database.pgdump`, see `reelhouse.infra.db.dump`), then, when
asked for, the image store's originals under `images/`, each named by its content. A reader
checks each member before anything is done with it, and is never led to write a file by a
member's name: a damaged, truncated or foreign archive is refused with the reason, before the
target is touched.

An archive appears whole or not at all: it is written under a temporary name beside its place,
then renamed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from reelhouse.errors import BackupError

#: The archive layout this reelhouse writes, and the newest it reads.
FORMAT = 1
MANIFEST = "manifest.json"
#: The tar (PAX) header field that holds the manifest's sha256.
MANIFEST_SHA256 = "REELHOUSE.sha256"
SETTINGS = "settings.toml"
IMAGES = "images/"
DATABASE = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
_CHUNK = 1024 * 1024

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Size = Annotated[int, Field(ge=0, lt=1 << 63)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Member(_Strict):
    name: str
    size: Size
    sha256: Sha256


class TableEntry(_Strict):
    rows: Size
    checksum: Sha256


class ImageEntry(_Strict):
    path: str
    size: Size


class Manifest(_Strict):
    """What a backup holds. Validated when read: an archive is input from outside."""

    format: Literal[1]
    reelhouse_version: str
    created_at: AwareDatetime
    dialect: str = Field(pattern="^(sqlite|postgresql)$")
    schema_revision: str = Field(min_length=1, max_length=64)
    database: Member
    settings: Member
    secrets_included: bool
    tables: dict[str, TableEntry]
    images: list[ImageEntry]
    images_included: bool


def describe_file(name: str, file: Path) -> Member:
    """The member `file` will be: its size and sha256. Reads it: run it in a thread."""
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return Member(name=name, size=file.stat().st_size, sha256=digest.hexdigest())


def describe_bytes(name: str, body: bytes) -> Member:
    return Member(name=name, size=len(body), sha256=hashlib.sha256(body).hexdigest())


class ArchiveWriter:
    """Writes an archive at `path` (refused if something is there); blocking, run it in a
    thread. Used as a context manager: the archive takes its name only when the block ends
    without an error."""

    def __init__(self, path: Path, compress_level: int) -> None:
        if path.exists():
            raise BackupError(f"{path} exists already: name another file")
        self.path = path
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
        self._temporary = Path(temporary)
        self._file = os.fdopen(descriptor, "wb")
        self._zipped = gzip.GzipFile(fileobj=self._file, mode="wb", compresslevel=compress_level)
        self._tar = tarfile.open(  # noqa: SIM115 - closed by __exit__, with the file under it
            fileobj=self._zipped, mode="w|", format=tarfile.PAX_FORMAT
        )

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        written = False
        try:
            if kind is None:
                self._tar.close()
                self._zipped.close()
                self._file.flush()
                os.fsync(self._file.fileno())
                written = True
        finally:
            self._file.close()
            if written:
                os.replace(self._temporary, self.path)
            else:
                self._temporary.unlink(missing_ok=True)

    def add_manifest(self, manifest: Manifest) -> None:
        body = manifest.model_dump_json(indent=1).encode()
        info = _info(MANIFEST, len(body))
        info.pax_headers = {MANIFEST_SHA256: hashlib.sha256(body).hexdigest()}
        self._tar.addfile(info, io.BytesIO(body))

    def add_bytes(self, name: str, body: bytes) -> None:
        self._tar.addfile(_info(name, len(body)), io.BytesIO(body))

    def add_file(self, name: str, file: Path, size: int) -> None:
        """Add `file`, of `size` bytes (as described when the manifest was made), as `name`."""
        with file.open("rb") as handle:
            self._tar.addfile(_info(name, size), handle)


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


class ArchiveReader:
    """Reads an archive member by member, in order; blocking, run it in a thread. Every error
    of a damaged, truncated or foreign archive is `BackupError`, saying so. A manifest larger
    than `max_manifest_bytes` is refused unread."""

    def __init__(self, path: Path, *, max_manifest_bytes: int) -> None:
        self.path = path
        self._max_manifest_bytes = max_manifest_bytes
        try:
            self._tar = tarfile.open(path, mode="r|gz")  # noqa: SIM115 - closed by __exit__
        except FileNotFoundError:
            raise BackupError(f"there is no backup at {path}") from None
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise self._damaged(exc) from exc

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_: object) -> None:
        self._tar.close()

    def manifest(self) -> Manifest:
        """The first member, the manifest, validated; a newer format is refused as such."""
        member = self._next()
        if member is None or member.name != MANIFEST:
            raise BackupError(f"{self.path} is not a reelhouse backup (it has no manifest first)")
        if member.size > self._max_manifest_bytes:
            raise BackupError(
                f"{self.path}: the manifest is larger than backup.max_manifest_bytes "
                f"({self._max_manifest_bytes})"
            )
        with self._reading():
            body = self._open(member).read()
        try:
            raw = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raw = None
        # A newer format is said to be one first, whatever else it changed.
        _refuse_newer_format(raw)
        if hashlib.sha256(body).hexdigest() != member.pax_headers.get(MANIFEST_SHA256):
            raise BackupError(f"{self.path} is damaged: its manifest is not what was written")
        if raw is None:
            raise BackupError(f"{self.path}: the manifest is not JSON")
        try:
            return Manifest.model_validate(raw)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise BackupError(
                f"{self.path}: the manifest is invalid ({where}: {problem['msg']})"
            ) from exc

    def members(self) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
        """The members after the manifest: each regular file, with its content to read."""
        while (member := self._next()) is not None:
            if not member.isfile():
                raise BackupError(f"{self.path}: member {member.name!r} is not a regular file")
            yield member, self._open(member)

    def copy(self, body: IO[bytes], expected: Member, target: IO[bytes] | None) -> None:
        """Copy a member's content into `target` (or only read it), checked against
        `expected`."""
        digest = hashlib.sha256()
        size = 0
        with self._reading():
            while chunk := body.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if target is not None:
                    target.write(chunk)
        self._check(expected, size, digest.hexdigest())

    def content(self, body: IO[bytes]) -> bytes:
        """A member's whole content (the caller bounds its size, and checks it)."""
        with self._reading():
            return body.read()

    def _check(self, expected: Member, size: int, sha256: str) -> None:
        if (size, sha256) != (expected.size, expected.sha256):
            raise BackupError(
                f"{self.path} is damaged: {expected.name} is not what its manifest says"
            )

    def _next(self) -> tarfile.TarInfo | None:
        with self._reading():
            return self._tar.next()

    def _open(self, member: tarfile.TarInfo) -> IO[bytes]:
        with self._reading():
            body = self._tar.extractfile(member)
        if body is None:
            raise BackupError(f"{self.path}: member {member.name!r} has no content")
        return body

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise self._damaged(exc) from exc

    def _damaged(self, exc: BaseException) -> BackupError:
        reason = str(exc) or type(exc).__name__
        return BackupError(f"{self.path} is damaged or truncated, or not a backup ({reason})")


def _refuse_newer_format(raw: object) -> None:
    found = raw.get("format") if isinstance(raw, dict) else None
    if isinstance(found, int) and found > FORMAT:
        made_by = raw.get("reelhouse_version", "?") if isinstance(raw, dict) else "?"
        raise BackupError(
            f"the backup was made by reelhouse {made_by} in archive format {found}; this "
            f"reelhouse reads format {FORMAT} at most: restore it with a newer reelhouse"
        )
