"""Playing as Jellyfin clients do, over reelhouse's playback and streaming services:
`PlaybackInfo` (the client's profile through reelhouse's decision; a remux or transcode opens
reelhouse's HLS session, whose id is the `PlaySessionId`), the file itself with ranges, the
session's playlists and segments, and subtitles as WebVTT.

`MediaStreams` are numbered as Jellyfin numbers them: an embedded stream by its index in the
file, external subtitle files after the last embedded stream. A media source is one file of
the item (`IdType.MEDIA_SOURCE`); the item's own id names its first file, as Jellyfin's default
source has the item's id.

Clients that cannot send headers (a `<video>` element, hls.js) authenticate by the `ApiKey` in
the URLs handed out: `TranscodingUrl` and `DeliveryUrl` carry it, and a session's playlists carry
the query they were fetched with onto every URI they name.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Body, Path, Request, Response

from reelhouse.compat.jellyfin.auth import JellyfinCaller, JellyfinCallerDep
from reelhouse.compat.jellyfin.dtos import MediaSourceInfo, MediaStream, PlaybackInfoResponse
from reelhouse.compat.jellyfin.ids import IdType, decode_id, encode_id, item_id
from reelhouse.compat.jellyfin.mapping import ticks
from reelhouse.compat.jellyfin.params import JellyfinQuery, documented
from reelhouse.compat.jellyfin.profiles import (
    SUBTITLE_NAMES,
    PlaybackInfoBody,
    device_profile,
    embeds,
)
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.compat.jellyfin.server import json_response
from reelhouse.errors import InvalidInputError, MalformedRequestError, NotFoundError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.files import file_response
from reelhouse.http.hls import playlist_response, segment_response, webvtt_response
from reelhouse.playback.decision import Mode, NoCompatibleStreamError, PlaybackPlan, PlayRequest
from reelhouse.playback.facts import HdrKind, MediaFacts
from reelhouse.playback.streaming.service import StreamableMedia
from reelhouse.playback.tracks import SubtitleTrack, TrackSource

router = jellyfin_router()
ItemIdPath = Annotated[str, Path(alias="itemId", max_length=64)]
SourcePath = Annotated[str, Path(alias="mediaSourceId", max_length=64)]
IndexPath = Annotated[int, Path(alias="index", ge=0, le=1_000_000)]
ContainerPath = Annotated[str, Path(alias="container", pattern=r"^[A-Za-z0-9]{1,16}$")]
TicksPath = Annotated[int, Path(alias="startPositionTicks", ge=0, le=2**63 - 1)]
SegmentPath = Annotated[int, Path(alias="number", ge=0, le=1_000_000)]

#: The query a session's playlists carry onto their URIs (names as the client sent them).
CARRIED = frozenset({"playsessionid", "mediasourceid", "deviceid", "apikey", "api_key"})
VIDEO_RANGE_TYPES = {
    HdrKind.HDR10: "HDR10",
    HdrKind.HDR10_PLUS: "HDR10Plus",
    HdrKind.HLG: "HLG",
    HdrKind.DOLBY_VISION: "DOVI",
}
PLAYBACK_QUERY = documented(
    "userId", "maxStreamingBitrate", "startTimeTicks", "audioStreamIndex",
    "subtitleStreamIndex", "mediaSourceId",
)  # fmt: skip
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A malformed id or value (the DeviceProfile, an index)."},
    404: {"description": "No such item, media source, stream or session of the caller's."},
    422: {
        "description": "The file cannot be played: its probe failed, or a stream asked "
        "for does not exist (a client that can play it no way gets `ErrorCode` "
        "`NoCompatibleStream` in a 200 answer, as from Jellyfin)."
    },
    503: {"description": "Every streaming slot is taken (see Retry-After)."},
}


def source_id(file_id: int) -> str:
    return encode_id(IdType.MEDIA_SOURCE, file_id)


def file_of(item: int, text: str | None) -> int | None:
    """The file a `MediaSourceId` names (None: the item's first, also for the item's own id)."""
    if text is None:
        return None
    kind, row_id = decode_id(text, IdType.MEDIA_SOURCE, IdType.ITEM)
    if kind is IdType.ITEM:
        if row_id != item:
            raise NotFoundError(f"no media source {text[:64]!r} of this item")
        return None
    return row_id


def subtitle_indexes(
    facts: MediaFacts, tracks: Sequence[SubtitleTrack]
) -> dict[int, SubtitleTrack]:
    """Each subtitle track by its `MediaStreams` index: embedded ones by their stream index,
    external ones after the file's last stream."""
    indexes_in_file = [
        s.index for group in (facts.video, facts.audio, facts.subtitles) for s in group
    ]
    external = max(indexes_in_file, default=-1) + 1
    indexes: dict[int, SubtitleTrack] = {}
    for track in tracks:
        if track.source is TrackSource.EMBEDDED and track.stream_index is not None:
            indexes[track.stream_index] = track
        else:
            indexes[external] = track
            external += 1
    return indexes


