"""The root `Settings` model, and `load_settings`: defaults, the TOML file, the environment."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from reelhouse.config.access import AuthSettings, WebhookSettings
from reelhouse.config.backup import BackupSettings
from reelhouse.config.cluster import ClusterSettings
from reelhouse.config.images import ImagesSettings
from reelhouse.config.jellyfin import JellyfinSettings
from reelhouse.config.jobs import JobsSettings, ScanSettings
from reelhouse.config.media import MediaSettings
from reelhouse.config.metadata import EnrichmentSettings, MetadataSettings
from reelhouse.config.providers import TmdbSettings, TvdbSettings
from reelhouse.config.search import SearchSettings
from reelhouse.config.server import HttpSettings, LogSettings, ServerSettings
from reelhouse.config.storage import CacheSettings, DatabaseSettings, RedisSettings
from reelhouse.config.streaming import StreamingSettings
from reelhouse.config.watch import WatchSettings
from reelhouse.config.web import WebSettings
from reelhouse.errors import ConfigError

ENV_PREFIX = "REELHOUSE_"
CONFIG_ENV_VAR = "REELHOUSE_CONFIG"


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "reelhouse"


class Settings(BaseSettings):
    """All settings of one reelhouse process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the SQLite database, artwork and other state live.",
    )
    server: ServerSettings = Field(default_factory=ServerSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    metadata: MetadataSettings = Field(default_factory=MetadataSettings)
    enrichment: EnrichmentSettings = Field(default_factory=EnrichmentSettings)
    tmdb: TmdbSettings = Field(default_factory=TmdbSettings)
    tvdb: TvdbSettings = Field(default_factory=TvdbSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    images: ImagesSettings = Field(default_factory=ImagesSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    jellyfin: JellyfinSettings = Field(default_factory=JellyfinSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    @model_validator(mode="after")
    def _web_widths_offered(self) -> Settings:
        """The page asks for resized images the store offers, or every one would be refused."""
        for name in ("poster_width", "backdrop_width", "photo_width", "still_width"):
            if getattr(self.web, name) not in self.images.variant_widths:
                raise ValueError(f"web.{name} must be one of images.variant_widths")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first, then the TOML file (passed as init values by `load_settings`).
        return (env_settings, init_settings)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir / 'reelhouse.db'}"

    @property
    def backup_directory(self) -> Path:
        return self.backup.directory or self.data_dir / "backups"


def load_settings(config_file: Path | None = None) -> Settings:
    """Build the settings, or raise `ConfigError` with one line that says what to fix."""
    path = config_path(config_file)
    file_values = _read_toml(path) if path else {}
    try:
        return Settings(**file_values)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from exc


def config_path(config_file: Path | None = None) -> Path | None:
    """The settings file read: the one given (`--config`), else `$REELHOUSE_CONFIG`'s, if any."""
    if config_file is not None:
        return config_file
    value = os.environ.get(CONFIG_ENV_VAR)
    return Path(value) if value else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        if not location:  # a check across sections: its message names the settings
            problems.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        name = ".".join(location)
        env_name = ENV_PREFIX + "_".join(location[:2]).upper()
        problems.append(f"setting {name} ({env_name}): {error['msg']}")
    return "invalid settings: " + "; ".join(problems)
