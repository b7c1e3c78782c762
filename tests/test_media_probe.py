"""The media edge: ffprobe's facts about real files made with ffmpeg, its JSON parsed at the edge,
subtitle extraction, and the bounds of every child process (timeout, cancellation, output cap,
priority, a missing program)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.config.media import MediaSettings
from reelhouse.errors import (
    InvalidInputError,
    NotFoundError,
    ProgramError,
    ProgramFailedError,
    ProgramTimeoutError,
    ProgramUnavailableError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.media import Prober, extract_subtitle, run_program
from reelhouse.infra.media.ffmpeg import OUTPUT_FORMATS
from reelhouse.infra.media.ffprobe_json import (
    DOLBY_VISION_RECORD,
    HDR10_PLUS_METADATA,
    TEXT_SUBTITLE_CODECS,
    has_hdr10_plus,
    parse_probe,
)
from reelhouse.playback.facts import HdrKind, MediaFacts, ResolutionClass
from reelhouse.testing import media

Samples = dict[str, Path]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    folder = tmp_path_factory.mktemp("media")
    hevc = media.hevc_hdr10_mkv(folder)
    empty = folder / "empty.mkv"
    empty.write_bytes(b"")
    return {
        "mp4": media.h264_aac_mp4(folder),
        "languages": media.h264_ac3_two_languages_mkv(folder),
        "hdr10": hevc,
        "subtitles": media.mkv_with_subtitles(folder),
        "truncated": media.truncated(hevc, folder),
        "empty": empty,
    }


@pytest.fixture(scope="module")
def prober() -> Prober:
    return Prober(MediaSettings())


async def probe(prober: Prober, path: Path) -> MediaFacts:
    return await prober.probe(str(path))


def common_video(facts: MediaFacts) -> None:
    """What every sample's picture is: 320x180 at 25 frames per second, about 2 s long."""
    assert len(facts.video) == 1
    video = facts.video[0]
    assert (video.index, video.width, video.height) == (0, 320, 180)
    assert video.frame_rate == 25.0
    assert video.resolution is ResolutionClass.SD
    assert facts.duration_s == pytest.approx(media.DURATION_S, abs=0.1)
    assert facts.bit_rate is not None
    assert facts.bit_rate > 0


async def test_h264_aac_mp4(prober: Prober, samples: Samples) -> None:
    facts = await probe(prober, samples["mp4"])
    common_video(facts)
    assert facts.container == "mp4"
    assert facts.size == samples["mp4"].stat().st_size
    video = facts.video[0]
    assert (video.codec, video.profile, video.level) == ("h264", "Constrained Baseline", 12)
    assert (video.bit_depth, video.pixel_format, video.hdr) == (8, "yuv420p", None)
    assert video.default
    assert facts.main_video == video
    [audio] = facts.audio
    assert (audio.index, audio.codec, audio.profile) == (1, "aac", "LC")
    assert (audio.channels, audio.channel_layout) == (2, "stereo")
    assert audio.language is None  # MP4 says "und"
    assert audio.default
    assert not audio.commentary
    assert facts.subtitles == ()
    assert facts.chapters == ()


async def test_two_languages_with_commentary_and_chapters(prober: Prober, samples: Samples) -> None:
    facts = await probe(prober, samples["languages"])
    common_video(facts)
    assert facts.container == "matroska"
    assert facts.size == samples["languages"].stat().st_size
    assert facts.video[0].codec == "h264"
    english, german = facts.audio
    assert (english.index, english.codec, english.channels) == (1, "ac3", 2)
    assert (english.channel_layout, english.language, english.title) == ("stereo", "eng", None)
    assert english.default
    assert not english.commentary
    assert (german.index, german.codec, german.channels) == (2, "ac3", 6)
    assert (german.channel_layout, german.language) == ("5.1(side)", "ger")
    assert german.title == "Director's commentary"
    assert german.commentary
    assert not german.default
    assert facts.max_channels == 6
    assert [(c.start_s, c.end_s, c.title) for c in facts.chapters] == [
        (0.0, 1.0, "Opening"),
        (1.0, 2.0, "Ending"),
    ]


