"""What the image store does to image bytes: check that a download is a whole image of an
accepted format, describe it (size, blurhash placeholder), and encode resized copies.

Only the formats browsers show are ever decoded. This is CPU work: callers run it in a thread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import blurhash
from PIL import Image, UnidentifiedImageError

from reelhouse.config import ImagesSettings
from reelhouse.errors import UpstreamResponseError

#: Pillow format -> (file extension, content type): the formats browsers show, and the only
#: decoders ever run on a download (Pillow's other plugins are attack surface we do not need).
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
CONTENT_TYPES = dict(FORMATS.values())
# The placeholder is a handful of cosines: a thumbnail this size gives the same hash as the
# full image, and the blurhash encoder (pure Python) then has few pixels to read.
_BLURHASH_SOURCE_PX = 32


@dataclass(frozen=True, slots=True)
class Decoded:
    extension: str
    width: int
    height: int
    blurhash: str


def limit_pixels(settings: ImagesSettings) -> None:
    """Pillow's own decompression-bomb guard (process-wide) at `images.max_pixels`: any
    decoder, even one opening a file ours did not check, refuses twice that."""
    Image.MAX_IMAGE_PIXELS = settings.max_pixels
    # Between the limit and twice it Pillow only warns; `decode` refuses those images itself
    # as soon as their header is read, so the warning would say nothing more.
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)


def decode(body: bytes, label: str, settings: ImagesSettings) -> Decoded:
    """Check that `body` is a whole image of an accepted format, and describe it."""
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
    return Decoded(extension, width, height, placeholder)


def variant_format(settings: ImagesSettings, original_extension: str) -> str:
    """WebP keeps transparency; JPEG has none, so only JPEG originals become JPEG then."""
    if settings.variant_format == "webp":
        return "WEBP"
    return "JPEG" if original_extension == "jpg" else "PNG"


def variant_bytes(source: Path, width: int, *, save_as: str, quality: int) -> bytes:
    """The image in `source` resized to `width` (aspect kept, never upscaled), encoded as the
    Pillow format `save_as`."""
    out = io.BytesIO()
    with Image.open(source, formats=list(FORMATS)) as image:
        small = _resized(image, width, keep_alpha=save_as != "JPEG")
        small.save(out, format=save_as, quality=quality)
    return out.getvalue()


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnidentifiedImageError):  # its message names a Python object
        return f"no {', '.join(FORMATS)} image"
    return str(exc) or type(exc).__name__


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


def _resized(image: Image.Image, width: int, *, keep_alpha: bool) -> Image.Image:
    mode = "RGBA" if keep_alpha and _has_alpha(image) else "RGB"
    if image.mode in ("1", "P", "PA"):
        image = image.convert(mode)  # palettes would be resized by nearest neighbour
    height = max(1, round(image.height * width / image.width))
    # In place, never upscaling; a big JPEG is decoded at a fraction of its size first.
    image.thumbnail((width, height), Image.Resampling.LANCZOS)
    return image if image.mode == mode else image.convert(mode)
