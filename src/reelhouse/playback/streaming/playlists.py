"""The HLS playlists of a session (RFC 8216): a master naming the one rendition, and a VOD media
playlist listing every segment from the start, so a player can seek anywhere at once."""

from __future__ import annotations

import math
import re

from reelhouse.playback.streaming.segments import SegmentMap

#: RFC 6381 names of the audio codecs an MPEG-TS segment carries.
_AUDIO_CODECS = {"aac": "mp4a.40.2", "mp3": "mp4a.40.34", "ac3": "ac-3", "eac3": "ec-3"}
#: H.264 profile_idc by ffprobe's profile name (Constrained Baseline also sets constraint bits).
_H264_PROFILES = {
    "constrained baseline": "4240",
    "baseline": "4200",
    "main": "4d00",
    "extended": "5800",
    "high": "6400",
    "high 10": "6e00",
    "high 4:2:2": "7a00",
    "high 4:4:4 predictive": "f400",
}


#: What a query carried by playlist URIs may hold: URL-encoded text, nothing a playlist reads.
_QUERY = re.compile(r"[A-Za-z0-9._~%+=&-]*")


def h264_codec(profile: str | None, level: int | None) -> str:
    """`avc1.PPCCLL`; High 4.0 when the source said nothing (what our transcodes make)."""
    profile_constraints = _H264_PROFILES.get((profile or "high").lower(), "6400")
    return f"avc1.{profile_constraints}{(level or 40) & 0xFF:02x}"


def codecs(video: str | None, audio: str | None) -> str | None:
    """The CODECS attribute of a rendition whose codecs (RFC 6381) are known, else None."""
    names = [video] if video else []
    if audio:
        if audio not in _AUDIO_CODECS:
            return None
        names.append(_AUDIO_CODECS[audio])
    return ",".join(names) or None


def master_playlist(
    media_uri: str, bandwidth: int, resolution: tuple[int, int] | None, codec_names: str | None
) -> str:
    attributes = [f"BANDWIDTH={max(1, bandwidth)}"]
    if resolution is not None:
        attributes.append(f"RESOLUTION={resolution[0]}x{resolution[1]}")
    if codec_names:
        attributes.append(f'CODECS="{codec_names}"')
    return "\n".join(
        ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-STREAM-INF:{','.join(attributes)}", media_uri, ""]
    )


def media_playlist(segments: SegmentMap, segment_uri: str) -> str:
    """`segment_uri` holds `{number}`, replaced by each segment's."""
    durations = segments.durations()
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(max(durations))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for number, duration in enumerate(durations):
        lines.append(f"#EXTINF:{duration:.6f},")
        lines.append(segment_uri.format(number=number))
    lines.append("#EXT-X-ENDLIST")
    return "\n".join([*lines, ""])


def with_query(playlist: str, query: str) -> str:
    """`playlist` with `query` (URL-encoded) added to every URI it lists: the lines that are
    neither blank nor tags (RFC 8216 §4.1). `ValueError` for a query that is not URL-encoded."""
    if not query:
        return playlist
    if not _QUERY.fullmatch(query):
        raise ValueError("the query carried by a playlist must be URL-encoded")
    lines = playlist.split("\n")
    return "\n".join(
        line + ("&" if "?" in line else "?") + query
        if line.strip() and not line.startswith("#")
        else line
        for line in lines
    )
