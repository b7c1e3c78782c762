"""Typed settings: defaults, then an optional TOML file, then ``REELHOUSE_*`` environment variables.

Every knob of reelhouse lives here (house rule 5). A section ``[database]`` in the TOML file maps to
``REELHOUSE_DATABASE_<FIELD>`` in the environment, e.g. ``REELHOUSE_DATABASE_URL``.
"""

from reelhouse.config.access import PASSWORD_EDGE_MAX, AuthSettings, WebhookSettings
from reelhouse.config.backup import BackupSettings
from reelhouse.config.base import PositiveFloat, PositiveInt, Section
from reelhouse.config.cluster import ClusterSettings
from reelhouse.config.images import ImagesSettings
from reelhouse.config.jellyfin import JellyfinSettings
from reelhouse.config.jobs import JobKindSettings, JobsSettings, ScanSettings
from reelhouse.config.media import MediaSettings
from reelhouse.config.metadata import EnrichmentSettings, MetadataSettings, ProviderName
from reelhouse.config.providers import ProviderSettings, TmdbSettings, TvdbSettings
from reelhouse.config.reference import mask_url, public_view, settings_file, settings_reference
from reelhouse.config.search import SearchSettings
from reelhouse.config.server import HttpSettings, LogFormat, LogLevel, LogSettings, ServerSettings
from reelhouse.config.settings import (
    CONFIG_ENV_VAR,
    ENV_PREFIX,
    Settings,
    config_path,
    load_settings,
)
from reelhouse.config.storage import (
    CacheNamespaceSettings,
    CacheSettings,
    DatabaseSettings,
    RedisSettings,
)
from reelhouse.config.streaming import HardwareAcceleration, StreamingSettings
from reelhouse.config.watch import WatchSettings
from reelhouse.config.web import WebSettings

__all__ = [
    "CONFIG_ENV_VAR",
    "ENV_PREFIX",
    "PASSWORD_EDGE_MAX",
    "AuthSettings",
    "BackupSettings",
    "CacheNamespaceSettings",
    "CacheSettings",
    "ClusterSettings",
    "DatabaseSettings",
    "EnrichmentSettings",
    "HardwareAcceleration",
    "HttpSettings",
    "ImagesSettings",
    "JellyfinSettings",
    "JobKindSettings",
    "JobsSettings",
    "LogFormat",
    "LogLevel",
    "LogSettings",
    "MediaSettings",
    "MetadataSettings",
    "PositiveFloat",
    "PositiveInt",
    "ProviderName",
    "ProviderSettings",
    "RedisSettings",
    "ScanSettings",
    "SearchSettings",
    "Section",
    "ServerSettings",
    "Settings",
    "StreamingSettings",
    "TmdbSettings",
    "TvdbSettings",
    "WatchSettings",
    "WebSettings",
    "WebhookSettings",
    "config_path",
    "load_settings",
    "mask_url",
    "public_view",
    "settings_file",
    "settings_reference",
]