def play_request(
    media: StreamableMedia, body: PlaybackInfoBody, query: JellyfinQuery
) -> PlayRequest:
    """What the client asks for, in reelhouse's numbering of the file's tracks."""
    audio = _first(body.audio_stream_index, query.integer("audioStreamIndex", minimum=-1))
    subtitle = _first(body.subtitle_stream_index, query.integer("subtitleStreamIndex", minimum=-1))
    bitrate = _first(body.max_streaming_bitrate, query.integer("maxStreamingBitrate"))
    number = None
    if audio is not None and audio >= 0:
        found = [n for n, stream in enumerate(media.facts.audio) if stream.index == audio]
        if not found:
            raise InvalidInputError(
                f"the file has no audio stream {audio}", field="AudioStreamIndex"
            )
        number = found[0]
    burn = None
    if subtitle is not None and subtitle >= 0:
        track = subtitle_indexes(media.facts, media.subtitles).get(subtitle)
        if track is None:
            raise InvalidInputError(
                f"the file has no subtitle stream {subtitle}", field="SubtitleStreamIndex"
            )
        if not track.text and not embeds(body.device_profile, track.format):
            burn = track.number
    return PlayRequest(audio=number, burn_subtitle=burn, max_bitrate=bitrate or None)


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


class SourceWriter:
    """`MediaSourceInfo`s of one caller's request: URLs with their token, paths for admins."""

    def __init__(self, caller: JellyfinCaller, item: str) -> None:
        self.caller = caller
        self.item = item

    def url(self, path: str, **query: str | None) -> str:
        values = {k: v for k, v in query.items() if v}
        values["ApiKey"] = self.caller.client.token
        return f"/Videos/{self.item}/{path}?{urlencode(values)}"

    def source(
        self,
        media: StreamableMedia,
        plan: PlaybackPlan | None,
        session_id: str | None,
        subtitle: int | None,
    ) -> MediaSourceInfo:
        """One file: `plan` None for a version not being played (described, not decided)."""
        facts, file = media.facts, media.file
        source = source_id(file.id)
        direct = plan is not None and plan.mode is Mode.DIRECT
        transcoding_url = None
        if plan is not None and session_id is not None:
            transcoding_url = self.url(
                "master.m3u8",
                MediaSourceId=source,
                PlaySessionId=session_id,
                DeviceId=self.caller.client.device_id,
                TranscodeReasons=",".join(plan.reasons),
            )
        audio = plan.audio.index if plan is not None and plan.audio else None
        default_audio = next((a.index for a in facts.audio if a.default), None)
        return MediaSourceInfo(
            id=source,
            path=self.caller.principal.server_path(file.path),
            container=file.container,
            size=file.size,
            name=PurePath(file.path).stem,
            run_time_ticks=ticks(facts.duration_s) if facts.duration_s else None,
            supports_transcoding=True,
            supports_direct_stream=direct,
            supports_direct_play=direct,
            media_streams=self.streams(media, source, direct),
            bitrate=facts.bit_rate,
            transcoding_url=transcoding_url,
            transcoding_sub_protocol="hls" if transcoding_url else None,
            transcoding_container="ts" if transcoding_url else None,
            default_audio_stream_index=_first(
                audio, default_audio, facts.audio[0].index if facts.audio else None
            ),
            default_subtitle_stream_index=subtitle if subtitle is not None else -1,
        )

    def streams(self, media: StreamableMedia, source: str, direct: bool) -> list[MediaStream]:
        facts = media.facts
        found = [
            MediaStream(
                type="Video",
                index=v.index,
                codec=v.codec,
                display_title=" ".join(
                    filter(None, (v.resolution.value.upper(), v.codec.upper(), _range(v.hdr)))
                ),
                is_default=v.default,
                width=v.width,
                height=v.height,
                average_frame_rate=v.frame_rate,
                real_frame_rate=v.frame_rate,
                bit_depth=v.bit_depth,
                level=v.level,
                profile=v.profile,
                pixel_format=v.pixel_format,
                video_range=_range(v.hdr),
                video_range_type=VIDEO_RANGE_TYPES.get(v.hdr, "SDR") if v.hdr else "SDR",
            )
            for v in facts.video
        ]
        found += [
            MediaStream(
                type="Audio",
                index=a.index,
                codec=a.codec,
                language=a.language,
                title=a.title,
                display_title=" - ".join(
                    filter(None, (a.title or a.language, a.codec.upper(), a.channel_layout))
                ),
                is_default=a.default,
                channels=a.channels,
                channel_layout=a.channel_layout,
                profile=a.profile,
            )
            for a in facts.audio
        ]
        for index, track in subtitle_indexes(facts, media.subtitles).items():
            method = "External" if track.text else "Embed" if direct else "Encode"
            found.append(
                MediaStream(
                    type="Subtitle",
                    index=index,
                    codec=SUBTITLE_NAMES.get(track.format, track.format),
                    language=track.language,
                    title=track.title,
                    display_title=" - ".join(
                        filter(None, (track.title or track.language, track.format.upper()))
                    ),
                    is_default=track.default,
                    is_forced=track.forced,
                    is_hearing_impaired=track.hearing_impaired,
                    is_external=track.source is TrackSource.EXTERNAL,
                    is_text_subtitle_stream=track.text,
                    supports_external_stream=track.text,
                    delivery_method=method,
                    delivery_url=self.url(f"{source}/Subtitles/{index}/0/Stream.vtt")
                    if track.text
                    else None,
                )
            )
        return found