async def test_hevc_hdr10(prober: Prober, samples: Samples) -> None:
    facts = await probe(prober, samples["hdr10"])
    common_video(facts)
    assert facts.container == "matroska"
    assert facts.size == samples["hdr10"].stat().st_size
    video = facts.video[0]
    assert (video.codec, video.profile) == ("hevc", "Main 10")
    assert (video.bit_depth, video.pixel_format) == (10, "yuv420p10le")
    assert video.hdr is HdrKind.HDR10  # PQ, and no HDR10+ metadata in the first frame
    assert video.dv_profile is None
    assert facts.audio == ()


async def test_embedded_subtitles(prober: Prober, samples: Samples) -> None:
    facts = await probe(prober, samples["subtitles"])
    common_video(facts)
    assert facts.size == samples["subtitles"].stat().st_size
    [audio] = facts.audio
    assert audio.codec == "aac"
    english, french = facts.subtitles
    assert (english.index, english.codec, english.language) == (2, "subrip", "eng")
    assert english.text
    assert english.default
    assert not english.forced
    assert not english.hearing_impaired
    assert (french.index, french.codec, french.language) == (3, "ass", "fre")
    assert french.text
    assert french.forced
    assert not french.default


@pytest.mark.parametrize(
    ("sample", "reason"),
    [("truncated", "Input/output error"), ("empty", "Invalid data found when processing input")],
)
async def test_broken_files_get_ffprobes_reason(
    prober: Prober, samples: Samples, sample: str, reason: str
) -> None:
    with pytest.raises(ProgramFailedError, match=reason) as raised:
        await probe(prober, samples[sample])
    assert raised.value.program == "ffprobe"
    assert raised.value.detail.startswith("ffprobe: exited with 1: ")
    # Named by its own name: the error is stored and shown, not where the library lies.
    assert str(samples[sample].parent) not in raised.value.detail
    assert samples[sample].name in raised.value.detail


async def test_missing_and_irregular_files(prober: Prober, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="No such file") as missing:
        await prober.probe(str(tmp_path / "gone.mkv"))
    assert missing.value.detail == "cannot read 'gone.mkv': No such file or directory"
    with pytest.raises(InvalidInputError, match="not a regular file"):
        await prober.probe(str(tmp_path))
    fifo = tmp_path / "pipe.mkv"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file") as irregular:
        await prober.probe(str(fifo))
    assert irregular.value.detail == "not a regular file: 'pipe.mkv'"


async def test_a_name_that_looks_like_an_option_or_url_is_a_file(
    prober: Prober, samples: Samples, tmp_path: Path
) -> None:
    odd = tmp_path / "-i http:x.mp4"
    odd.write_bytes(samples["mp4"].read_bytes())
    facts = await prober.probe(str(odd))
    assert facts.container == "mp4"


@pytest.mark.parametrize(
    ("sample", "index", "codec", "expected"),
    [
        ("subtitles", 2, "subrip", "1\n00:00:00,023 --> 00:00:01,023\nHello there.\n"),
        ("subtitles", 3, "ass", "Dialogue: 0,0:00:00.02,0:00:01.02,Default,,0,0,0,,Bonjour."),
    ],
)
async def test_extract_subtitle(
    samples: Samples, sample: str, index: int, codec: str, expected: str
) -> None:
    data = await extract_subtitle(MediaSettings(), str(samples[sample]), index, codec)
    assert expected in data.decode()


async def test_extract_subtitle_refusals(samples: Samples) -> None:
    path = str(samples["subtitles"])
    with pytest.raises(InvalidInputError, match="can only be burnt in"):
        await extract_subtitle(MediaSettings(), path, 2, "hdmv_pgs_subtitle")
    with pytest.raises(InvalidInputError, match="no stream -1"):
        await extract_subtitle(MediaSettings(), path, -1, "subrip")
    with pytest.raises(ProgramFailedError, match="ffmpeg: exited with 1"):
        await extract_subtitle(MediaSettings(), path, 9, "subrip")
    capped = MediaSettings(extract_max_bytes=10)
    with pytest.raises(ProgramFailedError, match="printed more than 10 bytes"):
        await extract_subtitle(capped, path, 2, "subrip")


