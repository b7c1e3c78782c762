"""Playing a file on a given client: the plan (direct play, remux or transcode, and why), and for
the last two an HLS session with its playlists and segments."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from reelhouse.config import Settings
from reelhouse.errors import InvalidInputError, ProgramError
from reelhouse.infra.cache import Cache, CacheNamespace
from reelhouse.infra.logging import get_logger
from reelhouse.infra.media.ffprobe import Prober
from reelhouse.infra.media.hls import AudioEncode, HlsJob, VideoEncode
from reelhouse.infra.media.keyframes import keyframe_positions
from reelhouse.playback.decision import Mode, PlaybackPlan, PlayRequest, StreamAction, decide
from reelhouse.playback.facts import MediaFacts
from reelhouse.playback.files import PlayableFile
from reelhouse.playback.opening import open_playable
from reelhouse.playback.profiles import DeviceProfile
from reelhouse.playback.repository import StoredProbe
from reelhouse.playback.service import PlaybackService
from reelhouse.playback.streaming.manager import SessionManager
from reelhouse.playback.streaming.playlists import codecs, h264_codec, master_playlist, with_query
from reelhouse.playback.streaming.playlists import media_playlist as media_playlist_text
from reelhouse.playback.streaming.segments import SegmentMap, remux_cuts, transcode_cuts
from reelhouse.playback.streaming.session import SessionOwner, SessionPlaylists, SessionStatus
from reelhouse.playback.streaming.urls import (
    MEDIA_NAME,
    SEGMENT_URI,
    master_url,
    stream_url,
    subtitle_url,
)
from reelhouse.playback.streaming.views import (
    AudioChoice,
    AudioTrackView,
    PlaybackInfo,
    SubtitleTrackView,
    VideoChoice,
)
from reelhouse.playback.tracks import SubtitleTrack

log = get_logger(__name__)

KEYFRAMES_NAMESPACE = "keyframes"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamableMedia:
    """A file of an item with what its probe found: what plans are made of."""

    item_id: int
    file: PlayableFile
    facts: MediaFacts
    subtitles: tuple[SubtitleTrack, ...]


#: The H.264 level our transcodes are announced with, by their height (x264 picks the level).
_HD_LEVEL, _SD_LEVEL = 40, 31


class StreamingService:
    def __init__(
        self,
        playback: PlaybackService,
        prober: Prober,
        cache: Cache,
        sessions: SessionManager,
        settings: Settings,
    ) -> None:
        self.playback = playback
        self.prober = prober
        self.sessions = sessions
        self.settings = settings
        self.metrics = sessions.metrics
        self._keyframes: CacheNamespace[tuple[float, ...]] = cache.namespace(
            KEYFRAMES_NAMESPACE, tuple[float, ...]
        )

    async def playback_info(
        self,
        user_id: int,
        visible: frozenset[int] | None,
        item_id: int,
        request: PlayRequest,
        profile: DeviceProfile,
        *,
        file_id: int | None = None,
        part: int | None = None,
    ) -> PlaybackInfo:
        """How the client with `profile` plays the item's file, and where. A remux or transcode
        opens an HLS session (`BusyError` when every slot is taken). `InvalidInputError` for a
        file that cannot be played: its probe failed, or the client can play it no way."""
        media = await self.media(visible, item_id, file_id=file_id, part=part)
        return await self.start(
            user_id, media, self.plan(media, profile, request), profile, request
        )

    async def media(
        self,
        visible: frozenset[int] | None,
        item_id: int,
        *,
        file_id: int | None = None,
        part: int | None = None,
    ) -> StreamableMedia:
        """The item's file (as `PlaybackService.playable` picks it) with its probe's facts and
        its subtitle tracks: what a plan is made from, and what a client is shown of it."""
        media = await self.playback.playable(item_id, visible, file_id=file_id, part=part)
        return await self._streamable(item_id, media)

    async def every_media(
        self, visible: frozenset[int] | None, item_id: int
    ) -> list[StreamableMedia]:
        """`media` of each of the item's files (its versions and parts), in their order."""
        files = await self.playback.playables(item_id, visible)
        return [await self._streamable(item_id, media) for media in files]

    def plan(
        self, media: StreamableMedia, profile: DeviceProfile, request: PlayRequest
    ) -> PlaybackPlan:
        """The decision alone (nothing is opened): see `decide`."""
        return decide(media.facts, media.file.container, profile, request, self.settings.streaming)

    async def start(
        self,
        user_id: int,
        media: StreamableMedia,
        plan: PlaybackPlan,
        profile: DeviceProfile,
        request: PlayRequest,
    ) -> PlaybackInfo:
        """Play `media` by `plan`: a remux or transcode opens its HLS session now."""
        session_id = None
        if plan.mode is Mode.DIRECT:
            url = stream_url(media.item_id, media.file.id)
        else:
            await _servable(media.file)  # before ffprobe lists its keyframes
            plan, segments = await self._segments(media.file, media.facts, profile, request, plan)
            session_id = await self._open(
                user_id, media.item_id, media.file, media.facts, plan, segments
            )
            url = master_url(session_id)
        self.metrics.started.labels(plan.mode.value).inc()
        return _info(media.item_id, media.file, media.facts, plan, url, session_id, media.subtitles)

    async def master_playlist(self, user_id: int, session_id: str, query: str = "") -> str:
        """The session's master playlist; `query` (URL-encoded) is carried by the URI it
        names, for clients that authenticate in the URL."""
        return with_query(self.sessions.get(session_id, user_id).playlists.master, query)

    async def media_playlist(self, user_id: int, session_id: str, query: str = "") -> str:
        """The session's media playlist, `query` carried by every segment's URI."""
        return with_query(self.sessions.get(session_id, user_id).playlists.media, query)

    async def segment(self, user_id: int, session_id: str, number: int) -> Path:
        """Segment `number` of the caller's session, made if need be."""
        return await self.sessions.get(session_id, user_id).segment(number)

    async def stop(self, user_id: int | None, session_id: str) -> None:
        """End the session of `user_id` (None: an admin, anyone's)."""
        await self.sessions.end(session_id, user_id)

    async def keep_alive(self, user_id: int, session_id: str) -> None:
        """The caller's session is in use though nothing is fetched (a paused player)."""
        self.sessions.get(session_id, user_id)

    def statuses(self) -> list[SessionStatus]:
        return self.sessions.statuses()

    async def close(self) -> None:
        await self.sessions.close()

    async def _streamable(self, item_id: int, media: PlayableFile) -> StreamableMedia:
        details = await self.playback.details(media)
        facts = await self._facts(media, details.probe)
        return StreamableMedia(
            item_id=item_id, file=media, facts=facts, subtitles=details.subtitles
        )

    async def _facts(self, media: PlayableFile, probe: StoredProbe | None) -> MediaFacts:
        """The stored probe's facts; a file not probed yet is probed now (not stored: the probe
        job does that)."""
        if probe is not None and probe.facts is not None:
            return probe.facts
        if probe is not None:
            # Not the probe's own text: stored by an older version, it may name the folder.
            raise InvalidInputError(f"file {media.id} cannot be played: it could not be read")
        await _servable(media)  # before ffprobe reads it
        try:
            return await self.prober.probe(os.fsdecode(media.path_bytes))
        except ProgramError as failure:
            raise InvalidInputError(f"file {media.id} cannot be played: {failure}") from failure

    async def _segments(
        self,
        media: PlayableFile,
        facts: MediaFacts,
        profile: DeviceProfile,
        request: PlayRequest,
        plan: PlaybackPlan,
    ) -> tuple[PlaybackPlan, SegmentMap]:
        """Where the segments start: the video's keyframes when it is copied (a file whose
        keyframes cannot be listed in time is transcoded instead), fixed steps otherwise."""
        duration = facts.duration_s
        if not duration or duration <= 0:
            raise InvalidInputError(f"file {media.id} has no known duration: it cannot be streamed")
        segment_s = self.settings.streaming.segment_s
        if plan.video is None or plan.video.action is not StreamAction.COPY:
            return plan, transcode_cuts(duration, segment_s)
        try:
            keyframes = await self._keyframes_of(media, plan.video.index)
        except ProgramError as failure:
            log.warning("keyframes not listed: transcoding", file_id=media.id, error=str(failure))
            no_copy = profile.model_copy(update={"hls_video_codecs": ()})
            plan = decide(facts, media.container, no_copy, request, self.settings.streaming)
            return plan, transcode_cuts(duration, segment_s)
        return plan, remux_cuts(keyframes, duration, segment_s)

    async def _keyframes_of(self, media: PlayableFile, video_index: int) -> tuple[float, ...]:
        """Kept per version of the file (size, time and inode name it)."""
        key = f"{media.id}:{media.size}:{media.mtime_ns}:{media.inode}:{video_index}"
        media_settings, streaming = self.settings.media, self.settings.streaming

        async def load() -> tuple[float, ...]:
            found = await keyframe_positions(
                media_settings.ffprobe_path,
                os.fsdecode(media.path_bytes),
                video_index,
                timeout_s=streaming.keyframes_timeout_s,
                niceness=media_settings.process_niceness,
                max_output=streaming.keyframes_max_bytes,
            )
            return tuple(found)

        found = await self._keyframes.get_or_load(key, load)
        return found or ()

    async def _open(
        self,
        user_id: int,
        item_id: int,
        media: PlayableFile,
        facts: MediaFacts,
        plan: PlaybackPlan,
        segments: SegmentMap,
    ) -> str:
        owner = SessionOwner(
            user_id=user_id,
            item_id=item_id,
            item_kind=media.item_kind,
            item_title=media.item_title,
            file_id=media.id,
            mode=plan.mode,
        )
        playlists = SessionPlaylists(
            master=_master(facts, plan), media=media_playlist_text(segments, SEGMENT_URI)
        )
        job = self._job(media, facts, plan)
        return (await self.sessions.open(owner, job, segments, playlists)).id

    def _job(self, media: PlayableFile, facts: MediaFacts, plan: PlaybackPlan) -> HlsJob:
        streaming = self.settings.streaming
        video = audio = None
        if plan.video is not None and plan.video.action is StreamAction.TRANSCODE:
            source = next((v for v in facts.video if v.index == plan.video.index), None)
            video = VideoEncode(
                width=plan.video.width,
                height=plan.video.height,
                bitrate=plan.video.bitrate or streaming.max_video_bitrate,
                preset=streaming.video_preset,
                tonemap=source is not None and source.hdr is not None,
                burn_subtitle=plan.burn_subtitle,
            )
        if plan.audio is not None and plan.audio.action is StreamAction.TRANSCODE:
            audio = AudioEncode(
                channels=plan.audio.channels,
                bitrate=plan.audio.bitrate or streaming.audio_bitrate_per_channel,
            )
        return HlsJob(
            path=os.fsdecode(media.path_bytes),
            video_index=plan.video.index if plan.video is not None else None,
            video=video,
            audio_index=plan.audio.index if plan.audio is not None else None,
            audio=audio,
            threads=streaming.encoder_threads,
            hardware=streaming.hardware_acceleration,
            hardware_device=streaming.hardware_device,
        )