def _range(hdr: HdrKind | None) -> str:
    return "HDR" if hdr is not None else "SDR"


async def playback_info(
    item: str,
    body: PlaybackInfoBody,
    request: Request,
    caller: JellyfinCaller,
    services: ServicesDep,
) -> Response:
    """Every file of the item described; the one asked for (`MediaSourceId`, else the first)
    decided for the client's profile by reelhouse's decision, and started: a remux or
    transcode opens its HLS session now."""
    row_id = item_id(item)
    query = JellyfinQuery(request)
    wanted = file_of(row_id, body.media_source_id or query.text("mediaSourceId"))
    if wanted is not None:
        every = [await services.streaming.media(caller.visible, row_id, file_id=wanted)]
    else:
        every = await services.streaming.every_media(caller.visible, row_id)
    profile = device_profile(body.device_profile)
    writer = SourceWriter(caller, item)
    subtitle = _first(body.subtitle_stream_index, query.integer("subtitleStreamIndex", minimum=-1))
    chosen = every[0]
    play = play_request(chosen, body, query)
    try:
        plan = services.streaming.plan(chosen, profile, play)
    except NoCompatibleStreamError:
        # Jellyfin's answer: the sources described, none playable, and why.
        described = [writer.source(media, None, None, None) for media in every]
        refused = PlaybackInfoResponse(
            media_sources=described,
            play_session_id=secrets.token_urlsafe(16),
            error_code="NoCompatibleStream",
        )
        return json_response(refused.json_bytes())
    started = await services.streaming.start(caller.user_id, chosen, plan, profile, play)
    sources = [writer.source(chosen, plan, started.session_id, subtitle)]
    for other in every[1:]:
        other_plan = services.streaming.plan(other, profile, PlayRequest())
        sources.append(writer.source(other, other_plan, None, None))
    # A direct play has no session of reelhouse's; the client still names its reports by one.
    play_session = started.session_id or secrets.token_urlsafe(16)
    answer = PlaybackInfoResponse(media_sources=sources, play_session_id=play_session)
    return json_response(answer.json_bytes())


@router.post(
    "/Items/{itemId}/PlaybackInfo",
    response_model=PlaybackInfoResponse,
    responses=ERRORS,
    openapi_extra=PLAYBACK_QUERY,
)
async def posted_playback_info(
    item: ItemIdPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    body: Annotated[PlaybackInfoBody | None, Body()] = None,
) -> Response:
    """How the client plays the item, by the `DeviceProfile` it sends."""
    return await playback_info(item, body or PlaybackInfoBody(), request, caller, services)