def test_every_text_codec_has_an_output_format() -> None:
    assert set(OUTPUT_FORMATS) == TEXT_SUBTITLE_CODECS


@pytest.fixture
def mov_text_mp4(samples: Samples, tmp_path: Path) -> Path:
    """The MP4 sample with the SubRip sample added as a mov_text (MP4's own) subtitle."""
    srt = media.external_srt(tmp_path / "in.srt", media.srt_text(), "utf-8")
    mp4 = tmp_path / "mov_text.mp4"
    inputs = ["-i", str(samples["mp4"]), "-i", str(srt), "-map", "0", "-map", "1"]
    subprocess.run(
        [
            media.ffmpeg_program(),
            "-v",
            "error",
            *inputs,
            "-c",
            "copy",
            "-c:s",
            "mov_text",
            str(mp4),
        ],
        check=True,
        timeout=60,
    )
    return mp4


async def test_mov_text_is_extracted_as_subrip(prober: Prober, mov_text_mp4: Path) -> None:
    mp4 = mov_text_mp4
    [subtitle] = (await probe(prober, mp4)).subtitles
    assert (subtitle.index, subtitle.codec, subtitle.text) == (2, "mov_text", True)
    data = await extract_subtitle(MediaSettings(), str(mp4), 2, "mov_text")
    assert "00:00:01,000 --> 00:00:02,000\nGoodbye." in data.decode()


# --- the child process's bounds ------------------------------------------------------------


