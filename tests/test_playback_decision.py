"""The playback decision: direct play, remux or transcode for a client's device profile, with
Jellyfin's transcode reasons; and the profile models, which parse hostile client JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from reelhouse.config import StreamingSettings
from reelhouse.errors import InvalidInputError
from reelhouse.playback.decision import (
    HLS_AUDIO_CODECS,
    MIN_VIDEO_BITRATE,
    AudioPlan,
    Mode,
    PlaybackPlan,
    PlayRequest,
    StreamAction,
    TranscodeReason,
    VideoPlan,
    decide,
)
from reelhouse.playback.facts import AudioStream, MediaFacts, SubtitleStream, VideoStream
from reelhouse.playback.profiles import (
    MAX_ENTRIES,
    WEB_PROFILE,
    AudioCodecSupport,
    DeviceProfile,
    VideoCodecSupport,
)

LIMITS = StreamingSettings()
R = TranscodeReason
COST = {Mode.DIRECT: 0, Mode.REMUX: 1, Mode.TRANSCODE: 2}


def video(
    codec: str = "h264",
    *,
    index: int = 0,
    profile: str | None = "High",
    level: int | None = 41,
    width: int = 1920,
    height: int = 1080,
    bit_depth: int | None = 8,
    frame_rate: float | None = 25.0,
) -> VideoStream:
    return VideoStream(
        index=index,
        codec=codec,
        profile=profile,
        level=level,
        width=width,
        height=height,
        bit_depth=bit_depth,
        frame_rate=frame_rate,
        default=True,
    )


def audio(
    codec: str = "aac", *, index: int = 1, channels: int = 2, default: bool = True
) -> AudioStream:
    return AudioStream(index=index, codec=codec, channels=channels, default=default)


def pgs(index: int) -> SubtitleStream:
    return SubtitleStream(index=index, codec="hdmv_pgs_subtitle", text=False)


def srt(index: int) -> SubtitleStream:
    return SubtitleStream(index=index, codec="subrip", text=True)


def media(
    *streams: VideoStream | AudioStream | SubtitleStream,
    container: str = "mov,mp4,m4a,3gp,3g2,mj2",
    bit_rate: int | None = 5_000_000,
) -> MediaFacts:
    return MediaFacts(
        container=container,
        duration_s=5400.0,
        bit_rate=bit_rate,
        size=3_000_000_000,
        video=tuple(s for s in streams if isinstance(s, VideoStream)),
        audio=tuple(s for s in streams if isinstance(s, AudioStream)),
        subtitles=tuple(s for s in streams if isinstance(s, SubtitleStream)),
    )


def web(
    facts: MediaFacts, container: str | None = "mp4", request: PlayRequest | None = None
) -> PlaybackPlan:
    return decide(facts, container, WEB_PROFILE, request or PlayRequest(), LIMITS)


# -- examples ----------------------------------------------------------------------------------


def test_reasons_are_jellyfins_names() -> None:
    assert [reason.value for reason in TranscodeReason] == [
        "ContainerNotSupported",
        "ContainerBitrateExceedsLimit",
        "VideoCodecNotSupported",
        "VideoProfileNotSupported",
        "VideoLevelNotSupported",
        "VideoBitDepthNotSupported",
        "VideoResolutionNotSupported",
        "SubtitleCodecNotSupported",
        "AudioCodecNotSupported",
        "AudioChannelsNotSupported",
        "SecondaryAudioNotSupported",
    ]


def test_h264_aac_mp4_plays_directly() -> None:
    plan = web(media(video(), audio()))
    assert plan == PlaybackPlan(
        mode=Mode.DIRECT,
        reasons=(),
        video=VideoPlan(
            index=0,
            action=StreamAction.COPY,
            codec="h264",
            width=1920,
            height=1080,
            bitrate=None,
            reasons=(),
        ),
        audio=AudioPlan(
            index=1,
            number=0,
            action=StreamAction.COPY,
            codec="aac",
            channels=2,
            bitrate=None,
            reasons=(),
        ),
        burn_subtitle=None,
    )


def test_the_stored_container_decides_not_the_probes_name() -> None:
    facts = media(video(), audio())
    assert web(facts, "MP4").mode is Mode.DIRECT
    assert web(facts, None).reasons == (R.CONTAINER_NOT_SUPPORTED,)


def test_h264_ac3_mkv_remuxes_with_the_sound_in_aac() -> None:
    plan = web(media(video(), audio("ac3", channels=6)), "mkv")
    assert plan.mode is Mode.REMUX
    assert plan.reasons == (R.CONTAINER_NOT_SUPPORTED, R.AUDIO_CODEC_NOT_SUPPORTED)
    assert plan.video is not None
    assert plan.video.action is StreamAction.COPY
    assert plan.video.reasons == ()
    assert plan.audio == AudioPlan(
        index=1,
        number=0,
        action=StreamAction.TRANSCODE,
        codec="aac",
        channels=6,  # the browser's AAC takes 6, and so do the settings
        bitrate=6 * LIMITS.audio_bitrate_per_channel,
        reasons=(R.AUDIO_CODEC_NOT_SUPPORTED,),
    )


def test_transcoded_sound_is_stereo_for_a_client_that_does_not_list_aac() -> None:
    profile = WEB_PROFILE.model_copy(update={"audio_codecs": (AudioCodecSupport(codec="opus"),)})
    plan = decide(media(video(), audio("ac3", channels=6)), "mkv", profile, PlayRequest(), LIMITS)
    assert plan.audio is not None
    assert (plan.audio.codec, plan.audio.channels) == ("aac", 2)
    capped = decide(
        media(video(), audio("ac3", channels=6)),
        "mkv",
        WEB_PROFILE,
        PlayRequest(),
        StreamingSettings(max_audio_channels=4),
    )
    assert capped.audio is not None
    assert capped.audio.channels == 4


def test_aac_with_too_many_channels_for_the_client_is_downmixed() -> None:
    plan = web(media(video(), audio("aac", channels=8)))
    assert plan.mode is Mode.REMUX
    assert plan.reasons == (R.AUDIO_CHANNELS_NOT_SUPPORTED,)
    assert plan.audio is not None
    assert (plan.audio.action, plan.audio.channels) == (StreamAction.TRANSCODE, 6)


def test_hevc_10_bit_is_transcoded_to_h264() -> None:
    plan = web(media(video("hevc", profile="Main 10", level=153, bit_depth=10), audio()), "mkv")
    assert plan.mode is Mode.TRANSCODE
    assert plan.reasons == (R.CONTAINER_NOT_SUPPORTED, R.VIDEO_CODEC_NOT_SUPPORTED)
    assert plan.video == VideoPlan(
        index=0,
        action=StreamAction.TRANSCODE,
        codec="h264",
        width=1920,
        height=1080,
        bitrate=int(1920 * 1080 * 25 * LIMITS.bits_per_pixel),
        reasons=(R.VIDEO_CODEC_NOT_SUPPORTED,),
    )
    assert plan.audio is not None
    assert plan.audio.action is StreamAction.COPY


def test_a_client_that_takes_hevc_in_hls_gets_it_remuxed() -> None:
    profile = DeviceProfile(
        containers=("mp4",),
        video_codecs=(VideoCodecSupport(codec="h264"), VideoCodecSupport(codec="hevc")),
        audio_codecs=(AudioCodecSupport(codec="aac"),),
        hls_video_codecs=("h264", "hevc"),
    )
    plan = decide(media(video("hevc"), audio()), "mkv", profile, PlayRequest(), LIMITS)
    assert (plan.mode, plan.reasons) == (Mode.REMUX, (R.CONTAINER_NOT_SUPPORTED,))


def test_vp9_opus_plays_in_webm_but_not_in_hls() -> None:
    facts = media(video("vp9", profile="Profile 0", level=None), audio("opus"))
    assert web(facts, "webm").mode is Mode.DIRECT
    plan = web(facts, "mkv")
    assert plan.mode is Mode.TRANSCODE
    assert plan.reasons == (
        R.CONTAINER_NOT_SUPPORTED,
        R.VIDEO_CODEC_NOT_SUPPORTED,
        R.AUDIO_CODEC_NOT_SUPPORTED,
    )
    assert plan.audio is not None
    assert (plan.audio.action, plan.audio.codec) == (StreamAction.TRANSCODE, "aac")


@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        (video(profile="High 4:4:4 Predictive"), R.VIDEO_PROFILE_NOT_SUPPORTED),
        (video(profile=None), R.VIDEO_PROFILE_NOT_SUPPORTED),
        (video(level=52), R.VIDEO_LEVEL_NOT_SUPPORTED),
        (video(bit_depth=10), R.VIDEO_BIT_DEPTH_NOT_SUPPORTED),
        (video(bit_depth=None), R.VIDEO_BIT_DEPTH_NOT_SUPPORTED),
    ],
)
def test_an_h264_the_browser_cannot_decode_is_transcoded(stream: VideoStream, reason: R) -> None:
    plan = web(media(stream, audio()))
    assert (plan.mode, plan.reasons) == (Mode.TRANSCODE, (reason,))


def test_a_file_over_the_bitrate_cap_is_transcoded_under_it() -> None:
    plan = web(
        media(video(), audio(), bit_rate=20_000_000), request=PlayRequest(max_bitrate=4_000_000)
    )
    assert plan.mode is Mode.TRANSCODE
    assert plan.reasons == (R.CONTAINER_BITRATE_EXCEEDS_LIMIT,)
    assert plan.video is not None
    assert plan.video.reasons == (R.CONTAINER_BITRATE_EXCEEDS_LIMIT,)
    # the copied stereo AAC is counted at the settings' rate
    assert plan.video.bitrate == 4_000_000 - 2 * LIMITS.audio_bitrate_per_channel
    assert (
        web(
            media(video(), audio(), bit_rate=3_000_000), request=PlayRequest(max_bitrate=4_000_000)
        ).mode
        is Mode.DIRECT
    )


@settings(max_examples=300)
@given(
    bit_rate=st.integers(1, 50_000_000),
    profile_cap=st.none() | st.integers(1, 50_000_000),
    request_cap=st.none() | st.integers(1, 50_000_000),
)
def test_the_file_is_held_to_every_bitrate_cap(
    bit_rate: int, profile_cap: int | None, request_cap: int | None
) -> None:
    profile = WEB_PROFILE.model_copy(update={"max_bitrate": profile_cap})
    facts = media(video(), audio(), bit_rate=bit_rate)
    plan = decide(facts, "mp4", profile, PlayRequest(max_bitrate=request_cap), LIMITS)
    caps = [cap for cap in (profile_cap, request_cap) if cap is not None]
    if all(bit_rate <= cap for cap in caps):
        assert plan.mode is Mode.DIRECT
        return
    assert (plan.mode, plan.reasons) == (Mode.TRANSCODE, (R.CONTAINER_BITRATE_EXCEEDS_LIMIT,))
    assert plan.video is not None
    assert plan.video.bitrate is not None
    share = min(caps) - 2 * LIMITS.audio_bitrate_per_channel
    assert plan.video.bitrate == max(
        MIN_VIDEO_BITRATE, min(share, int(1920 * 1080 * 25 * LIMITS.bits_per_pixel))
    )


def test_without_a_probed_bitrate_the_size_over_the_duration_counts() -> None:
    facts = media(video(), audio(), bit_rate=None)  # 3 GB over 90 minutes: about 4.4 Mbit/s
    assert web(facts, request=PlayRequest(max_bitrate=4_000_000)).mode is Mode.TRANSCODE
    assert web(facts, request=PlayRequest(max_bitrate=5_000_000)).mode is Mode.DIRECT


def test_the_profiles_bitrate_caps_the_transcode_too() -> None:
    profile = WEB_PROFILE.model_copy(update={"max_bitrate": 3_000_000})
    plan = decide(media(video(), audio("ac3", channels=6)), "mkv", profile, PlayRequest(), LIMITS)
    assert plan.reasons == (
        R.CONTAINER_NOT_SUPPORTED,
        R.CONTAINER_BITRATE_EXCEEDS_LIMIT,
        R.AUDIO_CODEC_NOT_SUPPORTED,
    )
    assert plan.video is not None
    assert plan.video.bitrate == 3_000_000 - 6 * LIMITS.audio_bitrate_per_channel


def test_the_second_audio_track_is_not_direct_play_for_a_browser() -> None:
    facts = media(video(), audio(index=1), audio(index=2, default=False))
    plan = web(facts, request=PlayRequest(audio=1))
    assert plan.mode is Mode.REMUX
    assert plan.reasons == (R.SECONDARY_AUDIO_NOT_SUPPORTED,)
    assert plan.audio is not None
    assert (plan.audio.index, plan.audio.number, plan.audio.action) == (2, 1, StreamAction.COPY)
    assert plan.audio.reasons == ()
    switching = WEB_PROFILE.model_copy(update={"audio_track_switching": True})
    assert decide(facts, "mp4", switching, PlayRequest(audio=1), LIMITS).mode is Mode.DIRECT


def test_the_default_track_is_played_and_only_a_first_default_one_directly() -> None:
    second_default = media(video(), audio(index=1, default=False), audio(index=2))
    plan = web(second_default)
    assert plan.audio is not None
    assert plan.audio.number == 1
    assert plan.reasons == (R.SECONDARY_AUDIO_NOT_SUPPORTED,)
    # the first, not flagged, while another is: a player may pick either
    assert web(second_default, request=PlayRequest(audio=0)).mode is Mode.REMUX
    unflagged = media(video(), audio(index=1, default=False), audio(index=2, default=False))
    assert web(unflagged).mode is Mode.DIRECT


def test_burning_in_an_image_subtitle_transcodes() -> None:
    plan = web(media(video(), audio(), srt(2), pgs(3)), request=PlayRequest(burn_subtitle=1))
    assert plan.mode is Mode.TRANSCODE
    assert plan.reasons == (R.SUBTITLE_CODEC_NOT_SUPPORTED,)
    assert plan.burn_subtitle == 3
    assert plan.video is not None
    assert plan.video.reasons == (R.SUBTITLE_CODEC_NOT_SUPPORTED,)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (PlayRequest(burn_subtitle=0), "burn_subtitle"),  # text: served as WebVTT
        (PlayRequest(burn_subtitle=2), "burn_subtitle"),
        (PlayRequest(burn_subtitle=-1), "burn_subtitle"),
        (PlayRequest(audio=2), "audio"),
        (PlayRequest(audio=-1), "audio"),
        (PlayRequest(max_bitrate=0), "max_bitrate"),
        (PlayRequest(max_height=8), "max_height"),
    ],
)
def test_a_request_the_file_cannot_satisfy_is_invalid(request_: PlayRequest, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        web(
            media(video(), audio(), audio(index=2, default=False), srt(3), pgs(4)), request=request_
        )
    assert caught.value.field == field


def test_a_lower_height_cap_scales_the_picture_down() -> None:
    plan = web(media(video(), audio()), request=PlayRequest(max_height=720))
    assert plan.mode is Mode.TRANSCODE
    assert plan.reasons == (R.VIDEO_RESOLUTION_NOT_SUPPORTED,)
    assert plan.video is not None
    assert (plan.video.width, plan.video.height) == (1280, 720)
    assert plan.video.bitrate == int(1280 * 720 * 25 * LIMITS.bits_per_pixel)
    assert web(media(video(), audio()), request=PlayRequest(max_height=1080)).mode is Mode.DIRECT


def test_scaled_sides_are_even_and_keep_the_shape() -> None:
    scope = web(media(video(width=1920, height=804), audio()), request=PlayRequest(max_height=481))
    assert scope.video is not None
    assert (scope.video.width, scope.video.height) == (1148, 480)  # 1148.6 and 481, made even
    profile = WEB_PROFILE.model_copy(update={"max_width": 1280})
    wide = decide(media(video(), audio()), "mp4", profile, PlayRequest(), LIMITS)
    assert wide.reasons == (R.VIDEO_RESOLUTION_NOT_SUPPORTED,)
    assert wide.video is not None
    assert (wide.video.width, wide.video.height) == (1280, 720)


def test_4k_is_transcoded_no_taller_than_the_settings_allow() -> None:
    plan = web(media(video("hevc", width=3840, height=2160), audio()))
    assert plan.video is not None
    assert (plan.video.width, plan.video.height) == (1920, 1080)
    assert plan.video.bitrate == int(1920 * 1080 * 25 * LIMITS.bits_per_pixel)
    plan = decide(
        media(video("hevc", width=3840, height=2160, frame_rate=60.0), audio()),
        "mp4",
        WEB_PROFILE,
        PlayRequest(),
        StreamingSettings(max_height=2160),
    )
    assert plan.video is not None
    assert plan.video.height == 2160
    assert plan.video.bitrate == LIMITS.max_video_bitrate


def test_a_tiny_picture_still_gets_the_floor_bitrate() -> None:
    plan = web(media(video("mpeg4", width=320, height=180), audio()))
    assert plan.video is not None
    assert plan.video.bitrate == MIN_VIDEO_BITRATE


def test_sound_only_files_play_without_a_picture() -> None:
    facts = media(audio("mp3", index=0))
    assert web(facts, "mp4").mode is Mode.DIRECT
    plan = web(facts, "mp3")
    assert (plan.mode, plan.video, plan.reasons) == (Mode.REMUX, None, (R.CONTAINER_NOT_SUPPORTED,))
    assert plan.audio is not None
    assert plan.audio.action is StreamAction.COPY
    rich = web(
        media(audio("flac", index=0), bit_rate=900_000), "mp4", PlayRequest(max_bitrate=500_000)
    )
    assert rich.reasons == (R.CONTAINER_BITRATE_EXCEEDS_LIMIT, R.AUDIO_CODEC_NOT_SUPPORTED)
    assert rich.audio is not None
    assert rich.audio.reasons == (R.CONTAINER_BITRATE_EXCEEDS_LIMIT, R.AUDIO_CODEC_NOT_SUPPORTED)
    with pytest.raises(InvalidInputError):
        web(media(audio("mp3", index=0), pgs(1)), request=PlayRequest(burn_subtitle=0))


def test_a_silent_film_plays_without_sound() -> None:
    assert web(media(video())).audio is None
    assert web(media(video()), "mkv").mode is Mode.REMUX
    with pytest.raises(InvalidInputError):
        web(media())


def test_a_client_without_hls_gets_direct_play_or_an_error() -> None:
    profile = WEB_PROFILE.model_copy(update={"hls": False})
    facts = media(video(), audio())
    assert decide(facts, "mp4", profile, PlayRequest(), LIMITS).mode is Mode.DIRECT
    with pytest.raises(InvalidInputError, match="ContainerNotSupported") as caught:
        decide(facts, "mkv", profile, PlayRequest(), LIMITS)
    assert caught.value.field == "profile"


# -- the profile models ----------------------------------------------------------------------


def test_profile_names_are_lower_cased() -> None:
    profile = DeviceProfile.model_validate(
        {
            "containers": ["MP4"],
            "video_codecs": [{"codec": "H264", "profiles": ["Main 10", "High 4:4:4 Predictive"]}],
            "audio_codecs": [{"codec": "AAC", "max_channels": 6}],
            "hls_video_codecs": ["H264"],
        }
    )
    assert profile.containers == ("mp4",)
    assert profile.video_codecs[0].codec == "h264"
    assert profile.video_codecs[0].profiles == ("main 10", "high 4:4:4 predictive")
    assert profile.audio_codecs[0].codec == "aac"


@pytest.mark.parametrize(
    "change",
    [
        {"containers": ["mp4"] * (MAX_ENTRIES + 1)},
        {"containers": ["mp 4"]},
        {"containers": ["\uff2d\uff30\uff14"]},  # full-width MP4
        {"containers": [""]},
        {"containers": ["a" * 33]},
        {"video_codecs": [{"codec": "h264"}, {"codec": "H264"}]},
        {"video_codecs": [{"codec": "h264", "max_level": 0}]},
        {"video_codecs": [{"codec": "h264", "max_level": 41.5}]},
        {"video_codecs": [{"codec": "h264", "profiles": ["high\n"]}]},
        {"audio_codecs": [{"codec": "aac", "max_channels": -2}]},
        {"audio_codecs": [{"codec": "aac", "max_channels": 65}]},
        {"max_bitrate": 0},
        {"max_bitrate": 10**30},
        {"max_height": 1},
        {"max_height": "1080"},
        {"max_bitrate": True},
        {"hls": "yes"},
        {"hls_video_codecs": ["hevc"]},
        {"unknown": 1},
        {"video_codecs": [{"codec": "h264", "extra": True}]},
    ],
)
def test_profiles_out_of_bounds_are_rejected(change: dict[str, Any]) -> None:
    data: dict[str, Any] = {"containers": ["mp4"], "video_codecs": [], "audio_codecs": []}
    DeviceProfile.model_validate(data)
    with pytest.raises(ValidationError):
        DeviceProfile.model_validate(data | change)


def test_a_client_without_hls_need_not_take_h264_in_it() -> None:
    profile = DeviceProfile(
        containers=("mkv",), video_codecs=(), audio_codecs=(), hls=False, hls_video_codecs=()
    )
    assert profile.hls_video_codecs == ()


# -- properties ----------------------------------------------------------------------------------

VIDEO_CODECS = ["h264", "hevc", "av1", "vp9", "vp8", "mpeg4", "mpeg2video"]
AUDIO_CODECS = ["aac", "mp3", "opus", "vorbis", "flac", "ac3", "eac3", "dts", "truehd", "pcm_s16le"]
CONTAINERS = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "ts"]
VIDEO_PROFILES = ["High", "Main", "Main 10", "Constrained Baseline", "Profile 0"]


@st.composite
def media_facts(draw: st.DrawFn) -> MediaFacts:
    kinds = draw(
        st.lists(st.sampled_from(["video", "audio", "audio", "subtitle"]), min_size=1, max_size=5)
    )
    streams: list[VideoStream | AudioStream | SubtitleStream] = []
    for index, kind in enumerate(kinds):
        if kind == "video":
            streams.append(
                VideoStream(
                    index=index,
                    codec=draw(st.sampled_from(VIDEO_CODECS)),
                    profile=draw(st.none() | st.sampled_from(VIDEO_PROFILES)),
                    level=draw(st.none() | st.integers(1, 200)),
                    width=draw(st.integers(1, 8192)),
                    height=draw(st.integers(1, 4320)),
                    frame_rate=draw(st.none() | st.floats(1, 240)),
                    bit_depth=draw(st.none() | st.sampled_from([8, 10, 12])),
                    default=draw(st.booleans()),
                )
            )
        elif kind == "audio":
            streams.append(
                AudioStream(
                    index=index,
                    codec=draw(st.sampled_from(AUDIO_CODECS)),
                    channels=draw(st.integers(1, 16)),
                    default=draw(st.booleans()),
                )
            )
        else:
            streams.append(SubtitleStream(index=index, codec="x", text=draw(st.booleans())))
    return MediaFacts(
        container="matroska",
        duration_s=draw(st.none() | st.floats(0, 100_000)),
        bit_rate=draw(st.none() | st.integers(1, 100_000_000)),
        size=draw(st.integers(0, 10**12)),
        video=tuple(s for s in streams if isinstance(s, VideoStream)),
        audio=tuple(s for s in streams if isinstance(s, AudioStream)),
        subtitles=tuple(s for s in streams if isinstance(s, SubtitleStream)),
    )


def one_in(draw: st.DrawFn, odds: int) -> bool:
    return draw(st.sampled_from(range(odds))) == odds - 1


def usually(draw: st.DrawFn) -> bool:
    return not one_in(draw, 5)


@st.composite
def mostly_none(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> Any:
    return draw(values) if one_in(draw, 3) else None


def supported(draw: st.DrawFn, found: set[str], pool: list[str]) -> list[str]:
    """Codecs a drawn client lists: usually each of those the file has, and some others."""
    listed = {codec for codec in sorted(found) if usually(draw)}
    return sorted(listed | set(draw(st.lists(st.sampled_from(pool), max_size=4))))


def device_profile(draw: st.DrawFn, facts: MediaFacts, container: str | None) -> DeviceProfile:
    """A client drawn near the file, so that every mode and every reason comes up."""
    hls = not one_in(draw, 10)
    hls_video = ["h264", *draw(st.lists(st.sampled_from(["hevc", "av1"]), unique=True))]
    found = {container.lower()} if container and usually(draw) else set()
    return DeviceProfile(
        containers=tuple(supported(draw, found, CONTAINERS)),
        video_codecs=tuple(
            VideoCodecSupport(
                codec=codec,
                max_level=draw(mostly_none(st.integers(1, 200))),
                max_bit_depth=draw(mostly_none(st.sampled_from([8, 10, 12]))),
                profiles=draw(
                    mostly_none(st.lists(st.sampled_from(VIDEO_PROFILES), max_size=3).map(tuple))
                ),
            )
            for codec in supported(draw, {v.codec for v in facts.video}, VIDEO_CODECS)
        ),
        audio_codecs=tuple(
            AudioCodecSupport(codec=codec, max_channels=draw(mostly_none(st.integers(1, 8))))
            for codec in supported(draw, {a.codec for a in facts.audio}, AUDIO_CODECS)
        ),
        max_bitrate=draw(mostly_none(st.integers(1, 100_000_000))),
        max_width=draw(mostly_none(st.integers(16, 8192))),
        max_height=draw(mostly_none(st.integers(16, 4320))),
        hls=hls,
        audio_track_switching=draw(st.booleans()),
        hls_video_codecs=tuple(hls_video if hls else draw(st.lists(st.sampled_from(VIDEO_CODECS)))),
    )


def play_request(draw: st.DrawFn, facts: MediaFacts) -> PlayRequest:
    """Mostly tracks the file has; now and then one it has not."""
    return PlayRequest(
        audio=_track(draw, len(facts.audio)) if one_in(draw, 3) else None,
        burn_subtitle=_track(draw, len(facts.subtitles)) if one_in(draw, 4) else None,
        max_bitrate=draw(mostly_none(st.integers(1, 100_000_000))),
        max_height=draw(mostly_none(st.integers(16, 4320))),
    )


def _track(draw: st.DrawFn, tracks: int) -> int:
    if tracks and usually(draw):
        return draw(st.integers(0, tracks - 1))
    return draw(st.integers(-1, 99))


streaming_limits = st.just(LIMITS) | st.builds(
    StreamingSettings,
    max_height=st.integers(1, 4320),
    max_video_bitrate=st.integers(1, 50_000_000),
    bits_per_pixel=st.floats(0.01, 2),
    audio_bitrate_per_channel=st.integers(1, 320_000),
    max_audio_channels=st.integers(1, 8),
)


class Case:
    """One drawn decision, with what the rules say about it worked out plainly, condition by
    condition, rather than as decide() collects reasons."""

    def __init__(
        self,
        facts: MediaFacts,
        container: str | None,
        profile: DeviceProfile,
        request: PlayRequest,
        limits: StreamingSettings,
    ) -> None:
        self.facts, self.container, self.profile = facts, container, profile
        self.request, self.limits = request, limits
        self.video = facts.main_video
        defaults = [n for n, a in enumerate(facts.audio) if a.default]
        self.number = request.audio if request.audio is not None else (defaults or [0])[0]
        self.audio = facts.audio[self.number] if 0 <= self.number < len(facts.audio) else None

    def request_is_invalid(self) -> bool:
        request, facts = self.request, self.facts
        burn = request.burn_subtitle
        return (
            (request.audio is not None and not 0 <= request.audio < len(facts.audio))
            or (burn is not None and not 0 <= burn < len(facts.subtitles))
            or (burn is not None and facts.subtitles[burn].text)
            or (burn is not None and self.video is None)
            or (self.video is None and not facts.audio)
        )

    def caps(self) -> list[int]:
        return [c for c in (self.profile.max_bitrate, self.request.max_bitrate) if c is not None]

    def file_bitrate(self) -> float | None:
        facts = self.facts
        if facts.bit_rate is not None:
            return facts.bit_rate
        if facts.duration_s:
            return facts.size * 8 / facts.duration_s
        return None

    def within_bitrate(self) -> bool:
        bitrate = self.file_bitrate()
        return bitrate is None or all(bitrate <= cap for cap in self.caps())

    def video_decodable(self) -> bool:
        v, profile = self.video, self.profile
        assert v is not None
        support = next((s for s in profile.video_codecs if s.codec == v.codec), None)
        return (
            support is not None
            and (support.profiles is None or (v.profile or "").lower() in support.profiles)
            and (
                support.max_level is None or (v.level is not None and v.level <= support.max_level)
            )
            and (
                support.max_bit_depth is None
                or (v.bit_depth is not None and v.bit_depth <= support.max_bit_depth)
            )
            and (profile.max_width is None or v.width <= profile.max_width)
            and (profile.max_height is None or v.height <= profile.max_height)
        )

    def video_copyable(self) -> bool:
        """The picture may be copied as it is (into the file's container or into HLS)."""
        v = self.video
        return v is None or (
            self.video_decodable()
            and self.within_bitrate()
            and self.request.burn_subtitle is None
            and (self.request.max_height is None or v.height <= self.request.max_height)
        )

    def audio_decodable(self) -> bool:
        a = self.audio
        if a is None:
            return True
        support = next((s for s in self.profile.audio_codecs if s.codec == a.codec), None)
        return support is not None and (
            support.max_channels is None or a.channels <= support.max_channels
        )

    def first_track(self) -> bool:
        audio = self.facts.audio
        return (
            not audio
            or self.profile.audio_track_switching
            or (self.number == 0 and (audio[0].default or not any(a.default for a in audio)))
        )

    def direct(self) -> bool:
        return (
            self.container is not None
            and self.container.lower() in self.profile.containers
            and self.video_copyable()
            and self.audio_decodable()
            and self.first_track()
            and (self.video is not None or self.within_bitrate())
        )

    def remux(self) -> bool:
        return self.video is None or (
            self.video_copyable() and self.video.codec in self.profile.hls_video_codecs
        )


def plan_or_error(case: Case) -> PlaybackPlan | None:
    """decide()'s plan, or None when it refused, which it may only do when the rules say so."""
    try:
        plan = decide(case.facts, case.container, case.profile, case.request, case.limits)
    except InvalidInputError:
        assert case.request_is_invalid() or (not case.profile.hls and not case.direct())
        return None
    assert not case.request_is_invalid()
    assert case.profile.hls or plan.mode is Mode.DIRECT
    return plan


@st.composite
def cases(draw: st.DrawFn) -> Case:
    facts = draw(media_facts())
    container = draw(st.none() | st.sampled_from([*CONTAINERS, "MKV", "mp3"]))
    profile = device_profile(draw, facts, container)
    return Case(facts, container, profile, play_request(draw, facts), draw(streaming_limits))


@settings(max_examples=500)
@given(cases())
def test_the_mode_is_the_cheapest_the_rules_allow(case: Case) -> None:
    plan = plan_or_error(case)
    if plan is None:
        return
    expected = Mode.DIRECT if case.direct() else Mode.REMUX if case.remux() else Mode.TRANSCODE
    assert plan.mode is expected
    assert bool(plan.reasons) == (plan.mode is not Mode.DIRECT)
    assert list(plan.reasons) == sorted(set(plan.reasons), key=list(TranscodeReason).index)
    for stream in (plan.video, plan.audio):
        if stream is not None:
            assert set(stream.reasons) <= set(plan.reasons)
            assert bool(stream.reasons) == (stream.action is StreamAction.TRANSCODE)


@settings(max_examples=500)
@given(cases())
def test_the_plan_plays_the_streams_asked_for(case: Case) -> None:
    plan = plan_or_error(case)
    if plan is None:
        return
    video, facts = case.video, case.facts
    assert (plan.video is None) == (video is None)
    if plan.video is not None and video is not None:
        assert plan.video.index == video.index
    assert (plan.audio is None) == (not facts.audio)
    if plan.audio is not None:
        assert plan.audio.number == case.number
        assert plan.audio.index == facts.audio[case.number].index
    burn = case.request.burn_subtitle
    assert plan.burn_subtitle == (None if burn is None else facts.subtitles[burn].index)
    if burn is not None:
        assert plan.video is not None
        assert plan.video.action is StreamAction.TRANSCODE
        assert R.SUBTITLE_CODEC_NOT_SUPPORTED in plan.reasons


@settings(max_examples=500)
@given(cases())
def test_copied_streams_are_ones_the_client_plays(case: Case) -> None:
    plan = plan_or_error(case)
    if plan is None:
        return
    profile = case.profile
    if plan.video is not None and plan.video.action is StreamAction.COPY:
        assert case.video is not None
        assert (plan.video.codec, plan.video.width, plan.video.height, plan.video.bitrate) == (
            case.video.codec,
            case.video.width,
            case.video.height,
            None,
        )
        assert plan.video.codec in {s.codec for s in profile.video_codecs}
        assert plan.mode is Mode.DIRECT or plan.video.codec in profile.hls_video_codecs
    if plan.audio is not None and plan.audio.action is StreamAction.COPY:
        support = {s.codec: s.max_channels for s in profile.audio_codecs}
        assert plan.audio.codec in support
        assert plan.audio.channels <= (support[plan.audio.codec] or plan.audio.channels)
        assert plan.mode is Mode.DIRECT or plan.audio.codec in HLS_AUDIO_CODECS
    if plan.mode is Mode.DIRECT:
        assert all(s is None or s.action is StreamAction.COPY for s in (plan.video, plan.audio))


@settings(max_examples=500)
@given(cases())
def test_transcodes_stay_within_every_cap(case: Case) -> None:
    plan = plan_or_error(case)
    if plan is None:
        return
    profile, request, limits = case.profile, case.request, case.limits
    if plan.audio is not None and plan.audio.action is StreamAction.TRANSCODE:
        source = case.facts.audio[case.number].channels
        aac = next((s for s in profile.audio_codecs if s.codec == "aac"), None)
        client = 2 if aac is None else aac.max_channels or source
        assert plan.audio.codec == "aac"
        assert 1 <= plan.audio.channels <= min(source, limits.max_audio_channels, client)
        assert plan.audio.bitrate == plan.audio.channels * limits.audio_bitrate_per_channel
    video = plan.video
    if video is None or video.action is StreamAction.COPY:
        return
    source = case.video
    assert source is not None
    assert video.codec == "h264"
    assert video.width > 0
    assert video.height > 0
    assert video.width % 2 == 0
    assert video.height % 2 == 0
    for cap in (request.max_height, profile.max_height, limits.max_height, source.height):
        assert cap is None or video.height <= max(cap, 2)
    for cap in (profile.max_width, source.width):
        assert cap is None or video.width <= max(cap, 2)
    if video.width > 2 and video.height > 2:  # the shape is kept up to the even rounding
        skew = abs(video.width * source.height - video.height * source.width)
        assert skew < 2 * max(source.width, source.height)
    assert video.bitrate is not None
    assert min(MIN_VIDEO_BITRATE, limits.max_video_bitrate) <= video.bitrate
    assert video.bitrate <= limits.max_video_bitrate
    sound = 0 if plan.audio is None else plan.audio.channels * limits.audio_bitrate_per_channel
    for cap in case.caps():
        assert video.bitrate <= max(cap - sound, MIN_VIDEO_BITRATE)


def opened(profile: DeviceProfile, facts: MediaFacts) -> DeviceProfile:
    """The profile widened to play every codec of the file without limits, anywhere."""
    return profile.model_copy(
        update={
            "containers": (*CONTAINERS, "mp3"),
            "video_codecs": tuple(
                VideoCodecSupport(codec=c) for c in sorted({v.codec for v in facts.video})
            ),
            "audio_codecs": tuple(
                AudioCodecSupport(codec=c) for c in sorted({a.codec for a in facts.audio})
            ),
            "max_width": None,
            "max_height": None,
            "audio_track_switching": True,
        }
    )


@settings(max_examples=300)
@given(cases())
def test_a_more_capable_client_never_costs_more(case: Case) -> None:
    plan = plan_or_error(case)
    if plan is None:
        return
    wider = Case(
        case.facts,
        case.container or "mkv",
        opened(case.profile, case.facts),
        case.request,
        case.limits,
    )
    wider_plan = plan_or_error(wider)
    assert wider_plan is not None
    assert COST[wider_plan.mode] <= COST[plan.mode]
    uncapped = PlayRequest(audio=case.request.audio, burn_subtitle=case.request.burn_subtitle)
    free = plan_or_error(Case(case.facts, case.container, case.profile, uncapped, case.limits))
    assert free is not None
    assert COST[free.mode] <= COST[plan.mode]


@settings(max_examples=300)
@given(cases())
def test_a_client_that_plays_everything_plays_directly(case: Case) -> None:
    profile = opened(case.profile, case.facts).model_copy(update={"max_bitrate": None})
    request = PlayRequest(audio=case.request.audio)
    plan = plan_or_error(Case(case.facts, "mkv", profile, request, case.limits))
    if plan is not None:
        assert plan.mode is Mode.DIRECT


# -- hostile profiles ----------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
HOSTILE_NAMES = st.sampled_from(
    ["", "\u00e9", "a" * 33, "mp4 ", "x;y", "\uff2d\uff30\uff14", "h264\n"]
) | st.text(max_size=8)
HOSTILE_NUMBERS = st.sampled_from([0, -1, 2**63, 10**11, 1.5, "41", True, None]) | JSON


@st.composite
def sometimes_hostile(draw: st.DrawFn, valid: st.SearchStrategy[Any], hostile: Any) -> Any:
    """Mostly a valid value, so that whole profiles come out valid too; one in four hostile."""
    return draw(hostile) if one_in(draw, 4) else draw(valid)


names = sometimes_hostile(
    st.sampled_from(["h264", "H264", "hevc", "aac", "AC3", "mp4", "MKV", "main 10"]), HOSTILE_NAMES
)
numbers = sometimes_hostile(st.integers(1, 64) | st.integers(16, 10**9), HOSTILE_NUMBERS)
flags = sometimes_hostile(st.booleans(), JSON)


def entries(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return sometimes_hostile(
        st.lists(element, max_size=3), element.map(lambda one: [one] * (MAX_ENTRIES + 1)) | JSON
    )


video_entries = st.fixed_dictionaries(
    {"codec": names},
    optional={"max_level": numbers, "max_bit_depth": numbers, "profiles": entries(names)},
)
audio_entries = st.fixed_dictionaries({"codec": names}, optional={"max_channels": numbers})
profile_shaped = sometimes_hostile(
    st.fixed_dictionaries(
        {
            "containers": entries(names),
            "video_codecs": entries(video_entries),
            "audio_codecs": entries(audio_entries),
        },
        optional={
            "name": names,
            "max_bitrate": numbers,
            "max_width": numbers,
            "max_height": numbers,
            "hls": flags,
            "audio_track_switching": flags,
            "hls_video_codecs": entries(names),
            "surprise": JSON,
        },
    ),
    JSON,
)


def validated(parse: Callable[[], DeviceProfile]) -> DeviceProfile | None:
    try:
        return parse()
    except ValidationError:
        return None


def parses_or_is_rejected(data: Any) -> None:
    """A profile or a ValidationError, the same from JSON text as from the parsed body (FastAPI
    validates the latter), and a profile keeps every bound."""
    text = json.dumps(data)
    profile = validated(lambda: DeviceProfile.model_validate_json(text))
    assert validated(lambda: DeviceProfile.model_validate(json.loads(text))) == profile
    if profile is None:
        return
    names = [
        *profile.containers,
        *profile.hls_video_codecs,
        *(s.codec for s in profile.video_codecs),
        *(s.codec for s in profile.audio_codecs),
    ]
    assert all(name == name.lower() and 0 < len(name) <= 32 and name.isascii() for name in names)
    for listed in (profile.containers, profile.video_codecs, profile.audio_codecs):
        assert len(listed) <= MAX_ENTRIES
    assert len({s.codec for s in profile.video_codecs}) == len(profile.video_codecs)
    assert not profile.hls or "h264" in profile.hls_video_codecs
    for number in (profile.max_bitrate, profile.max_width, profile.max_height):
        assert number is None or 0 < number < 2**63
    assert DeviceProfile.model_validate(profile.model_dump()) == profile


@settings(max_examples=500)
@given(JSON)
def test_any_json_is_a_profile_or_a_validation_error(data: Any) -> None:
    parses_or_is_rejected(data)


@settings(max_examples=400)
@given(profile_shaped)
def test_profile_shaped_json_is_a_profile_or_a_validation_error(data: Any) -> None:
    parses_or_is_rejected(data)
