"""Where a client fetches what a plan names: the routes of `api/playback.py` and
`api/streaming.py`, in one place (a route's path and the URL handed out cannot drift apart)."""

from __future__ import annotations

SESSIONS_PATH = "/api/playback/sessions"
MASTER_NAME = "master.m3u8"
MEDIA_NAME = "main.m3u8"
#: A segment relative to the media playlist, `{number}` replaced.
SEGMENT_URI = "segments/{number}.ts"


def stream_url(item_id: int, file_id: int) -> str:
    return f"/api/items/{item_id}/stream?file={file_id}"


def subtitle_url(item_id: int, file_id: int, number: int) -> str:
    return f"/api/items/{item_id}/subtitles/{number}.vtt?file={file_id}"


def master_url(session_id: str) -> str:
    return f"{SESSIONS_PATH}/{session_id}/{MASTER_NAME}"