def script(folder: Path, body: str, name: str = "ffprobe") -> Path:
    """An executable shell script standing in for a program."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie waiting for an init that does not reap is gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until_gone(pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def read_pid(path: Path) -> int:
    return int(path.read_text().strip())


def wait_for_pid_file(path: Path, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not path.exists() or not path.read_text().strip():
        assert time.monotonic() < deadline, f"{path} was never written"
        time.sleep(0.02)


@pytest.fixture
def hanging(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """An "ffprobe" that starts a child and then hangs; where the two write their pids."""
    leader, child = tmp_path / "leader.pid", tmp_path / "child.pid"
    program = script(tmp_path, f"sleep 60 &\necho $! > {child}\necho $$ > {leader}\nwait")
    yield program, leader, child
    for pid_file in (leader, child):  # never leave a sleeper behind, even when a test fails
        if pid_file.exists() and not gone(pid := read_pid(pid_file)):
            os.kill(pid, 9)


async def test_a_hanging_program_times_out_and_its_group_is_killed(
    samples: Samples, hanging: tuple[Path, Path, Path]
) -> None:
    program, leader, child = hanging
    prober = Prober(MediaSettings(ffprobe_path=str(program), probe_timeout_s=0.5))
    started = time.monotonic()
    with pytest.raises(ProgramTimeoutError, match=r"ffprobe: timed out after 0\.5 s"):
        await probe(prober, samples["mp4"])
    assert time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(read_pid(leader), 0)
    assert wait_until_gone(read_pid(child))


async def test_a_cancelled_probe_kills_its_program(
    samples: Samples, hanging: tuple[Path, Path, Path]
) -> None:
    program, leader, child = hanging
    prober = Prober(MediaSettings(ffprobe_path=str(program), probe_timeout_s=60))
    task = asyncio.create_task(probe(prober, samples["mp4"]))
    await asyncio.to_thread(wait_for_pid_file, leader)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(read_pid(leader), 0)
    assert wait_until_gone(read_pid(child))


async def test_a_program_printing_too_much_is_killed(samples: Samples, tmp_path: Path) -> None:
    pid_file = tmp_path / "yes.pid"
    program = script(tmp_path, f"echo $$ > {pid_file}\nexec yes")
    prober = Prober(MediaSettings(ffprobe_path=str(program), probe_max_output_bytes=100_000))
    with pytest.raises(ProgramFailedError, match="printed more than 100000 bytes"):
        await probe(prober, samples["mp4"])
    with pytest.raises(ProcessLookupError):
        os.kill(read_pid(pid_file), 0)


async def test_the_last_stderr_line_explains_a_failure(tmp_path: Path) -> None:
    program = script(tmp_path, "echo first >&2\necho 'the reason' >&2\necho >&2\nexit 3", "tool")
    with pytest.raises(ProgramFailedError, match=r"^tool: exited with 3: the reason$"):
        await run_program([str(program)], timeout_s=5, niceness=0, max_output=100)
    killed = script(tmp_path, "kill -9 $$", "killed")
    with pytest.raises(ProgramFailedError, match=r"^killed: killed by signal 9$"):
        await run_program([str(killed)], timeout_s=5, niceness=0, max_output=100)


async def test_programs_run_niced_in_a_session_of_their_own(tmp_path: Path) -> None:
    body = "read -r pid comm state ppid group session rest < /proc/$$/stat\n"
    body += "echo $(nice) $pid $group $session >&2\necho done"
    program = script(tmp_path, body, "report")
    output = await run_program([str(program)], timeout_s=5, niceness=7, max_output=100)
    niceness, pid, group, session = output.stderr.split()
    assert int(niceness) == os.nice(0) + 7
    assert pid == group == session  # it leads a session, and a process group, of its own
    assert output.stdout == b"done\n"


async def test_concurrency_is_capped(tmp_path: Path) -> None:
    running, most = tmp_path / "running", tmp_path / "most"
    running.mkdir()
    body = f"touch {running}/$$; ls {running} | wc -l >> {most}; sleep 0.2; rm {running}/$$"
    program = script(tmp_path, body, "busy")
    limit = asyncio.Semaphore(2)
    await asyncio.gather(
        *(
            run_program([str(program)], timeout_s=10, niceness=0, max_output=10, limit=limit)
            for _ in range(6)
        )
    )
    counts = [int(line) for line in most.read_text().split()]
    assert len(counts) == 6
    assert max(counts) <= 2


async def test_a_missing_program(samples: Samples, tmp_path: Path) -> None:
    missing = {
        "no-such-ffprobe": "no-such-ffprobe: not found on PATH",
        str(tmp_path / "ffprobe"): f"ffprobe: not found or not executable: {tmp_path}/ffprobe",
    }
    for configured, message in missing.items():
        prober = Prober(MediaSettings(ffprobe_path=configured))
        assert not prober.available
        with pytest.raises(ProgramUnavailableError, match=f"^{re.escape(message)}$"):
            await probe(prober, samples["mp4"])
    not_executable = tmp_path / "ffprobe"
    not_executable.write_text("#!/bin/sh\n")
    assert not Prober(MediaSettings(ffprobe_path=str(not_executable))).available
    assert Prober(MediaSettings()).available


def test_program_errors_are_upstream_errors_for_the_api() -> None:
    assert issubclass(ProgramUnavailableError, UpstreamUnavailableError)
    assert issubclass(ProgramTimeoutError, UpstreamUnavailableError)
    assert issubclass(ProgramFailedError, UpstreamResponseError)
    error = ProgramTimeoutError("ffprobe", "timed out after 1 s")
    assert isinstance(error, ProgramError)
    assert (error.program, error.detail, error.retry_after_s) == (
        "ffprobe",
        "ffprobe: timed out after 1 s",
        None,
    )


# --- ffprobe's JSON ------------------------------------------------------------------------


def document(*streams: dict[str, Any], **format_fields: Any) -> bytes:
    return json.dumps(
        {"streams": list(streams), "format": {"format_name": "matroska,webm", **format_fields}}
    ).encode()


def video_stream(index: int = 0, **fields: Any) -> dict[str, Any]:
    return {
        "index": index,
        "codec_type": "video",
        "codec_name": "hevc",
        "width": 3840,
        "height": 2160,
        **fields,
    }


@pytest.mark.parametrize(
    ("format_name", "extension", "container"),
    [
        ("mov,mp4,m4a,3gp,3g2,mj2", ".mp4", "mp4"),
        ("mov,mp4,m4a,3gp,3g2,mj2", ".M4V", "mp4"),
        ("mov,mp4,m4a,3gp,3g2,mj2", ".mov", "mov"),
        ("mov,mp4,m4a,3gp,3g2,mj2", None, "mov"),
        ("matroska,webm", ".mkv", "matroska"),
        ("matroska,webm", ".webm", "webm"),
        ("mpegts", ".ts", "mpegts"),
        ("avi", ".mp4", "avi"),
    ],
)
def test_container_names(format_name: str, extension: str | None, container: str) -> None:
    data = json.dumps({"format": {"format_name": format_name}}).encode()
    assert parse_probe(data, size=1, extension=extension).container == container


@pytest.mark.parametrize(
    ("fields", "depth"),
    [
        ({"bits_per_raw_sample": "10", "pix_fmt": "yuv420p"}, 10),
        ({"pix_fmt": "yuv420p10le"}, 10),
        ({"pix_fmt": "yuv420p"}, 8),
        ({"pix_fmt": "yuvj420p"}, 8),
        ({"pix_fmt": "p010le"}, 10),
        ({"pix_fmt": "yuv444p12le"}, 12),
        ({"pix_fmt": "gbrp"}, 8),
        ({"pix_fmt": "nv12"}, 8),
        ({"pix_fmt": "rgb24"}, None),
        ({"bits_per_raw_sample": "abc", "pix_fmt": "gray10le"}, 10),
        ({"bits_per_raw_sample": "²"}, None),
        ({}, None),
    ],
)
def test_bit_depth(fields: dict[str, Any], depth: int | None) -> None:
    facts = parse_probe(document(video_stream(**fields)), size=1)
    assert facts.video[0].bit_depth == depth


def test_hdr_kinds_and_dolby_vision_first() -> None:
    dovi = {"side_data_type": DOLBY_VISION_RECORD, "dv_profile": 8, "dv_level": 6}
    facts = parse_probe(
        document(
            video_stream(0, color_transfer="smpte2084", side_data_list=[dovi]),
            video_stream(1, color_transfer="smpte2084"),
            video_stream(2, color_transfer="arib-std-b67"),
            video_stream(3, color_transfer="bt709"),
            video_stream(4, side_data_list=[{**dovi, "dv_profile": 900}]),
        ),
        size=1,
    )
    assert [(v.hdr, v.dv_profile) for v in facts.video] == [
        (HdrKind.DOLBY_VISION, 8),
        (HdrKind.HDR10, None),
        (HdrKind.HLG, None),
        (None, None),
        (HdrKind.DOLBY_VISION, None),
    ]
    assert facts.video[0].resolution is ResolutionClass.UHD_4K


def test_hdr10_plus_is_read_from_frame_side_data() -> None:
    def frames(*types: str) -> bytes:
        side = [{"side_data_type": t, "application version": 1} for t in types]
        return json.dumps({"frames": [{"side_data_list": side}]}).encode()

    assert has_hdr10_plus(frames("Mastering display metadata", HDR10_PLUS_METADATA))
    assert not has_hdr10_plus(frames("Mastering display metadata"))
    assert not has_hdr10_plus(b'{"frames": []}')
    with pytest.raises(ProgramFailedError, match="unusable output"):
        has_hdr10_plus(b'{"frames": {}}')


def test_streams_flags_and_case_insensitive_tags() -> None:
    facts = parse_probe(
        document(
            video_stream(0, disposition={"attached_pic": 1}, codec_name="mjpeg"),
            video_stream(1, avg_frame_rate="0/0", r_frame_rate="24000/1001", level=-99),
            {
                "index": 2,
                "codec_type": "audio",
                "codec_name": "truehd",
                "channels": 8,
                "tags": {"LANGUAGE": "eng", "Title": "Commentary with the cast"},
            },
            {"index": 3, "codec_type": "audio", "codec_name": "dts", "channels": 0},
            {"index": 4, "codec_type": "audio", "codec_name": "dts", "channels": 1000},
            {
                "index": 5,
                "codec_type": "subtitle",
                "codec_name": "hdmv_pgs_subtitle",
                "tags": {"language": "und", "title": "English SDH"},
            },
            {
                "index": 6,
                "codec_type": "subtitle",
                "codec_name": "subrip",
                "disposition": {"hearing_impaired": 1},
                "tags": {"title": "Sdhx"},
            },
            {"index": 7, "codec_type": "attachment", "codec_name": "ttf"},
            {"index": 8, "codec_type": "data"},
            duration="N/A",
            bit_rate="-5",
        ),
        size=123,
    )
    assert [v.index for v in facts.video] == [1]  # cover art is no video
    assert facts.video[0].frame_rate == pytest.approx(23.976, abs=0.001)
    assert facts.video[0].level is None
    [commentary] = facts.audio  # channel counts of 0 and 1000 are no audio stream
    assert (commentary.language, commentary.commentary) == ("eng", True)
    pgs, srt = facts.subtitles
    assert (pgs.text, pgs.language, pgs.hearing_impaired) == (False, None, True)
    assert (srt.text, srt.hearing_impaired) == (True, True)
    assert (facts.duration_s, facts.bit_rate, facts.size) == (None, None, 123)


def test_out_of_range_values_are_dropped() -> None:
    chapters = [
        {"start_time": "0.0", "end_time": "10.5", "tags": {"TITLE": "One"}},
        {"start_time": "NaN", "end_time": "1.0"},
        {"start_time": "5.0", "end_time": "4.0"},
        {"start_time": "-1.0", "end_time": "4.0"},
        {"start_time": 20, "end_time": "inf"},
    ]
    data = json.dumps(
        {
            "format": {"format_name": "matroska", "duration": "nan", "bit_rate": "9" * 30},
            "streams": [video_stream(0, width=0), video_stream(1, height=10**9)],
            "chapters": chapters,
        }
    ).encode()
    facts = parse_probe(data, size=0)
    assert (facts.duration_s, facts.bit_rate, facts.video) == (None, None, ())
    assert [(c.start_s, c.end_s, c.title) for c in facts.chapters] == [(0.0, 10.5, "One")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b"{}",
        b'{"streams": []}',
        b'{"format": {}}',
        b'{"format": {"format_name": ""}}',
        b'{"format": {"format_name": ","}}',
        b'{"format": {"format_name": 5}}',
        b'{"format": {"format_name": "mp4"}, "streams": [{"index": -1}]}',
        b'{"format": {"format_name": "mp4"}, "streams": [{"codec_type": "video"}]}',
        b'{"format": {"format_name": "mp4"}, "streams": [{"index": 0, "tags": {"a": 1}}]}',
        b'{"format": {"format_name": "mp4"}, "chapters": [{"tags": []}]}',
        b"\xff\xfe{}",
    ],
)
def test_malformed_documents_are_probe_errors(data: bytes) -> None:
    with pytest.raises(ProgramFailedError, match=r"^ffprobe: unusable output: "):
        parse_probe(data, size=1)


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["0/0", "25/1", "1/0", "N/A", "und", "smpte2084", "10", "-1", "1e400"])
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
#: The stream fields that take any JSON value below (index, type, flags and side data get
#: strategies of their own).
ANY_VALUE_KEYS = [
    "codec_name",
    "profile",
    "level",
    "width",
    "height",
    "avg_frame_rate",
    "r_frame_rate",
    "bits_per_raw_sample",
    "pix_fmt",
    "color_transfer",
    "channels",
    "channel_layout",
    "tags",
]


def ffprobe_shaped() -> st.SearchStrategy[Any]:
    """Objects with ffprobe's keys and values of any type (mostly plausible ones)."""
    stream = st.fixed_dictionaries(
        {},
        optional={
            "index": st.integers(-2, 5) | JSON_VALUES,
            "codec_type": st.sampled_from(["video", "audio", "subtitle", "data"]) | JSON_VALUES,
            "disposition": st.dictionaries(st.sampled_from(["default", "forced", "comment"]),
                                           st.integers(0, 1) | JSON_VALUES),
            "side_data_list": st.lists(
                st.fixed_dictionaries({}, optional={"side_data_type": JSON_VALUES,
                                                    "dv_profile": JSON_VALUES})
            ),
            **dict.fromkeys(ANY_VALUE_KEYS, JSON_VALUES),
        },
    )  # fmt: skip
    form = st.fixed_dictionaries(
        {},
        optional={
            "format_name": st.text(max_size=20) | JSON_VALUES,
            "duration": JSON_VALUES,
            "bit_rate": JSON_VALUES,
        },
    )
    chapter = st.fixed_dictionaries(
        {}, optional={"start_time": JSON_VALUES, "end_time": JSON_VALUES, "tags": JSON_VALUES}
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "format": form | JSON_VALUES,
            "streams": st.lists(stream | JSON_VALUES, max_size=4) | JSON_VALUES,
            "chapters": st.lists(chapter, max_size=3) | JSON_VALUES,
        },
    )


