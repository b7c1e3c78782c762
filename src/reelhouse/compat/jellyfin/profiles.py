"""A Jellyfin client's `DeviceProfile` and `PlaybackInfoDto`, read at the edge and turned into
reelhouse's own `DeviceProfile` and `PlayRequest`, so that reelhouse's decision (and nothing
here) says how a file plays.

Jellyfin reads JSON names in any case and ignores names it does not know; so does this. Every
list and text is bounded; a value reelhouse's profile cannot hold is a 400 naming it.

The translation is coarser than Jellyfin's profiles: direct-play profiles are merged (any of
their containers with any of their codecs), codec conditions apply to their codecs wherever they
play, and only the conditions reelhouse's decision knows are read (`docs/jellyfin.md`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_pascal

from reelhouse.errors import MalformedRequestError
from reelhouse.playback.containers import VIDEO_CONTAINERS
from reelhouse.playback.profiles import (
    MAX_BITRATE,
    TRANSCODE_VIDEO_CODEC,
    WEB_PROFILE,
    AudioCodecSupport,
    DeviceProfile,
    VideoCodecSupport,
)

#: Most entries of any list in a profile; Jellyfin's own profiles have a few dozen.
MAX_ENTRIES = 256
MAX_TEXT = 2048
#: What a direct-play profile without codecs means ("any"), in ffprobe's names: the codecs of
#: video files people keep.
ANY_VIDEO_CODECS = ("h264", "hevc", "av1", "vp9", "vp8", "mpeg2video", "mpeg4", "vc1")
ANY_AUDIO_CODECS = (
    "aac", "mp3", "ac3", "eac3", "dts", "truehd", "flac", "opus", "vorbis", "alac", "mp2",
    "pcm_s16le", "pcm_s24le",
)  # fmt: skip
#: Jellyfin's spellings of names ffprobe and file extensions spell otherwise.
ALIASES = {"h265": "hevc", "matroska": "mkv", "mpegts": "ts"}
#: ffprobe's subtitle codecs as Jellyfin names them (in `SubtitleProfiles` and `MediaStreams`).
SUBTITLE_NAMES = {
    "hdmv_pgs_subtitle": "pgssub",
    "dvd_subtitle": "dvdsub",
    "dvb_subtitle": "dvbsub",
    "webvtt": "vtt",
}


def _names(value: object) -> object:
    """`"mp4,M4V"` → `("mp4", "m4v")`, Jellyfin's aliases resolved; none for null or ""."""
    if value is None:
        return ()
    if not isinstance(value, str):
        return value  # not a list of names: refused by the type
    if len(value) > MAX_TEXT:
        raise ValueError(f"a list of names is at most {MAX_TEXT} characters")
    parts = (part.strip().lower() for part in value.split(","))
    return tuple(ALIASES.get(part, part) for part in parts if part)


def _number_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Text = Annotated[str, Field(max_length=MAX_TEXT)]
#: A codec or container name, as reelhouse's profile holds them.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{1,32}$")]
Names = Annotated[tuple[Name, ...], BeforeValidator(_names), Field(max_length=MAX_ENTRIES)]
Number = Annotated[int | None, Field(ge=-1, le=MAX_BITRATE)]