@router.get(
    "/Items/{itemId}/PlaybackInfo",
    response_model=PlaybackInfoResponse,
    responses=ERRORS,
    openapi_extra=PLAYBACK_QUERY,
)
async def playback_info_for_a_browser(
    item: ItemIdPath, request: Request, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    """The same for a client that sends no profile: a browser's is assumed."""
    return await playback_info(item, PlaybackInfoBody(), request, caller, services)


async def direct(
    item: str,
    request: Request,
    caller: JellyfinCaller,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """The file as it is, with ranges, by the direct-play path of the native API."""
    row_id = item_id(item)
    wanted = file_of(row_id, JellyfinQuery(request).text("mediaSourceId"))
    opened = await services.playback.open_file(row_id, caller.visible, file_id=wanted)
    return file_response(request, opened, settings.media, download=False)


STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/*": {}}, "description": "The whole file."},
    206: {"description": "The one range asked for."},
    404: {"description": "No such item or media source, or the file is gone."},
    416: {"description": "The range starts past the end of the file."},
}
STREAM_QUERY = documented("static", "mediaSourceId", "deviceId", "playSessionId")


@router.get("/Videos/{itemId}/stream", responses=STREAM_RESPONSES, openapi_extra=STREAM_QUERY)
@router.head("/Videos/{itemId}/stream", responses=STREAM_RESPONSES, openapi_extra=STREAM_QUERY)
async def stream(
    item: ItemIdPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """The file itself (`Static=true`); a request to convert it is served the file too, since
    conversion is by HLS (`TranscodingUrl`)."""
    return await direct(item, request, caller, services, settings)


@router.get(
    "/Videos/{itemId}/stream.{container}", responses=STREAM_RESPONSES, openapi_extra=STREAM_QUERY
)
@router.head(
    "/Videos/{itemId}/stream.{container}", responses=STREAM_RESPONSES, openapi_extra=STREAM_QUERY
)
async def stream_as(
    item: ItemIdPath,
    _container: ContainerPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    return await direct(item, request, caller, services, settings)


def session_of(request: Request) -> tuple[str, str]:
    """The request's `PlaySessionId`, and the query its playlists' URIs carry."""
    session_id = JellyfinQuery(request).text("playSessionId")
    if session_id is None:
        raise MalformedRequestError(
            "a playlist or segment needs its PlaySessionId", field="PlaySessionId"
        )
    carried = [(k, v) for k, v in request.query_params.multi_items() if k.lower() in CARRIED]
    return session_id, urlencode(carried)


HLS_QUERY = documented("playSessionId", "mediaSourceId", "deviceId")
HLS_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "No PlaySessionId."},
    404: {"description": "No such session of the caller's, or no such segment."},
}


@router.get(
    "/Videos/{itemId}/master.m3u8",
    response_class=Response,
    responses=HLS_RESPONSES,
    openapi_extra=HLS_QUERY,
)
async def master_playlist(
    item: ItemIdPath, request: Request, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    """The HLS session's master playlist (the `TranscodingUrl`)."""
    item_id(item)
    session_id, carried = session_of(request)
    return playlist_response(
        await services.streaming.master_playlist(caller.user_id, session_id, carried)
    )


@router.get(
    "/Videos/{itemId}/main.m3u8",
    response_class=Response,
    responses=HLS_RESPONSES,
    openapi_extra=HLS_QUERY,
)
async def media_playlist(
    item: ItemIdPath, request: Request, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    item_id(item)
    session_id, carried = session_of(request)
    return playlist_response(
        await services.streaming.media_playlist(caller.user_id, session_id, carried)
    )


@router.get(
    "/Videos/{itemId}/segments/{number}.ts",
    response_class=Response,
    responses={
        **HLS_RESPONSES,
        502: {"description": "ffmpeg failed on this file (after a restart)."},
        503: {"description": "The segment was not made in time (see Retry-After)."},
    },
    openapi_extra=HLS_QUERY,
)
async def segment(
    item: ItemIdPath,
    number: SegmentPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
) -> Response:
    item_id(item)
    session_id, _ = session_of(request)
    path = await services.streaming.segment(caller.user_id, session_id, number)
    return segment_response(path)


SUBTITLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/vtt": {"schema": {"type": "string"}}}},
    404: {"description": "No such item, media source or subtitle stream."},
    422: {"description": "The subtitle is images, or its text cannot be read."},
}


async def subtitle(
    item: str, source: str, index: int, caller: JellyfinCaller, services: ServicesDep
) -> Response:
    """Subtitle stream `index` (in `MediaStreams`' numbering) as WebVTT."""
    row_id = item_id(item)
    media = await services.streaming.media(caller.visible, row_id, file_id=file_of(row_id, source))
    track = subtitle_indexes(media.facts, media.subtitles).get(index)
    if track is None:
        raise NotFoundError(f"media source {source[:64]!r} has no subtitle stream {index}")
    vtt = await services.playback.subtitle(
        row_id, caller.visible, track.number, file_id=media.file.id
    )
    return webvtt_response(vtt)


@router.get(
    "/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/Stream.vtt",
    response_class=Response,
    responses=SUBTITLE_RESPONSES,
)
async def subtitle_stream(
    item: ItemIdPath,
    source: SourcePath,
    index: IndexPath,
    caller: JellyfinCallerDep,
    services: ServicesDep,
) -> Response:
    return await subtitle(item, source, index, caller, services)


@router.get(
    "/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/{startPositionTicks}/Stream.vtt",
    response_class=Response,
    responses=SUBTITLE_RESPONSES,
)
async def subtitle_stream_from(
    item: ItemIdPath,
    source: SourcePath,
    index: IndexPath,
    _start: TicksPath,
    caller: JellyfinCallerDep,
    services: ServicesDep,
) -> Response:
    """The same, whole (the start position is not applied: players seek within it)."""
    return await subtitle(item, source, index, caller, services)
