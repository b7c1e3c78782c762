"""What a client is told about playing a file: the plan, with the reason for each choice, the
URL to play, and the tracks it may choose between (the API's and the web player's JSON)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from reelhouse.playback.decision import Mode, StreamAction, TranscodeReason


class VideoChoice(BaseModel):
    index: int = Field(description="The stream's index in the file.")
    action: StreamAction
    codec: str = Field(description="The codec the client gets.")
    width: int
    height: int
    bitrate: int | None = Field(description="Bits/s of a transcode; none for a copy.")
    reasons: list[TranscodeReason]


class AudioChoice(BaseModel):
    index: int = Field(description="The stream's index in the file.")
    number: int = Field(description="The audio track number (`audio_tracks`).")
    action: StreamAction
    codec: str
    channels: int
    bitrate: int | None
    reasons: list[TranscodeReason]


class AudioTrackView(BaseModel):
    number: int
    codec: str
    channels: int
    language: str | None
    title: str | None
    default: bool
    commentary: bool


class SubtitleTrackView(BaseModel):
    number: int
    format: str
    language: str | None
    title: str | None
    default: bool
    forced: bool
    text: bool = Field(description="Text (served as WebVTT at `url`); images can only be burnt in.")
    url: str | None


class PlaybackInfo(BaseModel):
    item_id: int
    file_id: int
    container: str | None
    duration_s: float | None
    mode: Mode
    reasons: list[TranscodeReason] = Field(
        description="Why the file is not played directly (Jellyfin's transcode reasons)."
    )
    video: VideoChoice | None
    audio: AudioChoice | None
    url: str = Field(
        description="What to play: the file itself (direct) or the session's HLS master playlist."
    )
    session_id: str | None = Field(description="The HLS session, ended by DELETE or when idle.")
    audio_tracks: list[AudioTrackView]
    subtitle_tracks: list[SubtitleTrackView]
