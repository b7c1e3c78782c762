"""Media files themselves: probing with ffprobe, serving, subtitles (house rule 12 for the child
processes)."""

from __future__ import annotations

from pydantic import Field

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class MediaSettings(Section):
    ffprobe_path: str = Field(
        "ffprobe",
        description="The ffprobe program: a name looked up on PATH, or a path. Without it files "
        "are not probed and everything else keeps working.",
    )
    ffmpeg_path: str = Field(
        "ffmpeg",
        description="The ffmpeg program (extracts embedded subtitles): a name on PATH, or a path.",
    )
    probe_concurrency: PositiveInt = Field(
        2, le=64, description="ffprobe processes one worker process runs at once."
    )
    probe_timeout_s: PositiveFloat = Field(
        30.0,
        description="Seconds one ffprobe may run; a probe still running then is killed and its "
        "file gets a probe error.",
    )
    probe_max_output_bytes: PositiveInt = Field(
        8 * 1024 * 1024,
        description="Most bytes of JSON one ffprobe may print; a file describing itself at more "
        "length (a hostile one with a million chapters) is killed and gets a probe error.",
    )
    probe_batch: PositiveInt = Field(
        200,
        le=10_000,
        description="Files the probe job takes per round; what it stored survives a restart.",
    )
    process_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="Niceness of ffprobe and ffmpeg processes, so a scan never starves playback.",
    )
    extract_concurrency: PositiveInt = Field(
        2, le=64, description="ffmpeg subtitle extractions one server process runs at once."
    )
    extract_timeout_s: PositiveFloat = Field(
        120.0, description="Seconds ffmpeg may take to extract one embedded subtitle stream."
    )
    extract_max_bytes: PositiveInt = Field(
        20 * 1024 * 1024,
        description="Most bytes one extracted embedded subtitle stream may have; ffmpeg writing "
        "more is killed and the extraction fails.",
    )
    subtitle_cache_bytes: PositiveInt = Field(
        256 * 1024 * 1024,
        description="Disk kept for extracted and converted subtitles in `<data_dir>/subtitles/`; "
        "the least recently used go first.",
    )
    subtitle_max_bytes: PositiveInt = Field(
        20 * 1024 * 1024,
        description="Largest external subtitle file read; a larger one is refused (422).",
    )
    sendfile: bool = Field(
        True,
        description="Send files with the sendfile system call (zero copy: the bytes go from the "
        "page cache to the socket, never through Python) where the server offers it: `reelhouse "
        "serve` on plain HTTP. Off, or elsewhere, files are read in `stream_chunk_bytes` chunks.",
    )
    stream_chunk_bytes: PositiveInt = Field(
        1024 * 1024,
        le=64 * 1024 * 1024,
        description="Bytes sent per step when a file is streamed: one read (in a worker thread) "
        "and write, or one sendfile call, which holds the event loop while it copies.",
    )
    stream_readahead_bytes: int = Field(
        16 * 1024 * 1024,
        ge=0,
        le=1024 * 1024 * 1024,
        description="With sendfile, bytes of a file the kernel is asked (from a worker thread) to "
        "read ahead of those being sent, so that a cold disk rarely stalls the event loop; 0 "
        "turns it off.",
    )
