"""The fake image hosts: TMDb's `/t/p/{size}/{name}` and TheTVDB's `/banners/{path}`.

Each image is generated on request, tiny (a few hundred pixels at most, so tests stay fast) and
deterministic: its two colours derive from its name, its shape from what it is (posters 2:3,
backdrops and stills 16:9, banners long), its format from the extension. Every size of one image
shows the same picture, and a size at least as large as the image is the same bytes, as on TMDb.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from reelhouse.testing.fake_providers.app import Handler

POSTER = (200, 300)
WIDE = (320, 180)
BANNER = (380, 70)
_FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png")}
_SIZE = re.compile(r"(?P<side>[wh])(?P<pixels>[1-9][0-9]{0,3})")
# TMDb file names of backdrops (`b12`, `mb12_0`, `tb3_0`) and stills; TheTVDB folder names.
_WIDE_NAME = re.compile(r"(m|t)?b[0-9]|still")
_WIDE_FOLDERS = ("fanart", "backgrounds", "episodes")


def tmdb_image_base(request: Request) -> str:
    """What the fake's TMDb configuration announces: this server's own image path."""
    return f"{request.base_url}t/p/"


def tvdb_artwork_base(request: Request) -> str:
    """Where the fake's TheTVDB answers point their artwork: this server."""
    return f"{request.base_url}banners/"


#: Image hosts are CDNs: the API's rate limit does not apply to them (as with the real ones).
CDN_ENDPOINTS = frozenset({"tmdb.image", "tvdb.artwork"})


def routes(not_found: type[Exception]) -> list[tuple[str, str, str, Handler]]:
    async def tmdb(request: Request) -> Response:
        size, name = request.path_params["size"], request.path_params["name"]
        shape = WIDE if _WIDE_NAME.match(name) else POSTER
        return render(name, _sized(shape, size, not_found), not_found)

    async def tvdb(request: Request) -> Response:
        path = request.path_params["path"]
        folder = path.partition("/")[0]
        shape = WIDE if folder in _WIDE_FOLDERS else BANNER if folder == "graphical" else POSTER
        return render(path, shape, not_found)

    return [
        ("GET", "/t/p/{size}/{name}", "tmdb.image", tmdb),
        ("GET", "/banners/{path:path}", "tvdb.artwork", tvdb),
    ]


def render(name: str, size: tuple[int, int], not_found: type[Exception]) -> Response:
    """The image called `name` at `size`: its top and bottom halves in colours of its name."""
    stem, _, extension = name.rpartition(".")
    if not stem or extension not in _FORMATS:
        raise not_found
    pillow_format, content_type = _FORMATS[extension]
    digest = hashlib.sha256(stem.encode()).digest()
    top, bottom = tuple(digest[0:3]), tuple(digest[3:6])
    if pillow_format == "PNG":  # a logo: its top half is transparent
        image = Image.new("RGBA", size, (*top, 0))
        bottom = (*bottom, 255)
    else:
        image = Image.new("RGB", size, top)
    width, height = size
    ImageDraw.Draw(image).rectangle((0, height // 2, width, height), fill=bottom)
    body = io.BytesIO()
    image.save(body, format=pillow_format)
    return Response(body.getvalue(), media_type=content_type)


def _sized(shape: tuple[int, int], size: str, not_found: type[Exception]) -> tuple[int, int]:
    """TMDb sizes: `original`, `wN` or `hN`; never larger than the image itself."""
    if size == "original":
        return shape
    match = _SIZE.fullmatch(size)
    if match is None:
        raise not_found
    width, height = shape
    pixels = int(match["pixels"])
    if match["side"] == "w" and pixels < width:
        return pixels, max(1, round(height * pixels / width))
    if match["side"] == "h" and pixels < height:
        return max(1, round(width * pixels / height)), pixels
    return shape
