"""Where segments are cut and how playlists announce them, over any durations and keyframes; and
ffprobe's keyframe listing read from any text (it is outside input)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelhouse.errors import ProgramFailedError
from reelhouse.infra.media.hls import HlsJob, VideoEncode, hls_argv, segment_number
from reelhouse.infra.media.keyframes import parse_keyframes
from reelhouse.playback.streaming.playlists import (
    codecs,
    h264_codec,
    master_playlist,
    media_playlist,
    with_query,
)
from reelhouse.playback.streaming.segments import remux_cuts, transcode_cuts

durations = st.floats(min_value=0.05, max_value=6 * 3600, allow_nan=False)
segment_lengths = st.integers(min_value=1, max_value=30)


@given(durations, segment_lengths)
def test_transcode_cuts_are_fixed_steps_covering_the_file(duration: float, segment: int) -> None:
    cuts = transcode_cuts(duration, segment)
    assert cuts.cuts[0] == 0
    assert all(b - a == segment for a, b in zip(cuts.cuts, cuts.cuts[1:], strict=False))
    lengths = cuts.durations()
    assert sum(lengths) == pytest.approx(duration)
    assert all(length > 0 for length in lengths)
    assert all(length >= segment / 4 for length in lengths[1:])
    assert max(lengths) < segment * 1.25 + 1e-9 or cuts.count == 1


@given(
    durations,
    segment_lengths,
    st.lists(st.floats(min_value=0, max_value=6 * 3600, allow_nan=False), max_size=300),
)
def test_remux_cuts_are_keyframes_at_least_a_segment_apart(
    duration: float, segment: int, keyframes: list[float]
) -> None:
    keyframes.sort()
    cuts = remux_cuts(keyframes, duration, segment)
    assert cuts.cuts[0] == 0
    assert set(cuts.cuts[1:]) <= set(keyframes)
    assert all(b - a >= segment for a, b in zip(cuts.cuts, cuts.cuts[1:], strict=False))
    assert sum(cuts.durations()) == pytest.approx(duration)
    for position in (0.0, duration / 2, duration - 1e-6):
        start = cuts.cuts[cuts.segment_at(position)]
        assert start <= max(position, 0)


@given(st.lists(st.floats(min_value=0.5, max_value=30, allow_nan=False), min_size=1, max_size=50))
def test_the_media_playlist_lists_every_segment_once(lengths: list[float]) -> None:
    cuts = [0.0]
    for length in lengths[:-1]:
        cuts.append(cuts[-1] + length)
    segments = remux_cuts(cuts[1:], cuts[-1] + lengths[-1], 0.5)
    text = media_playlist(segments, "s/{number}.ts")
    listed = re.findall(r"#EXTINF:([0-9.]+),\ns/([0-9]+)\.ts", text)
    assert [int(n) for _, n in listed] == list(range(segments.count))
    target = int(re.search(r"#EXT-X-TARGETDURATION:([0-9]+)", text).group(1))  # type: ignore[union-attr]
    assert all(round(float(d)) <= target for d, _ in listed)
    assert text.startswith("#EXTM3U\n")
    assert text.endswith("#EXT-X-ENDLIST\n")


def test_playlists_carry_a_query_on_every_uri_and_nowhere_else() -> None:
    segments = transcode_cuts(10, 4)
    media = media_playlist(segments, "segments/{number}.ts")
    carried = with_query(media, "PlaySessionId=abc&api_key=t%2Bk")
    uris = [line for line in carried.splitlines() if line and not line.startswith("#")]
    assert uris == [f"segments/{n}.ts?PlaySessionId=abc&api_key=t%2Bk" for n in range(3)]
    tags = [line for line in carried.splitlines() if line.startswith("#")]
    assert tags == [line for line in media.splitlines() if line.startswith("#")]
    master = master_playlist("main.m3u8?x=1", 1000, (320, 180), None)
    assert with_query(master, "a=b").splitlines()[-1] == "main.m3u8?x=1&a=b"
    assert with_query(media, "") == media
    for hostile in ("a=b\n#EXT-X-ENDLIST", "a=b c", "a#b"):
        with pytest.raises(ValueError, match="URL-encoded"):
            with_query(media, hostile)


def test_keyframes_are_read_from_the_packets_relative_to_the_start() -> None:
    text = "packet,1.500000,K_\npacket,1.540000,__\npacket,N/A,K_\npacket,3.5,K__\nformat,1.5\n"
    assert parse_keyframes(text) == [0.0, 2.0]
    with pytest.raises(ProgramFailedError):
        parse_keyframes("packet,1.0,__\nformat,0\n")


@given(st.text(max_size=2000))
def test_any_listing_gives_sorted_positions_or_a_failure(text: str) -> None:
    try:
        found = parse_keyframes(text)
    except ProgramFailedError:
        return
    assert found == sorted(found)
    assert all(math.isfinite(t) and t >= 0 for t in found)


@given(st.text(max_size=40))
def test_only_numbered_segment_files_are_segments(name: str) -> None:
    number = segment_number(name)
    if number is not None:
        assert name == f"{name[:-3]}.ts"
        assert int(name[:-3]) == number


def test_codec_names_follow_rfc_6381() -> None:
    assert h264_codec("High", 40) == "avc1.640028"
    assert h264_codec("Constrained Baseline", 30) == "avc1.42401e"
    assert codecs("avc1.640028", "aac") == "avc1.640028,mp4a.40.2"
    assert codecs("avc1.640028", "flac") is None  # unknown to us: better none than a wrong one


def test_a_copied_video_is_sought_just_past_its_keyframe(tmp_path: Path) -> None:
    job = HlsJob(path="/m/a.mkv", video_index=0, video=None, audio_index=None, audio=None)
    argv = hls_argv("ffmpeg", job, (0.0, 6.006, 12.006), 1, tmp_path)
    assert argv[argv.index("-ss") + 1] == "6.007000"
    assert argv[argv.index("-segment_times") + 1] == "12.005000"
    assert argv[argv.index("-i") + 1] == "file:/m/a.mkv"
    assert "-an" in argv
    encoded = HlsJob(
        path="/m/a.mkv",
        video_index=0,
        video=VideoEncode(width=640, height=360, bitrate=10**6, preset="veryfast"),
        audio_index=None,
        audio=None,
    )
    argv = hls_argv("ffmpeg", encoded, (0.0, 6.0, 12.0), 0, tmp_path)
    assert "-ss" not in argv
    assert argv[argv.index("-force_key_frames") + 1] == "6.000000,12.000000"
    with pytest.raises(ValueError, match="segment 3"):
        hls_argv("ffmpeg", encoded, (0.0, 6.0, 12.0), 3, tmp_path)
