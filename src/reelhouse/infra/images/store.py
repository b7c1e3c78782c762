"""A content-addressed store of artwork in `<data_dir>/images/`.

Originals live at ``originals/<ab>/<sha256>.<ext>`` (``ab``: the first two hex digits), named by
the SHA-256 of their bytes, so the same image downloaded for many items, from many URLs, is one
file written once. Resized copies live at ``variants/<width>/<ab>/<sha256>.<ext>`` and are made on
first request. Every file appears whole or not at all (a temporary file, then ``os.replace``), so a
crash or a full disk never leaves half an image under a real name.

Downloads come from provider answers, so they are treated as hostile (see `fetch`), and the body
must decode (see `codec`) before it is stored. Decoding, hashing, resizing and file work run in
threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry

from reelhouse.config import ImagesSettings, Settings
from reelhouse.errors import InvalidInputError, NotFoundError, UpstreamResponseError
from reelhouse.infra.cache.sized import SizedLRU
from reelhouse.infra.images.codec import (
    CONTENT_TYPES,
    FORMATS,
    Decoded,
    decode,
    limit_pixels,
    variant_bytes,
    variant_format,
)
from reelhouse.infra.images.fetch import Downloader
from reelhouse.infra.images.metrics import ImageMetrics, fetch_outcome

_ORIGINAL = re.compile(r"originals/([0-9a-f]{2})/(\1[0-9a-f]{62})\.(jpg|png|webp|gif)")


@dataclass(frozen=True, slots=True)
class StoredImage:
    """An original in the store; `path` is relative to the store (what the database keeps)."""

    path: str
    width: int
    height: int
    blurhash: str
    sha256: str
    content_type: str


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file ready to serve; `version` changes whenever its bytes could (an ETag's value);
    `body` is its bytes when they are small enough to hold in memory."""

    path: Path
    content_type: str
    version: str
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class OriginalFile:
    """An original on disk, for a backup's list of the store: `path` as the database keeps it."""

    path: str
    size: int


@dataclass(frozen=True, slots=True)
class _Original:
    sha256: str
    extension: str

    @property
    def path(self) -> str:
        return f"originals/{self.sha256[:2]}/{self.sha256}.{self.extension}"

    def variant_path(self, width: int, extension: str) -> str:
        return f"variants/{width}/{self.sha256[:2]}/{self.sha256}.{extension}"


