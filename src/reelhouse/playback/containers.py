"""The media type a file is served as, by its container (the extension a scan stored)."""

from __future__ import annotations

#: Anything else (disc images, stubs, containers without a registered type) is plain bytes.
OCTET_STREAM = "application/octet-stream"

_MEDIA_TYPES = {
    "3g2": "video/3gpp2",
    "3gp": "video/3gpp",
    "asf": "video/x-ms-asf",
    "avi": "video/x-msvideo",
    "divx": "video/x-msvideo",
    "f4v": "video/mp4",
    "flv": "video/x-flv",
    "m2t": "video/mp2t",
    "m2ts": "video/mp2t",
    "m2v": "video/mpeg",
    "m4v": "video/mp4",
    "mk3d": "video/x-matroska",
    "mkv": "video/x-matroska",
    "mov": "video/quicktime",
    "mp4": "video/mp4",
    "mpe": "video/mpeg",
    "mpeg": "video/mpeg",
    "mpg": "video/mpeg",
    "mts": "video/mp2t",
    "ogm": "video/ogg",
    "ogv": "video/ogg",
    "ts": "video/mp2t",
    "vob": "video/mpeg",
    "webm": "video/webm",
    "wmv": "video/x-ms-wmv",
    "xvid": "video/x-msvideo",
}

#: Every container (extension) a file may be served as a video from.
VIDEO_CONTAINERS = frozenset(_MEDIA_TYPES)


def media_type(container: str | None) -> str:
    return _MEDIA_TYPES.get((container or "").lower(), OCTET_STREAM)
