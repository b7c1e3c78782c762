"""Local artwork for `pipeline.py --scenario local-artwork`: an image beside every video of a
generated library, as a curated library has them, and the baseline of Pillow resizing the same
images in a loop."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path

from PIL import Image

#: Artwork written per video: a movie's poster and fanart, an episode's thumb (name, size).
MOVIE_ART = (("poster", (680, 1000)), ("fanart", (1280, 720)))
EPISODE_ART = (("thumb", (640, 360)),)
MOVIE_ROOTS = ("Movies", "Downloads")


def write_artwork(root: Path, videos: list[str], seed: int) -> list[Path]:
    """`<stem>-<name>.jpg` beside each video (every image a different picture, so the store's
    deduplication by content does not make the work vanish); the images written."""
    rng = random.Random(seed)
    written = []
    for video in videos:
        path = root / video
        art = MOVIE_ART if video.split("/", 1)[0] in MOVIE_ROOTS else EPISODE_ART
        for name, size in art:
            target = path.with_name(f"{path.stem}-{name}.jpg")
            target.write_bytes(_picture(rng, size))
            written.append(target)
    return written


def _picture(rng: random.Random, size: tuple[int, int]) -> bytes:
    """A smooth picture of `size` from a random 8x8 one (compresses like a photograph more
    than noise does)."""
    small = Image.frombytes("RGB", (8, 8), rng.randbytes(8 * 8 * 3))
    out = io.BytesIO()
    small.resize(size, Image.Resampling.BICUBIC).save(out, format="JPEG", quality=90)
    return out.getvalue()


def pillow_baseline(images: list[Path], width: int) -> float:
    """Images per second Pillow opens, decodes, resizes to `width` and encodes as WebP, one
    after another."""
    started = time.perf_counter()
    for image in images:
        with Image.open(image) as opened:
            opened.load()
            height = max(1, round(opened.height * width / opened.width))
            opened.thumbnail((width, height), Image.Resampling.LANCZOS)
            opened.save(io.BytesIO(), format="WEBP", quality=80)
    return len(images) / (time.perf_counter() - started)
