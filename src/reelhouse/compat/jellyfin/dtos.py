"""Jellyfin's JSON shapes, as far as reelhouse fills them: PascalCase names, absent values left
out (Jellyfin's clients read a missing field as null). Field names follow Jellyfin's OpenAPI
document (10.10 / 10.11); `tests/data/jellyfin_schemas.json` holds the shapes they are checked
against."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_pascal

T = TypeVar("T")


class JellyfinModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, frozen=True)

    def json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True, exclude_none=True).encode()


class UserItemData(JellyfinModel):
    playback_position_ticks: int = 0
    play_count: int = 0
    is_favorite: bool = False
    played: bool = False
    key: str
    item_id: str
    last_played_date: str | None = None
    played_percentage: float | None = None
    unplayed_item_count: int | None = None
    rating: float | None = None


class NameGuidPair(JellyfinModel):
    name: str
    id: str


class BaseItemPerson(JellyfinModel):
    name: str
    id: str
    role: str | None = None
    type: str
    primary_image_tag: str | None = None


class BaseItem(JellyfinModel):
    """Jellyfin's `BaseItemDto`, the one shape of every item, folder and view."""

    name: str
    server_id: str
    id: str
    type: str
    is_folder: bool
    original_title: str | None = None
    sort_name: str | None = None
    date_created: str | None = None
    collection_type: str | None = None
    parent_id: str | None = None
    series_id: str | None = None
    series_name: str | None = None
    season_id: str | None = None
    season_name: str | None = None
    index_number: int | None = None
    parent_index_number: int | None = None
    production_year: int | None = None
    premiere_date: str | None = None
    overview: str | None = None
    taglines: list[str] | None = None
    official_rating: str | None = None
    status: str | None = None
    run_time_ticks: int | None = None
    community_rating: float | None = None
    genres: list[str] | None = None
    genre_items: list[NameGuidPair] | None = None
    studios: list[NameGuidPair] | None = None
    people: list[BaseItemPerson] | None = None
    provider_ids: dict[str, str] | None = None
    image_tags: dict[str, str] | None = None
    backdrop_image_tags: list[str] | None = None
    image_blur_hashes: dict[str, dict[str, str]] | None = None
    user_data: UserItemData | None = None
    media_type: str = "Unknown"
    location_type: str | None = None
    child_count: int | None = None
    recursive_item_count: int | None = None
    primary_image_aspect_ratio: float | None = None
    can_download: bool | None = None
    can_delete: bool | None = None


class QueryResult(JellyfinModel, Generic[T]):
    items: list[T]
    total_record_count: int
    start_index: int = 0


class SearchHint(JellyfinModel):
    item_id: str
    id: str
    name: str
    type: str
    is_folder: bool
    media_type: str = "Unknown"
    production_year: int | None = None
    index_number: int | None = None
    parent_index_number: int | None = None
    series: str | None = None
    primary_image_tag: str | None = None
    run_time_ticks: int | None = None


class SearchHintResult(JellyfinModel):
    search_hints: list[SearchHint]
    total_record_count: int


class UserPolicy(JellyfinModel):
    is_administrator: bool
    is_hidden: bool = True
    is_disabled: bool = False
    enable_all_folders: bool
    enabled_folders: list[str]
    enable_media_playback: bool = True
    enable_content_deletion: bool = False
    enable_remote_access: bool = True
    authentication_provider_id: str = "reelhouse"
    password_reset_provider_id: str = "reelhouse"  # noqa: S105 - a provider name


class UserConfiguration(JellyfinModel):
    play_default_audio_track: bool = True
    subtitle_mode: str = "Default"
    display_missing_episodes: bool = False
    grouped_folders: list[str] = []
    ordered_views: list[str] = []
    latest_items_excludes: list[str] = []
    my_media_excludes: list[str] = []
    hide_played_in_latest: bool = True
    remember_audio_selections: bool = True
    remember_subtitle_selections: bool = True
    enable_next_episode_auto_play: bool = True