def _master(facts: MediaFacts, plan: PlaybackPlan) -> str:
    video, audio = plan.video, plan.audio
    video_codec = None
    if video is not None and video.action is StreamAction.TRANSCODE:
        video_codec = h264_codec("high", _HD_LEVEL if video.height > 720 else _SD_LEVEL)
    elif video is not None and video.codec == "h264":
        source = next(v for v in facts.video if v.index == video.index)
        video_codec = h264_codec(source.profile, source.level)
    copied_bitrate = facts.bit_rate or 0
    bandwidth = sum(
        (choice.bitrate or copied_bitrate) for choice in (video, audio) if choice is not None
    )
    resolution = (video.width, video.height) if video is not None else None
    unknown_video = video is not None and video_codec is None
    names = None if unknown_video else codecs(video_codec, audio.codec if audio else None)
    return master_playlist(MEDIA_NAME, bandwidth, resolution, names)


def _info(
    item_id: int,
    media: PlayableFile,
    facts: MediaFacts,
    plan: PlaybackPlan,
    url: str,
    session_id: str | None,
    subtitles: tuple[SubtitleTrack, ...],
) -> PlaybackInfo:
    return PlaybackInfo(
        item_id=item_id,
        file_id=media.id,
        container=media.container,
        duration_s=facts.duration_s,
        mode=plan.mode,
        reasons=list(plan.reasons),
        video=VideoChoice.model_validate(plan.video, from_attributes=True) if plan.video else None,
        audio=AudioChoice.model_validate(plan.audio, from_attributes=True) if plan.audio else None,
        url=url,
        session_id=session_id,
        audio_tracks=[
            AudioTrackView(
                number=number,
                codec=stream.codec,
                channels=stream.channels,
                language=stream.language,
                title=stream.title,
                default=stream.default,
                commentary=stream.commentary,
            )
            for number, stream in enumerate(facts.audio)
        ],
        subtitle_tracks=[
            SubtitleTrackView(
                number=track.number,
                format=track.format,
                language=track.language,
                title=track.title,
                default=track.default,
                forced=track.forced,
                text=track.text,
                url=subtitle_url(item_id, media.id, track.number) if track.text else None,
            )
            for track in subtitles
        ],
    )


async def _servable(media: PlayableFile) -> None:
    """`FileGoneError` unless the file is still there and may be served (see `open_playable`):
    checked before a program is given its path."""
    opened = await asyncio.to_thread(open_playable, media)
    opened.close()