class JellyfinBody(BaseModel):
    """Jellyfin's JSON: PascalCase names read in any case, unknown names ignored."""

    model_config = ConfigDict(alias_generator=to_pascal, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _any_case(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        names = {(f.alias or n).lower(): f.alias or n for n, f in cls.model_fields.items()}
        return {names.get(str(key).lower(), key): value for key, value in data.items()}


class ProfileCondition(JellyfinBody):
    condition: Text | None = None
    property: Text | None = None
    #: Jellyfin writes numbers as strings here; a number is read too.
    value: Annotated[Text | None, BeforeValidator(_number_as_text)] = None


class DirectPlayProfile(JellyfinBody):
    container: Names = ()
    video_codec: Names = ()
    audio_codec: Names = ()
    type: Text | None = None


class TranscodingProfile(JellyfinBody):
    container: Names = ()
    video_codec: Names = ()
    audio_codec: Names = ()
    type: Text | None = None
    protocol: Text | None = None


class CodecProfile(JellyfinBody):
    type: Text | None = None
    codec: Names = ()
    conditions: Annotated[list[ProfileCondition] | None, Field(max_length=MAX_ENTRIES)] = None


class SubtitleProfile(JellyfinBody):
    format: Names = ()
    method: Text | None = None


class JellyfinDeviceProfile(JellyfinBody):
    name: Text | None = None
    max_streaming_bitrate: Number = None
    direct_play_profiles: Annotated[
        list[DirectPlayProfile] | None, Field(max_length=MAX_ENTRIES)
    ] = None
    transcoding_profiles: Annotated[
        list[TranscodingProfile] | None, Field(max_length=MAX_ENTRIES)
    ] = None
    codec_profiles: Annotated[list[CodecProfile] | None, Field(max_length=MAX_ENTRIES)] = None
    subtitle_profiles: Annotated[list[SubtitleProfile] | None, Field(max_length=MAX_ENTRIES)] = None


class PlaybackInfoBody(JellyfinBody):
    """`POST /Items/{id}/PlaybackInfo`'s body; each value may come in the query instead."""

    max_streaming_bitrate: Number = None
    start_time_ticks: Annotated[int | None, Field(ge=0, le=2**63 - 1)] = None
    audio_stream_index: Number = None
    subtitle_stream_index: Number = None
    media_source_id: Annotated[str | None, Field(max_length=64)] = None
    device_profile: JellyfinDeviceProfile | None = None


def _is_video(kind: str | None) -> bool:
    return (kind or "video").lower() == "video"


def _union(lists: Iterable[tuple[str, ...]], everything: Iterable[str]) -> tuple[str, ...]:
    """The names of every list; all of `everything` when one list is empty (Jellyfin's "any")."""
    found: dict[str, None] = {}
    for names in lists:
        if not names:
            return tuple(dict.fromkeys(everything))
        found.update(dict.fromkeys(names))
    return tuple(found)


class _Limits:
    """The codec conditions of a profile, gathered per codec (the lowest limit wins)."""

    def __init__(self, video: tuple[str, ...], audio: tuple[str, ...]) -> None:
        self.video: dict[str, dict[str, Any]] = {codec: {} for codec in video}
        self.audio: dict[str, dict[str, Any]] = {codec: {} for codec in audio}
        self.picture: dict[str, int] = {}

    def add(self, profile: CodecProfile) -> None:
        kind = (profile.type or "").lower()
        table = self.video if kind == "video" else self.audio if "audio" in kind else None
        if table is None:
            return
        codecs = [c for c in profile.codec or table if c in table]
        for condition in profile.conditions or ():
            self._condition(table, codecs, condition)

    def _condition(
        self, table: dict[str, dict[str, Any]], codecs: list[str], condition: ProfileCondition
    ) -> None:
        test = (condition.condition or "").lower()
        name = (condition.property or "").lower()
        value = (condition.value or "").strip()
        if test in ("equalsany", "equals") and name == "videoprofile" and table is self.video:
            profiles = tuple(p.strip().lower() for p in value.split("|") if p.strip())
            for codec in codecs:
                table[codec]["profiles"] = profiles
            return
        if test != "lessthanequal" or not value.isascii() or not value.isdigit():
            return  # a condition reelhouse's decision has no counterpart of
        number = int(value)
        if name in ("width", "height") and table is self.video:
            self.picture[name] = min(number, self.picture.get(name, number))
            return
        field = {"videolevel": "max_level", "videobitdepth": "max_bit_depth"}.get(name)
        if table is self.audio and name == "audiochannels":
            field = "max_channels"
        if field is None:
            return
        for codec in codecs:
            table[codec][field] = min(number, table[codec].get(field, number))


def device_profile(sent: JellyfinDeviceProfile | None) -> DeviceProfile:
    """reelhouse's profile of a client's Jellyfin profile (a browser's when it sends none)."""
    if sent is None:
        return WEB_PROFILE
    direct = [p for p in sent.direct_play_profiles or () if _is_video(p.type)]
    hls = [
        p
        for p in sent.transcoding_profiles or ()
        if _is_video(p.type) and (p.protocol or "").lower() == "hls"
    ]
    hls_codecs = _union((p.video_codec for p in hls), (TRANSCODE_VIDEO_CODEC,)) if hls else ()
    limits = _Limits(
        _union((p.video_codec for p in direct), ANY_VIDEO_CODECS) if direct else (),
        _union((p.audio_codec for p in direct), ANY_AUDIO_CODECS) if direct else (),
    )
    for codec_profile in sent.codec_profiles or ():
        limits.add(codec_profile)
    bitrate = sent.max_streaming_bitrate
    try:
        return DeviceProfile(
            name=(sent.name or "jellyfin")[:64] or "jellyfin",
            containers=_union((p.container for p in direct), VIDEO_CONTAINERS) if direct else (),
            video_codecs=tuple(
                VideoCodecSupport(codec=codec, **found) for codec, found in limits.video.items()
            ),
            audio_codecs=tuple(
                AudioCodecSupport(codec=codec, **found) for codec, found in limits.audio.items()
            ),
            max_bitrate=bitrate if bitrate and bitrate > 0 else None,
            max_width=limits.picture.get("width"),
            max_height=limits.picture.get("height"),
            hls=TRANSCODE_VIDEO_CODEC in hls_codecs,
            hls_video_codecs=hls_codecs if TRANSCODE_VIDEO_CODEC in hls_codecs else (),
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedRequestError(
            f"the DeviceProfile holds what this server cannot read: {where}: {first['msg']}",
            field="DeviceProfile",
        ) from error


def embeds(sent: JellyfinDeviceProfile | None, subtitle_codec: str) -> bool:
    """Whether the client shows an embedded subtitle of this codec itself (a `SubtitleProfile`
    with `Method: Embed`); one that does not needs an image subtitle burnt in."""
    name = SUBTITLE_NAMES.get(subtitle_codec, subtitle_codec)
    return any(
        (p.method or "").lower() == "embed" and name in p.format
        for p in (sent.subtitle_profiles or () if sent else ())
    )