class User(JellyfinModel):
    name: str
    server_id: str
    id: str
    has_password: bool = True
    has_configured_password: bool = True
    has_configured_easy_password: bool = False
    enable_auto_login: bool = False
    configuration: UserConfiguration = UserConfiguration()
    policy: UserPolicy


class SessionInfo(JellyfinModel):
    id: str
    user_id: str
    user_name: str
    client: str
    device_name: str
    device_id: str
    application_version: str
    server_id: str
    is_active: bool = True
    supports_media_control: bool = False
    supports_remote_control: bool = False
    playable_media_types: list[str] = ["Video"]


class AuthenticationResult(JellyfinModel):
    user: User
    session_info: SessionInfo
    access_token: str
    server_id: str


class PublicSystemInfo(JellyfinModel):
    local_address: str
    server_name: str
    version: str
    product_name: str = "Jellyfin Server"
    operating_system: str = ""
    id: str
    startup_wizard_completed: bool = True


class SystemInfo(PublicSystemInfo):
    operating_system_display_name: str = ""
    has_pending_restart: bool = False
    is_shutting_down: bool = False
    supports_library_monitor: bool = True
    can_self_restart: bool = False
    can_launch_web_browser: bool = False
    has_update_available: bool = False
    cast_receiver_applications: list[Any] = []


class BrandingOptions(JellyfinModel):
    login_disclaimer: str = ""
    custom_css: str = ""
    splashscreen_enabled: bool = False


class QueryFilters(JellyfinModel):
    genres: list[NameGuidPair]
    tags: list[str] = []


class QueryFiltersLegacy(JellyfinModel):
    genres: list[str]
    tags: list[str] = []
    official_ratings: list[str] = []
    years: list[int]


class MediaStream(JellyfinModel):
    """One stream of a file as Jellyfin describes it (`Index` numbers them: see `playback`)."""

    type: str
    index: int
    codec: str | None = None
    language: str | None = None
    title: str | None = None
    display_title: str | None = None
    is_default: bool = False
    is_forced: bool = False
    is_hearing_impaired: bool = False
    is_external: bool = False
    is_interlaced: bool = False
    width: int | None = None
    height: int | None = None
    average_frame_rate: float | None = None
    real_frame_rate: float | None = None
    bit_rate: int | None = None
    channels: int | None = None
    channel_layout: str | None = None
    bit_depth: int | None = None
    level: float | None = None
    profile: str | None = None
    pixel_format: str | None = None
    video_range: str | None = None
    video_range_type: str | None = None
    is_text_subtitle_stream: bool = False
    supports_external_stream: bool = False
    delivery_method: str | None = None
    delivery_url: str | None = None


class MediaSourceInfo(JellyfinModel):
    protocol: str = "File"
    id: str
    path: str | None = None
    type: str = "Default"
    container: str | None = None
    size: int | None = None
    name: str | None = None
    is_remote: bool = False
    run_time_ticks: int | None = None
    supports_transcoding: bool
    supports_direct_stream: bool
    supports_direct_play: bool
    is_infinite_stream: bool = False
    requires_opening: bool = False
    requires_closing: bool = False
    requires_looping: bool = False
    supports_probing: bool = False
    video_type: str = "VideoFile"
    media_streams: list[MediaStream]
    media_attachments: list[Any] = []
    formats: list[str] = []
    bitrate: int | None = None
    required_http_headers: dict[str, str] = {}
    transcoding_url: str | None = None
    transcoding_sub_protocol: str | None = None
    transcoding_container: str | None = None
    default_audio_stream_index: int | None = None
    default_subtitle_stream_index: int | None = None
    has_segments: bool = False


class PlaybackInfoResponse(JellyfinModel):
    media_sources: list[MediaSourceInfo]
    play_session_id: str
    error_code: str | None = None
