"""The HTTP answers of streaming — an HLS session's playlists and segments, a subtitle track as
WebVTT — alike for the native and the Jellyfin-compatible API."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse, Response

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
VTT_TYPE = "text/vtt; charset=utf-8"


def playlist_response(text: str) -> Response:
    """A session's playlists are fixed, but a player must ask again (`no-cache`)."""
    return Response(text, media_type=PLAYLIST_TYPE, headers={"Cache-Control": "private, no-cache"})


def segment_response(path: Path) -> FileResponse:
    return FileResponse(path, media_type=SEGMENT_TYPE, headers={"Cache-Control": "private"})


def webvtt_response(vtt: bytes) -> Response:
    """A subtitle track changes only with its file: kept by the browser for an hour."""
    return Response(vtt, media_type=VTT_TYPE, headers={"Cache-Control": "private, max-age=3600"})
