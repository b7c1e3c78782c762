"""A content-addressed store of artwork in `<data_dir>/images/`.

Originals live at ``originals/<ab>/<sha256>.<ext>`` (``ab``: the first two hex digits), named by
the SHA-256 of their bytes, so the same image downloaded for many items, from many URLs, is one
file written once. Resized copies live at ``variants/<width>/<ab>/<sha256>.<ext>`` and are made on
first request. Every file appears whole or not at all (a temporary file, then ``os.replace``), so a
crash or a full disk never leaves half an image under a real name.

Downloads come from provider answers, so they are treated as hostile: only http(s), a deadline, a
cap on size and pixels, a fixed set of decoders, and the body must decode before it is stored.
Decoding, hashing, resizing and file work run in threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import blurhash
import httpx
from PIL import Image
from prometheus_client import CollectorRegistry, Counter

from reelhouse.config import ImagesSettings, Settings
from reelhouse.errors import (
    DomainError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.cache.sized import SizedLRU
from reelhouse.infra.http import read_capped, retry_after_seconds, tls_context

#: Pillow format -> (file extension, content type): the formats browsers show, and the only
#: decoders ever run on a download (Pillow's other plugins are attack surface we do not need).
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
CONTENT_TYPES = dict(FORMATS.values())
_ORIGINAL = re.compile(r"originals/([0-9a-f]{2})/(\1[0-9a-f]{62})\.(jpg|png|webp|gif)")
# The placeholder is a handful of cosines: a thumbnail this size gives the same hash as the
# full image, in a few milliseconds of pure Python.
_BLURHASH_SOURCE_PX = 32


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
class _Original:
    sha256: str
    extension: str

    @property
    def path(self) -> str:
        return f"originals/{self.sha256[:2]}/{self.sha256}.{self.extension}"

    def variant_path(self, width: int, extension: str) -> str:
        return f"variants/{width}/{self.sha256[:2]}/{self.sha256}.{extension}"


class ImageMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.fetches = Counter(
            "reelhouse_image_fetches_total",
            "Image fetches by outcome: ok, not_found, unavailable, rate_limited, refused "
            "(a bad image or URL) or error (the disk, a bug).",
            ["outcome"],
            registry=self.registry,
        )
        self.written = Counter(
            "reelhouse_image_files_written_total",
            "Files the image store wrote: originals, or resized copies (variants).",
            ["kind"],
            registry=self.registry,
        )


class ImageStore:
    """Downloads, keeps and resizes artwork. One per process; `aclose` it at shutdown."""

    def __init__(
        self, root: Path, settings: ImagesSettings, *, registry: CollectorRegistry | None = None
    ) -> None:
        self.root = root.absolute()
        self.settings = settings
        self.metrics = ImageMetrics(registry)
        self._real_root = self.root.resolve()
        self._downloads = asyncio.Semaphore(settings.download_concurrency)
        # House rule 1: a fixed array of locks, not a lock per key kept in a growing dict.
        self._locks = tuple(asyncio.Lock() for _ in range(settings.variant_lock_stripes))
        # Served files by (original, width). Stored files never change (they are named by
        # their content), so a held copy is never stale.
        self._held: SizedLRU[tuple[str, int | None], StoredFile] = SizedLRU(
            settings.memory_cache_bytes,
            settings.memory_cache_max_file_bytes,
            size_of=lambda file: len(file.body or b""),
        )
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.download_timeout_s, connect=settings.connect_timeout_s),
            limits=httpx.Limits(
                max_connections=settings.download_concurrency,
                max_keepalive_connections=settings.download_concurrency,
            ),
            follow_redirects=settings.max_redirects > 0,
            max_redirects=settings.max_redirects,
            verify=tls_context(),
            headers={"Accept": ", ".join(CONTENT_TYPES.values())},
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, registry: CollectorRegistry | None = None
    ) -> ImageStore:
        return cls(settings.data_dir / "images", settings.images, registry=registry)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def fetch(self, url: str) -> StoredImage:
        """Download `url` and store it (once per distinct content).

        Raises `NotFoundError` (the host has no such image), `UpstreamUnavailableError` or
        `RateLimitedError` (try again later), `UpstreamResponseError` (this image is bad: too
        big, not an image, an odd answer), `InvalidInputError` (not an http(s) URL). An `OSError`
        of the disk, such as a full one, propagates unchanged.
        """
        try:
            stored = await self._fetch(url)
        except Exception as exc:
            self.metrics.fetches.labels(_outcome(exc)).inc()
            raise
        self.metrics.fetches.labels("ok").inc()
        return stored

    async def _fetch(self, url: str) -> StoredImage:
        target = _checked_url(url)
        label = f"image {target.host}{target.path}"
        async with self._downloads:
            body = await self._download(target, label)
        decoded = await asyncio.to_thread(self._decode, body, label)
        async with self._lock(decoded.original.sha256, 0):
            written = await asyncio.to_thread(self._write_once, decoded.original.path, body)
        if written:
            self.metrics.written.labels("original").inc()
        original = decoded.original
        return StoredImage(
            path=original.path,
            width=decoded.width,
            height=decoded.height,
            blurhash=decoded.blurhash,
            sha256=original.sha256,
            content_type=CONTENT_TYPES[original.extension],
        )

    async def _download(self, url: httpx.URL, label: str) -> bytes:
        try:
            async with (
                asyncio.timeout(self.settings.download_timeout_s),
                self._http.stream("GET", url) as response,
            ):
                _check_status(response, label)
                return await read_capped(response, self.settings.max_bytes, label)
        except httpx.TooManyRedirects:
            raise UpstreamResponseError(
                f"{label}: more than {self.settings.max_redirects} redirects"
            ) from None
        except httpx.UnsupportedProtocol:
            raise UpstreamResponseError(f"{label}: redirected to a non-HTTP address") from None
        except (httpx.TimeoutException, TimeoutError):
            raise UpstreamUnavailableError(f"{label}: timed out") from None
        except httpx.TransportError as exc:
            raise UpstreamUnavailableError(f"{label}: {type(exc).__name__}") from None

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

    def _decode(self, body: bytes, label: str) -> _Decoded:
        """Check that `body` is a whole image of an accepted format, and describe it."""
        settings = self.settings
        try:
            image = Image.open(io.BytesIO(body), formats=list(FORMATS))
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types on hostile bytes
            raise UpstreamResponseError(f"{label}: not an image ({_reason(exc)})") from None
        with image:
            width, height = image.size
            if width * height > settings.max_pixels:
                raise UpstreamResponseError(
                    f"{label}: {width}x{height} is more than {settings.max_pixels} pixels"
                )
            try:
                image.load()  # a truncated or corrupt body fails here, not when served
            except Exception as exc:  # noqa: BLE001 - as above: any decoder failure
                raise UpstreamResponseError(f"{label}: undecodable ({_reason(exc)})") from None
            extension = FORMATS[str(image.format)][0]
            placeholder = _blurhash(
                image, settings.blurhash_components_x, settings.blurhash_components_y
            )
        original = _Original(hashlib.sha256(body).hexdigest(), extension)
        return _Decoded(original, width, height, placeholder)

    def _write_once(self, relative: str, body: bytes) -> bool:
        target = self._inside(self.root / relative)
        if target.is_file():
            return False
        _atomic_write(target, lambda handle: handle.write(body))
        return True

    def _ensure_variant(self, original: _Original, width: int) -> tuple[Path, bool]:
        source = self._existing(original)
        save_as = _variant_format(self.settings, original.extension)
        extension = FORMATS[save_as][0]
        target = self._inside(self.root / original.variant_path(width, extension))
        if target.is_file():
            return target, False
        quality = self.settings.variant_quality
        with Image.open(source, formats=list(FORMATS)) as image:
            resized = _resized(image, width, keep_alpha=save_as != "JPEG")
            _atomic_write(target, lambda out: resized.save(out, format=save_as, quality=quality))
        return target, True


@dataclass(frozen=True, slots=True)
class _Decoded:
    original: _Original
    width: int
    height: int
    blurhash: str


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInputError(f"{url!r} is not a URL: {exc}", field="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError(f"{url!r} is not an http(s) URL", field="url")
    return parsed


def _check_status(response: httpx.Response, label: str) -> None:
    status = response.status_code
    if status in (404, 410):
        raise NotFoundError(f"{label}: the host has no such image")
    if status == 429:
        raise RateLimitedError(
            f"{label}: the image host is rate limiting us",
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise UpstreamUnavailableError(f"{label}: HTTP {status}")
    if not 200 <= status < 300:
        raise UpstreamResponseError(f"{label}: unexpected HTTP {status}")


def _outcome(exc: BaseException) -> str:
    for error_type, outcome in (
        (NotFoundError, "not_found"),
        (RateLimitedError, "rate_limited"),
        (UpstreamUnavailableError, "unavailable"),
        (DomainError, "refused"),
    ):
        if isinstance(exc, error_type):
            return outcome
    return "error"


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _parse(path: str) -> _Original:
    """The original a relative path names, if it is exactly a path the store writes."""
    match = _ORIGINAL.fullmatch(path)
    if match is None:
        raise InvalidInputError(f"{path!r} is not a stored image path", field="path")
    return _Original(match.group(2), match.group(3))


def _blurhash(image: Image.Image, x_components: int, y_components: int) -> str:
    small = image.resize(_fit(image.size, _BLURHASH_SOURCE_PX), Image.Resampling.BOX)
    rgb = small.convert("RGB")
    width, height = rgb.size
    data = rgb.tobytes()
    rows = [
        [data[(y * width + x) * 3 : (y * width + x) * 3 + 3] for x in range(width)]
        for y in range(height)
    ]
    return str(blurhash.encode(rows, x_components, y_components))


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its longest side is at most `longest`."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _variant_format(settings: ImagesSettings, original_extension: str) -> str:
    """WebP keeps transparency; JPEG has none, so only JPEG originals become JPEG then."""
    if settings.variant_format == "webp":
        return "WEBP"
    return "JPEG" if original_extension == "jpg" else "PNG"


def _resized(image: Image.Image, width: int, *, keep_alpha: bool) -> Image.Image:
    mode = "RGBA" if keep_alpha and _has_alpha(image) else "RGB"
    if image.mode in ("1", "P", "PA"):
        image = image.convert(mode)  # palettes would be resized by nearest neighbour
    height = max(1, round(image.height * width / image.width))
    # In place, never upscaling; a big JPEG is decoded at a fraction of its size first.
    image.thumbnail((width, height), Image.Resampling.LANCZOS)
    return image if image.mode == mode else image.convert(mode)


def _atomic_write(target: Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Write through a temporary file in the same folder, then rename it into place: the file
    appears whole or not at all. An `OSError` (a full disk) propagates as it is."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
