"""Streaming what a client cannot play directly: HLS sessions that remux or transcode with ffmpeg
(house rule 12 for the encoders: capped, niced, reaped, their folder bounded and cleaned)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class HardwareAcceleration(StrEnum):
    NONE = "none"
    VAAPI = "vaapi"
    QSV = "qsv"
    NVENC = "nvenc"


class StreamingSettings(Section):
    segment_s: PositiveInt = Field(
        6,
        le=30,
        description="Target seconds of one HLS segment. A transcode cuts exactly there; a remux "
        "cuts at the first keyframe at least this far from the last cut.",
    )
    max_sessions: PositiveInt = Field(
        2,
        le=256,
        description="Remux and transcode sessions (each with at most one ffmpeg) the server "
        "process holds at once; one more is answered 503 with Retry-After. Direct play is not "
        "counted.",
    )
    max_sessions_per_user: PositiveInt = Field(
        2,
        le=64,
        description="Sessions one user holds at once; a new one ends that user's least recently "
        "used.",
    )
    busy_retry_after_s: PositiveInt = Field(
        30, description="The Retry-After of the 503 sent when every session slot is taken."
    )
    idle_timeout_s: PositiveFloat = Field(
        60.0,
        description="A session whose playlists and segments nobody fetched for this long ends: "
        "its ffmpeg is stopped and its folder removed.",
    )
    reap_interval_s: PositiveFloat = Field(
        2.0, description="How often sessions are checked for idleness and their encoders paced."
    )
    segments_ahead: PositiveInt = Field(
        10,
        description="Segments an encoder may be ahead of the last one fetched; then it is paused "
        "(SIGSTOP) until the player catches up, so a two-hour film is not encoded for a viewer "
        "who stops after a minute.",
    )
    restart_distance: PositiveInt = Field(
        3,
        description="A segment this many past the encoder's next one is waited for; one further "
        "away (or before it) restarts ffmpeg from that segment's time, so a seek plays at once.",
    )
    segment_wait_s: PositiveFloat = Field(
        60.0,
        description="Longest a segment request waits for ffmpeg to make it before failing.",
    )
    folder: str = Field(
        "",
        description="Where sessions write their segments; empty means `<data_dir>/transcodes/`. "
        "Emptied when the server starts.",
    )
    folder_max_bytes: PositiveInt = Field(
        8 * 1024**3,
        description="Bytes of segments kept in the folder over all sessions; past it the least "
        "recently fetched segments (behind each player) are deleted first.",
    )
    stop_grace_s: PositiveFloat = Field(
        2.0,
        le=60,
        description="Seconds a stopped ffmpeg gets to exit on SIGTERM before it is killed.",
    )
    keyframes_timeout_s: PositiveFloat = Field(
        120.0,
        description="Seconds ffprobe may take to list a file's keyframes, which a remux cuts at "
        "(it reads the whole file once per version; the list is kept). On timeout the session "
        "transcodes instead.",
    )
    keyframes_max_bytes: PositiveInt = Field(
        64 * 1024 * 1024,
        description="Most bytes ffprobe may print listing a file's packets for its keyframes "
        "(about 20 a frame: 64 MiB is a four-hour film at 60 fps); more is a failure, and the "
        "session transcodes.",
    )
    max_restarts: int = Field(
        1,
        ge=0,
        le=10,
        description="Times a session restarts an ffmpeg that failed before it reports the "
        "failure to every request.",
    )
    video_preset: str = Field(
        "veryfast",
        pattern=r"^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$",
        description="libx264's preset for transcodes: faster costs bitrate, slower costs CPU.",
    )
    max_height: PositiveInt = Field(
        1080, le=4320, description="Tallest picture a transcode makes (taller is scaled down)."
    )
    max_video_bitrate: PositiveInt = Field(
        8_000_000,
        description="Highest video bitrate (bits/s) a transcode makes, whatever the client "
        "allows; less for smaller pictures (`bits_per_pixel`).",
    )
    bits_per_pixel: PositiveFloat = Field(
        0.1,
        le=2,
        description="A transcode's video bitrate per pixel per frame (0.1 ≈ 5 Mbit/s at 1080p "
        "25 fps), capped by `max_video_bitrate` and the client's maximum.",
    )
    audio_bitrate_per_channel: PositiveInt = Field(
        64_000, le=320_000, description="AAC bitrate (bits/s) per channel of transcoded audio."
    )
    max_audio_channels: PositiveInt = Field(
        6, le=8, description="Most channels of transcoded audio (more are downmixed)."
    )
    encoder_threads: int = Field(
        0,
        ge=0,
        le=64,
        description="Threads one ffmpeg encodes with; 0 lets ffmpeg choose (all cores, at the "
        "low priority of `media.process_niceness`).",
    )
    hardware_acceleration: HardwareAcceleration = Field(
        HardwareAcceleration.NONE,
        description="Encode video on the GPU: `vaapi`, `qsv` (Intel) or `nvenc` (NVIDIA), with "
        "`hardware_device`. Off by default, and untested here (no GPU on the machines this is "
        "built on): a failed hardware encode is a failed session, not a silent fallback.",
    )
    hardware_device: str = Field(
        "/dev/dri/renderD128",
        description="The render device VAAPI and QSV open.",
    )

    @model_validator(mode="after")
    def _wait_outlasts_segment(self) -> StreamingSettings:
        if self.segment_wait_s < self.segment_s:
            raise ValueError("streaming.segment_wait_s must be at least streaming.segment_s")
        return self
