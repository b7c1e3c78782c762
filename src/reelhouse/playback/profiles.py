"""The device profile a client declares: what it plays directly, and what it takes over HLS.

Parsed from the client's JSON at the API edge, so every value is bounded here (house rule 9):
names are short lower-case tokens, lists are short, numbers are positive and within what a real
stream can be (the bounds of `reelhouse.infra.media.ffprobe_json`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

#: Longest list a profile may declare; real profiles list a dozen entries.
MAX_ENTRIES = 64
#: Smallest picture side a cap may ask for: a transcode makes even sides of at least 2 lines, and
#: anything below this is no picture anyway.
MIN_SIDE = 16
MAX_SIDE = 65_535
MAX_LEVEL = 1_000
MAX_BIT_DEPTH = 32
MAX_CHANNELS = 64
#: 10 Gbit/s: more than any file or link a client plays from.
MAX_BITRATE = 10_000_000_000

#: What a transcode makes, so what an HLS client must take.
TRANSCODE_VIDEO_CODEC = "h264"

#: A codec or container name as ffprobe and file extensions spell them, lower-cased.
Name = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$"), AfterValidator(str.lower)
]
#: An ffprobe profile name ("High", "Main 10", "High 4:4:4 Predictive"), lower-cased.
ProfileName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9 _.:-]{1,48}$"), AfterValidator(str.lower)
]
Names = Annotated[tuple[Name, ...], Field(max_length=MAX_ENTRIES)]
#: Numbers and flags are JSON's own: "41" or true for a number, "yes" for a flag, is a mistake.
Bitrate = Annotated[int, Strict(), Field(gt=0, le=MAX_BITRATE)]
Side = Annotated[int, Strict(), Field(ge=MIN_SIDE, le=MAX_SIDE)]
Flag = Annotated[bool, Strict()]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VideoCodecSupport(_Model):
    """One video codec the client decodes; a limit left out (None) is no limit."""

    codec: Name
    #: ffprobe's `level`: 41 and 51 for H.264 4.1 and 5.1, 153 for HEVC 5.1.
    max_level: Annotated[int, Strict(), Field(gt=0, le=MAX_LEVEL)] | None = None
    max_bit_depth: Annotated[int, Strict(), Field(gt=0, le=MAX_BIT_DEPTH)] | None = None
    profiles: Annotated[tuple[ProfileName, ...], Field(max_length=MAX_ENTRIES)] | None = None


class AudioCodecSupport(_Model):
    """One audio codec the client decodes, with the most channels it takes (None: any)."""

    codec: Name
    max_channels: Annotated[int, Strict(), Field(gt=0, le=MAX_CHANNELS)] | None = None


def _unique_codecs(entries: tuple[VideoCodecSupport, ...] | tuple[AudioCodecSupport, ...]) -> None:
    codecs = [entry.codec for entry in entries]
    if len(codecs) != len(set(codecs)):
        raise ValueError("each codec may be listed once")


class DeviceProfile(_Model):
    """What a client plays: containers and codecs directly, and HLS (MPEG-TS segments)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "custom"
    #: Containers played directly, named as a file's stored container (its extension).
    containers: Names
    video_codecs: Annotated[tuple[VideoCodecSupport, ...], Field(max_length=MAX_ENTRIES)]
    audio_codecs: Annotated[tuple[AudioCodecSupport, ...], Field(max_length=MAX_ENTRIES)]
    #: Bits per second of the whole stream.
    max_bitrate: Bitrate | None = None
    max_width: Side | None = None
    max_height: Side | None = None
    #: Plays HLS, natively or with hls.js.
    hls: Flag = True
    #: Can pick another audio track than the first inside a file it plays directly (browsers
    #: cannot).
    audio_track_switching: Flag = False
    #: Video codecs it takes inside HLS MPEG-TS segments: h264, and hevc for clients that say so.
    hls_video_codecs: Names = (TRANSCODE_VIDEO_CODEC,)

    @model_validator(mode="after")
    def _consistent(self) -> DeviceProfile:
        """One entry per codec (else which limits apply is a guess), and an HLS client must
        take what a transcode makes."""
        _unique_codecs(self.video_codecs)
        _unique_codecs(self.audio_codecs)
        if self.hls and TRANSCODE_VIDEO_CODEC not in self.hls_video_codecs:
            raise ValueError(f"an HLS client must list {TRANSCODE_VIDEO_CODEC} in hls_video_codecs")
        return self

    def video_support(self, codec: str) -> VideoCodecSupport | None:
        return next((entry for entry in self.video_codecs if entry.codec == codec), None)

    def audio_support(self, codec: str) -> AudioCodecSupport | None:
        return next((entry for entry in self.audio_codecs if entry.codec == codec), None)


#: A browser that declared nothing: what every current browser plays in `<video>` (Safari's HEVC
#: and Chrome's AC-3 are left out), and HLS through hls.js.
WEB_PROFILE = DeviceProfile(
    name="web",
    containers=("mp4", "m4v", "mov", "webm"),
    video_codecs=(
        VideoCodecSupport(
            codec="h264",
            max_level=51,
            max_bit_depth=8,
            profiles=("constrained baseline", "baseline", "main", "high"),
        ),
        VideoCodecSupport(codec="vp9", max_bit_depth=10),
        VideoCodecSupport(codec="vp8", max_bit_depth=8),
        VideoCodecSupport(codec="av1", max_bit_depth=10),
    ),
    audio_codecs=(
        AudioCodecSupport(codec="aac", max_channels=6),
        AudioCodecSupport(codec="mp3", max_channels=2),
        AudioCodecSupport(codec="opus"),
        AudioCodecSupport(codec="vorbis"),
        AudioCodecSupport(codec="flac"),
    ),
)
