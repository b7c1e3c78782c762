"""How a client plays a file: directly, by HLS with the picture copied (remux), or by HLS with the
picture encoded (transcode), and why, in Jellyfin's words (its `TranscodeReason`s).

Pure code: the probe's facts, the client's profile and wishes, and the streaming settings in; a
plan out. The cheapest mode that plays is chosen, since each step up costs the server more: a
remux reads and rewrites the file, a transcode also burns CPU for every second watched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from reelhouse.config.streaming import StreamingSettings
from reelhouse.errors import InvalidInputError
from reelhouse.playback.facts import AudioStream, MediaFacts, SubtitleStream, VideoStream
from reelhouse.playback.profiles import MIN_SIDE, TRANSCODE_VIDEO_CODEC, DeviceProfile

#: Audio codecs an MPEG-TS HLS segment carries and players decode there; others become AAC.
HLS_AUDIO_CODECS = frozenset({"aac", "mp3", "ac3", "eac3"})
TRANSCODE_AUDIO_CODEC = "aac"
#: Channels of transcoded AAC for a client that does not list AAC: stereo plays everywhere.
DEFAULT_AAC_CHANNELS = 2
#: Frame rate assumed when the probe found none, to size a transcode's bitrate.
DEFAULT_FRAME_RATE = 25.0
#: Below this a transcoded picture is mush whatever its size, so no budget goes lower (except
#: `streaming.max_video_bitrate`, which is the operator's word).
MIN_VIDEO_BITRATE = 200_000


class NoCompatibleStreamError(InvalidInputError):
    """The client can play the file neither directly nor by HLS (Jellyfin clients are told so
    in the answer's `ErrorCode`, not by an HTTP error)."""


class Mode(StrEnum):
    DIRECT = "direct"
    REMUX = "remux"
    TRANSCODE = "transcode"


class StreamAction(StrEnum):
    COPY = "copy"
    TRANSCODE = "transcode"


class TranscodeReason(StrEnum):
    """Jellyfin's names, so its clients show them; a plan lists them in this order."""

    CONTAINER_NOT_SUPPORTED = "ContainerNotSupported"
    CONTAINER_BITRATE_EXCEEDS_LIMIT = "ContainerBitrateExceedsLimit"
    VIDEO_CODEC_NOT_SUPPORTED = "VideoCodecNotSupported"
    VIDEO_PROFILE_NOT_SUPPORTED = "VideoProfileNotSupported"
    VIDEO_LEVEL_NOT_SUPPORTED = "VideoLevelNotSupported"
    VIDEO_BIT_DEPTH_NOT_SUPPORTED = "VideoBitDepthNotSupported"
    VIDEO_RESOLUTION_NOT_SUPPORTED = "VideoResolutionNotSupported"
    SUBTITLE_CODEC_NOT_SUPPORTED = "SubtitleCodecNotSupported"
    AUDIO_CODEC_NOT_SUPPORTED = "AudioCodecNotSupported"
    AUDIO_CHANNELS_NOT_SUPPORTED = "AudioChannelsNotSupported"
    SECONDARY_AUDIO_NOT_SUPPORTED = "SecondaryAudioNotSupported"


Reasons = tuple[TranscodeReason, ...]
_ORDER = {reason: rank for rank, reason in enumerate(TranscodeReason)}


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayRequest:
    """What the player asks for beyond its profile."""

    #: Audio track number (an index into `MediaFacts.audio`); None: the default track, else the
    #: first.
    audio: int | None = None
    #: An embedded image subtitle (an index into `MediaFacts.subtitles`) to burn into the picture.
    burn_subtitle: int | None = None
    #: The player's quality caps: bits/s of the whole stream, and lines of picture.
    max_bitrate: int | None = None
    max_height: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoPlan:
    #: The stream's ffprobe index.
    index: int
    action: StreamAction
    codec: str
    width: int
    height: int
    #: The encoder's target bits/s; None when copied.
    bitrate: int | None
    #: Why the picture is encoded (empty when copied).
    reasons: Reasons


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioPlan:
    #: The stream's ffprobe index, and its track number (`PlayRequest.audio`).
    index: int
    number: int
    action: StreamAction
    codec: str
    channels: int
    #: The encoder's target bits/s; None when copied.
    bitrate: int | None
    #: Why the sound is encoded (empty when copied).
    reasons: Reasons


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackPlan:
    mode: Mode
    #: Why the file is not played directly, and why each encoded stream is encoded.
    reasons: Reasons
    video: VideoPlan | None
    audio: AudioPlan | None
    #: The ffprobe index of the subtitle burnt into the picture.
    burn_subtitle: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Choice:
    """The streams the request picked, checked against the file."""

    video: VideoStream | None
    audio: AudioStream | None
    number: int | None
    burn: SubtitleStream | None


def decide(
    facts: MediaFacts,
    container: str | None,
    profile: DeviceProfile,
    request: PlayRequest,
    limits: StreamingSettings,
) -> PlaybackPlan:
    """The cheapest way `profile`'s client plays the file: `container` is the stored one (the
    file's extension); `InvalidInputError` for a request the file cannot satisfy, or a client that
    can play the file neither directly nor by HLS."""
    choice = _choose(facts, request)
    over_bitrate = _over_bitrate(facts, profile, request)
    picture = _picture_reasons(choice, profile, request, over_bitrate)
    not_direct = _ordered(
        _container_reasons(container, profile),
        picture,
        _audio_direct_reasons(facts, choice, profile),
        _bitrate_reasons(over_bitrate) if choice.video is None else (),
    )
    if not not_direct:
        return _direct_plan(choice)
    if not profile.hls:
        raise NoCompatibleStreamError(
            f"this client can play the file neither directly ({', '.join(not_direct)}) nor by HLS",
            field="profile",
        )
    audio = _audio_plan(choice, profile, limits, over_bitrate)
    sound = _audio_bitrate(audio, limits)
    video = _video_plan(choice.video, picture, profile, request, limits, sound)
    encoded = video is not None and video.action is StreamAction.TRANSCODE
    streams = (plan.reasons for plan in (video, audio) if plan is not None)
    return PlaybackPlan(
        mode=Mode.TRANSCODE if encoded else Mode.REMUX,
        reasons=_ordered(not_direct, *streams),
        video=video,
        audio=audio,
        burn_subtitle=choice.burn.index if choice.burn else None,
    )


def _choose(facts: MediaFacts, request: PlayRequest) -> _Choice:
    if request.max_bitrate is not None and request.max_bitrate <= 0:
        raise InvalidInputError("the bitrate cap must be positive", field="max_bitrate")
    if request.max_height is not None and request.max_height < MIN_SIDE:
        raise InvalidInputError(f"the height cap must be at least {MIN_SIDE}", field="max_height")
    number = _audio_number(facts, request.audio)
    burn = _burn_subtitle(facts, request.burn_subtitle)
    video = facts.main_video
    if video is None and number is None:
        raise InvalidInputError("the file has neither a picture nor sound to play")
    if video is None and burn is not None:
        raise InvalidInputError(
            "the file has no picture to burn a subtitle into", field="burn_subtitle"
        )
    return _Choice(
        video=video,
        audio=None if number is None else facts.audio[number],
        number=number,
        burn=burn,
    )


def _audio_number(facts: MediaFacts, asked: int | None) -> int | None:
    if asked is None:
        default = (number for number, stream in enumerate(facts.audio) if stream.default)
        return next(default, 0 if facts.audio else None)
    if not 0 <= asked < len(facts.audio):
        raise InvalidInputError(
            f"no audio track {asked}: the file has {len(facts.audio)}", field="audio"
        )
    return asked


def _burn_subtitle(facts: MediaFacts, asked: int | None) -> SubtitleStream | None:
    if asked is None:
        return None
    if not 0 <= asked < len(facts.subtitles):
        raise InvalidInputError(
            f"no embedded subtitle {asked}: the file has {len(facts.subtitles)}",
            field="burn_subtitle",
        )
    subtitle = facts.subtitles[asked]
    if subtitle.text:
        raise InvalidInputError(
            f"subtitle {asked} is text ({subtitle.codec}): it is served as WebVTT, not burnt in",
            field="burn_subtitle",
        )
    return subtitle


def _over_bitrate(facts: MediaFacts, profile: DeviceProfile, request: PlayRequest) -> bool:
    """Whether the file is richer than the client takes (by its size over its duration when the
    probe found no bitrate); a file of unknown bitrate is not."""
    caps = [cap for cap in (profile.max_bitrate, request.max_bitrate) if cap is not None]
    if not caps:
        return False
    if facts.bit_rate is not None:
        return facts.bit_rate > min(caps)
    duration = facts.duration_s
    return duration is not None and duration > 0 and facts.size * 8 > min(caps) * duration


def _bitrate_reasons(over_bitrate: bool) -> Reasons:
    return (TranscodeReason.CONTAINER_BITRATE_EXCEEDS_LIMIT,) if over_bitrate else ()


def _container_reasons(container: str | None, profile: DeviceProfile) -> Reasons:
    if container is not None and container.lower() in profile.containers:
        return ()
    return (TranscodeReason.CONTAINER_NOT_SUPPORTED,)


def _picture_reasons(
    choice: _Choice, profile: DeviceProfile, request: PlayRequest, over_bitrate: bool
) -> Reasons:
    """Why the picture cannot be copied as it is, into any container."""
    video = choice.video
    if video is None:
        return ()
    reasons = [*_bitrate_reasons(over_bitrate), *_video_support_reasons(video, profile)]
    if request.max_height is not None and video.height > request.max_height:
        reasons.append(TranscodeReason.VIDEO_RESOLUTION_NOT_SUPPORTED)
    if choice.burn is not None:
        reasons.append(TranscodeReason.SUBTITLE_CODEC_NOT_SUPPORTED)
    return _ordered(reasons)


def _video_support_reasons(video: VideoStream, profile: DeviceProfile) -> Reasons:
    """What of the picture the client cannot decode; a limited value that is unknown is taken
    to be out of the limit, since a player that fails is worse than a needless transcode."""
    support = profile.video_support(video.codec)
    if support is None:
        return (TranscodeReason.VIDEO_CODEC_NOT_SUPPORTED,)
    reasons = []
    if support.profiles is not None and (video.profile or "").lower() not in support.profiles:
        reasons.append(TranscodeReason.VIDEO_PROFILE_NOT_SUPPORTED)
    if _exceeds(video.level, support.max_level):
        reasons.append(TranscodeReason.VIDEO_LEVEL_NOT_SUPPORTED)
    if _exceeds(video.bit_depth, support.max_bit_depth):
        reasons.append(TranscodeReason.VIDEO_BIT_DEPTH_NOT_SUPPORTED)
    if _exceeds(video.width, profile.max_width) or _exceeds(video.height, profile.max_height):
        reasons.append(TranscodeReason.VIDEO_RESOLUTION_NOT_SUPPORTED)
    return tuple(reasons)


def _exceeds(value: int | None, limit: int | None) -> bool:
    return limit is not None and (value is None or value > limit)


def _audio_direct_reasons(facts: MediaFacts, choice: _Choice, profile: DeviceProfile) -> Reasons:
    if choice.audio is None or choice.number is None:
        return ()
    reasons = _audio_support_reasons(choice.audio, profile)
    if not profile.audio_track_switching and not _played_unasked(facts, choice.number):
        reasons += (TranscodeReason.SECONDARY_AUDIO_NOT_SUPPORTED,)
    return reasons


def _played_unasked(facts: MediaFacts, number: int) -> bool:
    """Whether a player that cannot switch tracks plays this one: players take the first track
    or the default one, so only a first track that is also the default (or no track is) is safe."""
    first = facts.audio[0]
    return number == 0 and (first.default or not any(stream.default for stream in facts.audio))


def _audio_support_reasons(audio: AudioStream, profile: DeviceProfile) -> Reasons:
    support = profile.audio_support(audio.codec)
    if support is None:
        return (TranscodeReason.AUDIO_CODEC_NOT_SUPPORTED,)
    if _exceeds(audio.channels, support.max_channels):
        return (TranscodeReason.AUDIO_CHANNELS_NOT_SUPPORTED,)
    return ()


def _direct_plan(choice: _Choice) -> PlaybackPlan:
    video, audio, number = choice.video, choice.audio, choice.number
    return PlaybackPlan(
        mode=Mode.DIRECT,
        reasons=(),
        video=None if video is None else _copied_video(video),
        audio=None if audio is None or number is None else _copied_audio(audio, number),
        burn_subtitle=None,
    )


def _copied_video(video: VideoStream) -> VideoPlan:
    return VideoPlan(
        index=video.index,
        action=StreamAction.COPY,
        codec=video.codec,
        width=video.width,
        height=video.height,
        bitrate=None,
        reasons=(),
    )


def _copied_audio(audio: AudioStream, number: int) -> AudioPlan:
    return AudioPlan(
        index=audio.index,
        number=number,
        action=StreamAction.COPY,
        codec=audio.codec,
        channels=audio.channels,
        bitrate=None,
        reasons=(),
    )


def _audio_plan(
    choice: _Choice, profile: DeviceProfile, limits: StreamingSettings, over_bitrate: bool
) -> AudioPlan | None:
    """The sound in HLS: copied when the client plays it and MPEG-TS carries it, else AAC."""
    audio, number = choice.audio, choice.number
    if audio is None or number is None:
        return None
    reasons = _audio_support_reasons(audio, profile)
    if audio.codec not in HLS_AUDIO_CODECS:
        reasons = (TranscodeReason.AUDIO_CODEC_NOT_SUPPORTED, *reasons)
    if choice.video is None:
        reasons += _bitrate_reasons(over_bitrate)
    if not reasons:
        return _copied_audio(audio, number)
    channels = min(audio.channels, limits.max_audio_channels, _aac_channels(profile, limits))
    return AudioPlan(
        index=audio.index,
        number=number,
        action=StreamAction.TRANSCODE,
        codec=TRANSCODE_AUDIO_CODEC,
        channels=channels,
        bitrate=channels * limits.audio_bitrate_per_channel,
        reasons=_ordered(reasons),
    )


def _aac_channels(profile: DeviceProfile, limits: StreamingSettings) -> int:
    """The most AAC channels the client takes: its own limit, any when it lists AAC without one
    (the settings cap them then), stereo when it does not list AAC."""
    support = profile.audio_support(TRANSCODE_AUDIO_CODEC)
    if support is None:
        return DEFAULT_AAC_CHANNELS
    return support.max_channels if support.max_channels is not None else limits.max_audio_channels


def _audio_bitrate(audio: AudioPlan | None, limits: StreamingSettings) -> int:
    """Bits/s the sound takes of the stream: its encoder's target, or for copied sound the same
    estimate (the probe does not tell a stream's bitrate)."""
    if audio is None:
        return 0
    return audio.bitrate or audio.channels * limits.audio_bitrate_per_channel


def _video_plan(
    video: VideoStream | None,
    picture: Reasons,
    profile: DeviceProfile,
    request: PlayRequest,
    limits: StreamingSettings,
    audio_bitrate: int,
) -> VideoPlan | None:
    """The picture in HLS: copied when it could be played directly and MPEG-TS carries it for
    this client, else encoded to H.264 within every cap."""
    if video is None:
        return None
    reasons = picture
    if video.codec not in profile.hls_video_codecs:
        reasons = _ordered(reasons, (TranscodeReason.VIDEO_CODEC_NOT_SUPPORTED,))
    if not reasons:
        return _copied_video(video)
    width, height = _scaled(video, profile, request, limits)
    return VideoPlan(
        index=video.index,
        action=StreamAction.TRANSCODE,
        codec=TRANSCODE_VIDEO_CODEC,
        width=width,
        height=height,
        bitrate=_video_bitrate(video, width * height, profile, request, limits, audio_bitrate),
        reasons=reasons,
    )


def _scaled(
    video: VideoStream, profile: DeviceProfile, request: PlayRequest, limits: StreamingSettings
) -> tuple[int, int]:
    """The source's size shrunk (never grown) to fit every cap, its aspect ratio kept and both
    sides even, as 4:2:0 H.264 needs."""
    heights = (video.height, request.max_height, profile.max_height, limits.max_height)
    height = min(cap for cap in heights if cap is not None)
    width = video.width if profile.max_width is None else min(video.width, profile.max_width)
    scale = min(Fraction(height, video.height), Fraction(width, video.width))
    return _even(video.width * scale), _even(video.height * scale)


def _even(side: Fraction) -> int:
    return max(2, int(side) // 2 * 2)


def _video_bitrate(
    video: VideoStream,
    pixels: int,
    profile: DeviceProfile,
    request: PlayRequest,
    limits: StreamingSettings,
    audio_bitrate: int,
) -> int:
    """Enough for the picture's size and frame rate, within what the client takes once the
    sound has its share, and never over the operator's cap."""
    frame_rate = video.frame_rate or DEFAULT_FRAME_RATE
    budgets = [int(pixels * frame_rate * limits.bits_per_pixel)]
    caps = (request.max_bitrate, profile.max_bitrate)
    budgets += [cap - audio_bitrate for cap in caps if cap is not None]
    return min(limits.max_video_bitrate, max(MIN_VIDEO_BITRATE, min(budgets)))


def _ordered(*groups: Iterable[TranscodeReason]) -> Reasons:
    """The reasons of every group once each, in the enum's order."""
    return tuple(sorted({reason for group in groups for reason in group}, key=_ORDER.__getitem__))