def parses_or_is_a_probe_error(data: bytes) -> None:
    try:
        facts = parse_probe(data, size=7)
    except ProgramFailedError as error:
        detail = error.detail
    else:
        assert facts.size == 7
        assert facts.container
        assert facts.duration_s is None or facts.duration_s >= 0
        assert all(0 < v.width <= 65_535 and 0 < v.height <= 65_535 for v in facts.video)
        assert all(0 < a.channels <= 64 for a in facts.audio)
        return
    assert detail.startswith("ffprobe: unusable output: ")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_any_bytes_parse_or_fail_typed(data: bytes) -> None:
    parses_or_is_a_probe_error(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_any_json_parses_or_fails_typed(value: Any) -> None:
    parses_or_is_a_probe_error(json.dumps(value).encode())


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(ffprobe_shaped())
def test_ffprobe_shaped_json_parses_or_fails_typed(value: Any) -> None:
    parses_or_is_a_probe_error(json.dumps(value).encode())


KIND_FIELDS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "video": st.fixed_dictionaries(
        {
            "codec_name": st.sampled_from(["h264", "hevc", "av1", "vp9"]),
            "width": st.integers(1, 7680),
            "height": st.integers(1, 4320),
            "avg_frame_rate": st.sampled_from(["24000/1001", "25/1", "0/0"]),
            "pix_fmt": st.sampled_from(["yuv420p", "yuv420p10le"]),
            "level": st.integers(-99, 186),
        }
    ),
    "audio": st.fixed_dictionaries(
        {
            "codec_name": st.sampled_from(["aac", "ac3", "eac3", "truehd", "flac"]),
            "channels": st.integers(1, 16),
            "tags": st.fixed_dictionaries({"language": st.sampled_from(["eng", "ger", "und"])}),
        }
    ),
    "subtitle": st.fixed_dictionaries(
        {
            "codec_name": st.sampled_from(["subrip", "ass", "hdmv_pgs_subtitle", "dvd_subtitle"]),
            "disposition": st.fixed_dictionaries(
                {"forced": st.integers(0, 1), "default": st.integers(0, 1)}
            ),
        }
    ),
}


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[list[str], bytes]:
    kinds = draw(st.lists(st.sampled_from(sorted(KIND_FIELDS)), max_size=12))
    streams = [
        {"index": index, "codec_type": kind, **draw(KIND_FIELDS[kind])}
        for index, kind in enumerate(kinds)
    ]
    duration = draw(st.floats(0, 10**6))
    form = {"format_name": "matroska,webm", "duration": f"{duration:f}", "bit_rate": "1000"}
    return kinds, json.dumps({"format": form, "streams": streams}).encode()


@settings(max_examples=300)
@given(well_formed())
def test_well_formed_streams_round_trip(case: tuple[list[str], bytes]) -> None:
    kinds, data = case
    facts = parse_probe(data, size=42)
    assert len(facts.video) == kinds.count("video")
    assert len(facts.audio) == kinds.count("audio")
    assert len(facts.subtitles) == kinds.count("subtitle")
    indexes = [s.index for group in (facts.video, facts.audio, facts.subtitles) for s in group]
    assert sorted(indexes) == list(range(len(kinds)))
    assert facts.bit_rate == 1000
    assert facts.duration_s is not None
    assert all(s.text == (s.codec in TEXT_SUBTITLE_CODECS) for s in facts.subtitles)
