"""The ffmpeg command that writes a file's HLS segments (MPEG-TS) from segment k on.

Every run of a session cuts at the same times, so segments of different runs join: the input is
sought to the start of segment k (`-ss` before `-i`), timestamps are kept from the file
(`-copyts -start_at_zero`: a segment's timestamps are its position in the file, whichever run
made it), and the segment muxer cuts at the listed times. A copied video can only be cut at its
own keyframes, so its cut times are keyframes (the caller lists them); a transcoded one gets a
keyframe forced at every cut. A finished segment's name is printed on stdout
(`-segment_list pipe:1`), progress on stderr (`-progress pipe:2`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reelhouse.config.streaming import HardwareAcceleration
from reelhouse.infra.media.files import INPUT_OPTIONS, input_url

#: Segment files are named by their number, `00042.ts`.
SEGMENT_PATTERN = "%05d.ts"
SEGMENT_SUFFIX = ".ts"
#: A copied video's cut is listed this much before its keyframe, so that the keyframe's own
#: timestamp (read back from text) is never taken as being just before the cut.
_CUT_SLACK_S = 0.001
#: HDR (PQ or HLG) to SDR BT.709, for a client that gets H.264 8-bit: linear light, tone
#: mapped (Hable), back to BT.709 limited range.
_TONEMAP = (
    "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0,"
    "zscale=t=bt709:m=bt709:r=tv,format=yuv420p"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoEncode:
    """A video transcoded to H.264 at this size and bitrate."""

    width: int
    height: int
    bitrate: int
    preset: str
    #: The source is HDR: tone map it to SDR first.
    tonemap: bool = False
    #: ffprobe index of an image subtitle stream to burn into the picture.
    burn_subtitle: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioEncode:
    """An audio stream transcoded to AAC."""

    channels: int
    bitrate: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HlsJob:
    """What one session makes of one file; `None` encodes mean the stream is copied."""

    path: str
    video_index: int | None
    video: VideoEncode | None
    audio_index: int | None
    audio: AudioEncode | None
    threads: int = 0
    hardware: HardwareAcceleration = HardwareAcceleration.NONE
    hardware_device: str = ""


def hls_argv(
    program: str, job: HlsJob, cuts: Sequence[float], start: int, folder: Path
) -> list[str]:
    """ffmpeg writing segments `start`.. of `job` into `folder`; `cuts[k]` is where segment k
    starts (seconds into the file, `cuts[0] == 0`)."""
    if not 0 <= start < len(cuts):
        raise ValueError(f"segment {start} is not one of {len(cuts)}")
    later = cuts[start + 1 :]
    return [
        program,
        *("-nostdin", "-hide_banner", "-v", "error", "-nostats", "-progress", "pipe:2"),
        *_hardware_input(job),
        *(["-ss", f"{_seek_to(job, cuts[start]):.6f}"] if start else []),
        *INPUT_OPTIONS,
        "-i",
        input_url(job.path),
        *("-copyts", "-start_at_zero", "-avoid_negative_ts", "disabled"),
        *_video(job, later),
        *_audio(job),
        *("-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"),
        *("-max_muxing_queue_size", "4096"),
        *("-f", "segment", "-segment_format", "mpegts"),
        *_segment_times(job, later),
        *("-segment_start_number", str(start)),
        *("-segment_list", "pipe:1", "-segment_list_type", "flat"),
        str(folder / SEGMENT_PATTERN),
    ]


def segment_number(name: str) -> int | None:
    """The number of a segment file the muxer listed, or None for anything else."""
    stem = name.removesuffix(SEGMENT_SUFFIX)
    if stem == name or not stem.isdigit():
        return None
    return int(stem)


def _seek_to(job: HlsJob, cut: float) -> float:
    """A copied video starts at the keyframe at or before the seek: just after the cut, so the
    cut's own keyframe."""
    return cut + _CUT_SLACK_S if job.video is None else cut


def _segment_times(job: HlsJob, later: Sequence[float]) -> list[str]:
    if not later:
        return []
    slack = _CUT_SLACK_S if job.video is None else 0.0
    return ["-segment_times", _times(t - slack for t in later)]


def _times(times: Iterable[float]) -> str:
    return ",".join(f"{t:.6f}" for t in times)


def _video(job: HlsJob, later: Sequence[float]) -> list[str]:
    if job.video_index is None:
        return ["-vn"]
    if job.video is None:
        return ["-map", f"0:{job.video_index}", "-c:v", "copy"]
    encode = job.video
    chain = ",".join(_filters(job, encode))
    if encode.burn_subtitle is not None:
        graph = f"[0:{job.video_index}][0:{encode.burn_subtitle}]overlay=eof_action=pass,{chain}[v]"
        picture = ["-filter_complex", graph, "-map", "[v]"]
    else:
        picture = ["-map", f"0:{job.video_index}", "-vf", chain]
    keyframes = ["-force_key_frames", _times(later)] if later else []
    return [
        *picture,
        *_encoder(job, encode),
        *keyframes,
        *("-b:v", str(encode.bitrate), "-maxrate", str(encode.bitrate)),
        *("-bufsize", str(2 * encode.bitrate)),
        *(["-threads", str(job.threads)] if job.threads else []),
    ]


def _filters(job: HlsJob, encode: VideoEncode) -> list[str]:
    filters = [_TONEMAP] if encode.tonemap else []
    if job.hardware is HardwareAcceleration.VAAPI:
        return [
            *filters,
            "format=nv12",
            "hwupload",
            f"scale_vaapi=w={encode.width}:h={encode.height}",
        ]
    filters.append(f"scale={encode.width}:{encode.height}")
    filters.append("format=nv12" if job.hardware is HardwareAcceleration.QSV else "format=yuv420p")
    return filters


#: The ffmpeg encoder of the AAC that transcoded audio becomes (ffmpeg's own).
AUDIO_ENCODER = "aac"
#: The ffmpeg encoder of H.264 each kind of acceleration transcodes video with.
VIDEO_ENCODERS = {
    HardwareAcceleration.NONE: "libx264",
    HardwareAcceleration.VAAPI: "h264_vaapi",
    HardwareAcceleration.QSV: "h264_qsv",
    HardwareAcceleration.NVENC: "h264_nvenc",
}


def _encoder(job: HlsJob, encode: VideoEncode) -> list[str]:
    codec = ["-c:v", VIDEO_ENCODERS[job.hardware]]
    match job.hardware:
        case HardwareAcceleration.VAAPI:
            return codec
        case HardwareAcceleration.QSV:
            return [*codec, "-preset", encode.preset]
        case HardwareAcceleration.NVENC:
            return [*codec, "-pix_fmt", "yuv420p"]
        case HardwareAcceleration.NONE:
            return [*codec, "-preset", encode.preset, "-profile:v", "high"]


def _hardware_input(job: HlsJob) -> list[str]:
    if job.video is None:
        return []
    match job.hardware:
        case HardwareAcceleration.VAAPI:
            return ["-init_hw_device", f"vaapi=va:{job.hardware_device}", "-filter_hw_device", "va"]
        case HardwareAcceleration.QSV:
            return ["-init_hw_device", f"qsv=qs:{job.hardware_device}"]
        case _:
            return []


def _audio(job: HlsJob) -> list[str]:
    if job.audio_index is None:
        return ["-an"]
    mapped = ["-map", f"0:{job.audio_index}"]
    if job.audio is None:
        return [*mapped, "-c:a", "copy"]
    encode = job.audio
    channels, bitrate = str(encode.channels), str(encode.bitrate)
    return [*mapped, "-c:a", AUDIO_ENCODER, "-ac", channels, "-b:a", bitrate]