class ImageStore:
    """Downloads, keeps and resizes artwork. One per process; `aclose` it at shutdown."""

    def __init__(
        self, root: Path, settings: ImagesSettings, *, registry: CollectorRegistry | None = None
    ) -> None:
        self.root = root.absolute()
        self.settings = settings
        self.metrics = ImageMetrics(registry)
        self._real_root = self.root.resolve()
        limit_pixels(settings)
        self._downloader = Downloader(settings, self.metrics)
        # House rule 1: a fixed array of locks, not a lock per key kept in a growing dict.
        self._locks = tuple(asyncio.Lock() for _ in range(settings.variant_lock_stripes))
        # Served files by (original, width). Stored files never change (they are named by
        # their content), so a held copy is never stale.
        self._held: SizedLRU[tuple[str, int | None], StoredFile] = SizedLRU(
            settings.memory_cache_bytes,
            settings.memory_cache_max_file_bytes,
            size_of=lambda file: len(file.body or b""),
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, registry: CollectorRegistry | None = None
    ) -> ImageStore:
        return cls(settings.data_dir / "images", settings.images, registry=registry)

    async def aclose(self) -> None:
        await self._downloader.aclose()

    async def fetch(self, url: str) -> StoredImage:
        """Download `url` and store it (once per distinct content).

        Transient failures are retried first (see `fetch`). Raises `NotFoundError` (the host
        has no such image), `UpstreamUnavailableError` or `RateLimitedError` (the retries ran
        out, or the host's circuit breaker is open: try again later), `UpstreamResponseError`
        (this image is bad: too big, not an image, an odd answer), `InvalidInputError` (not an
        http(s) URL, or a forbidden address). An `OSError` of the disk, such as a full one,
        propagates unchanged.
        """
        try:
            stored = await self._fetch(url)
        except Exception as exc:
            self.metrics.fetches.labels(fetch_outcome(exc)).inc()
            raise
        self.metrics.fetches.labels("ok").inc()
        return stored

    async def _fetch(self, url: str) -> StoredImage:
        download = await self._downloader.get(url)
        return await self.add(download.body, download.label)

    async def add(
        self, body: bytes, label: str, *, formats: Collection[str] | None = None
    ) -> StoredImage:
        """Store the image `body` (once per distinct content), as `fetch` does a download's:
        `UpstreamResponseError` (naming `label`) when it is not a whole image of an accepted
        format (of `formats`, extensions, when given), or larger than `images.max_pixels`;
        then nothing is written."""
        original, decoded = await asyncio.to_thread(self._describe, body, label)
        if formats is not None and original.extension not in formats:
            raise UpstreamResponseError(
                f"{label}: a {original.extension} image; accepted: {', '.join(sorted(formats))}"
            )
        async with self._lock(original.sha256, 0):
            written = await asyncio.to_thread(self._write_once, original.path, body)
        if written:
            self.metrics.written.labels("original").inc()
        return StoredImage(
            path=original.path,
            width=decoded.width,
            height=decoded.height,
            blurhash=decoded.blurhash,
            sha256=original.sha256,
            content_type=CONTENT_TYPES[original.extension],
        )

    async def peek(self, url: str) -> StoredFile:
        """Download `url` and check that it is an image, as `fetch` does, without storing it:
        a preview of an image nobody chose yet (errors as `fetch`'s). Its `body` is the image;
        its `path` is where the store would keep it (nothing is written there). It is held in
        memory like a served file, so a preview shown again is not downloaded again (a URL is
        never a stored path, so the two never meet)."""
        held = self._held.get((url, None))
        if held is not None:
            return held
        download = await self._downloader.get(url)
        original, _ = await asyncio.to_thread(self._describe, download.body, download.label)
        content_type = CONTENT_TYPES[original.extension]
        peeked = StoredFile(Path(original.path), content_type, original.sha256, download.body)
        self._held.put((url, None), peeked)
        return peeked

    def check_width(self, width: int) -> None:
        """Only the configured widths exist: arbitrary ones would let requests fill the disk."""
        if width not in self.settings.variant_widths:
            allowed = ", ".join(str(w) for w in sorted(set(self.settings.variant_widths)))
            raise InvalidInputError(
                f"width {width} is not offered; one of: {allowed or 'none'}", field="width"
            )

    async def variant(self, path: str, width: int) -> Path:
        """The stored original at `path` resized to `width` (aspect kept, never upscaled),
        made on first request; concurrent requests for one variant make it once."""
        self.check_width(width)
        original = _parse(path)
        async with self._lock(original.sha256, width):
            file, made = await asyncio.to_thread(self._ensure_variant, original, width)
        if made:
            self.metrics.written.labels("variant").inc()
        return file

    async def locate(self, path: str, width: int | None = None) -> StoredFile:
        """The file to serve for the stored original at `path`: itself, or its variant, with
        its bytes when they are held in memory (then no file is touched).

        Raises `NotFoundError` when the original is not on disk, `InvalidInputError` for a
        path the store does not write or a width it does not offer."""
        original = _parse(path)
        if width is not None:
            self.check_width(width)
        held = self._held.get((original.path, width))
        if held is not None:
            return held
        if width is None:
            served = await asyncio.to_thread(self._original_file, original)
        else:
            file = await self.variant(path, width)
            version = f"{original.sha256}-{width}{file.suffix}"
            served = await asyncio.to_thread(self._served_file, file, version)
        if served.body is not None:
            self._held.put((original.path, width), served)
        return served

    def resolve(self, path: str) -> Path:
        """The absolute file of a stored relative path, checked: anything but exactly a path
        the store writes (traversal, an absolute path, NUL, a symlink out) is refused.

        Touches the file system (symlinks); async callers use `locate`."""
        return self._inside(self.root / _parse(path).path)

    def originals(self) -> list[OriginalFile]:
        """Every original in the store, by path (resized copies are made again on request).
        Walks the disk: run it in a thread."""
        found = []
        for file in sorted((self.root / "originals").glob("??/*")):
            relative = file.relative_to(self.root).as_posix()
            if _ORIGINAL.fullmatch(relative) and file.is_file() and not file.is_symlink():
                found.append(OriginalFile(relative, file.stat().st_size))
        return found

    def keep(self, path: str, body: bytes) -> bool:
        """Store `body` as the original at `path` (from a backup), unless it is there already:
        False then. `InvalidInputError` when `body` is not the content `path` names. Writes the
        disk: run it in a thread."""
        original = _parse(path)
        if hashlib.sha256(body).hexdigest() != original.sha256:
            raise InvalidInputError(f"{path} does not hold the image its name says", field="path")
        return self._write_once(original.path, body)

    def _inside(self, candidate: Path) -> Path:
        real = candidate.resolve()
        if not real.is_relative_to(self._real_root):
            raise InvalidInputError("the image path leads outside the image store", field="path")
        return real

    def _existing(self, original: _Original) -> Path:
        file = self._inside(self.root / original.path)
        if not file.is_file():
            raise NotFoundError(f"image {original.path} is not in the store")
        return file

    def _original_file(self, original: _Original) -> StoredFile:
        file = self._existing(original)
        return self._served_file(file, file.name)

    def _served_file(self, file: Path, version: str) -> StoredFile:
        content_type = CONTENT_TYPES[file.suffix[1:]]
        if file.stat().st_size > self._held.max_value_bytes:
            return StoredFile(file, content_type, version)
        return StoredFile(file, content_type, version, file.read_bytes())

    def _lock(self, sha256: str, width: int) -> asyncio.Lock:
        return self._locks[hash((sha256, width)) % len(self._locks)]

    def _describe(self, body: bytes, label: str) -> tuple[_Original, Decoded]:
        """The original `body` would be stored as, once it decoded."""
        decoded = decode(body, label, self.settings)
        return _Original(hashlib.sha256(body).hexdigest(), decoded.extension), decoded

    def _write_once(self, relative: str, body: bytes) -> bool:
        target = self._inside(self.root / relative)
        if target.is_file():
            return False
        _atomic_write(target, body)
        return True

    def _ensure_variant(self, original: _Original, width: int) -> tuple[Path, bool]:
        source = self._existing(original)
        save_as = variant_format(self.settings, original.extension)
        extension = FORMATS[save_as][0]
        target = self._inside(self.root / original.variant_path(width, extension))
        if target.is_file():
            return target, False
        quality = self.settings.variant_quality
        _atomic_write(target, variant_bytes(source, width, save_as=save_as, quality=quality))
        return target, True


def _parse(path: str) -> _Original:
    """The original a relative path names, if it is exactly a path the store writes."""
    match = _ORIGINAL.fullmatch(path)
    if match is None:
        raise InvalidInputError(f"{path!r} is not a stored image path", field="path")
    return _Original(match.group(2), match.group(3))


def _atomic_write(target: Path, body: bytes) -> None:
    """Write through a temporary file in the same folder, then rename it into place: the file
    appears whole or not at all. An `OSError` (a full disk) propagates as it is."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
