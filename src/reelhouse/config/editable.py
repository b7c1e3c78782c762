"""The settings an admin may change in the web page, and how those values layer over the rest.

Precedence, lowest first: the defaults, the TOML file (and a command's own options), the web
page, the environment. The web page's values are kept in the database; the environment always
wins, so a setting given there shows as locked. Settings a running process cannot take up
(they shape objects built once at start) are marked as needing a restart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from reelhouse.config.settings import ENV_PREFIX, Settings, describe_validation_error
from reelhouse.errors import InvalidInputError


class Applied(StrEnum):
    LIVE = "live"  # taken up by every process at once
    RESTART = "restart"  # taken up by each process at its next start


class Source(StrEnum):
    DEFAULT = "default"
    FILE = "file"
    WEB = "web"
    ENVIRONMENT = "environment"


#: Every setting the web page edits, and when it takes effect. Settings that say where the
#: database and the data are, or how processes find each other, are not here: a process needs
#: them before it can read the database, and a wrong one would lock the admin out.
EDITABLE: Mapping[str, Applied] = {
    "metadata.language": Applied.LIVE,
    "metadata.fallback_language": Applied.LIVE,
    "metadata.country": Applied.LIVE,
    "metadata.match_threshold": Applied.LIVE,
    "metadata.match_margin": Applied.LIVE,
    "tmdb.api_key": Applied.LIVE,
    "tvdb.api_key": Applied.LIVE,
    "tvdb.pin": Applied.LIVE,
    "auth.session_ttl_s": Applied.LIVE,
    "webhooks.secret": Applied.LIVE,
    "web.page_size": Applied.LIVE,
    "scan.watch": Applied.RESTART,
    "scan.full_scan_interval_s": Applied.RESTART,
    "enrichment.refresh_interval_s": Applied.RESTART,
    "images.variant_quality": Applied.RESTART,
    "images.memory_cache_bytes": Applied.RESTART,
    "streaming.max_sessions": Applied.RESTART,
    "streaming.max_sessions_per_user": Applied.RESTART,
    "streaming.max_height": Applied.RESTART,
    "streaming.max_video_bitrate": Applied.RESTART,
}


def field_of(key: str) -> FieldInfo:
    section, name = key.split(".", 1)
    annotation = Settings.model_fields[section].annotation
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        raise TypeError(f"settings {section!r} is not a section")
    return annotation.model_fields[name]


def value_of(settings: Settings, key: str) -> Any:
    section, name = key.split(".", 1)
    return getattr(getattr(settings, section), name)


def stored_form(settings: Settings, key: str) -> Any:
    """The value as validated, as JSON keeps it (a secret in clear: it has to be used)."""
    value = value_of(settings, key)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def is_secret(key: str) -> bool:
    return SecretStr in (field_of(key).annotation, *get_args(field_of(key).annotation))


def choices_of(key: str) -> tuple[str, ...]:
    """The values a setting of a `Literal` type takes, else none."""
    annotation = field_of(key).annotation
    return tuple(str(a) for a in get_args(annotation)) if get_origin(annotation) is Literal else ()


def check_editable(keys: Iterable[str]) -> None:
    for key in keys:
        if key not in EDITABLE:
            raise InvalidInputError(f"setting {key!r} cannot be changed in the web page")
        if (variable := environment_variable(key)) is not None:
            raise InvalidInputError(
                f"setting {key} is set by the environment ({variable}), which always wins: "
                "change it there"
            )


def layered(base: Settings, web: Mapping[str, Any]) -> Settings:
    """`base` (defaults, file, environment) with the web page's values over it; the
    environment still wins. Raises `InvalidInputError` naming the setting that is wrong."""
    if not web:
        return base
    data = base.model_dump()
    for key, value in web.items():
        section, name = key.split(".", 1)
        data[section][name] = value
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise InvalidInputError(describe_validation_error(exc)) from exc


def with_values(settings: Settings, values: Mapping[str, Any]) -> Settings:
    """`settings` with some values replaced, already validated ones (no check again)."""
    sections: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, name = key.split(".", 1)
        sections.setdefault(section, {})[name] = value
    return settings.model_copy(
        update={
            section: getattr(settings, section).model_copy(update=changed)
            for section, changed in sections.items()
        }
    )


def source_of(key: str, base: Settings, web: Mapping[str, Any]) -> Source:
    if environment_variable(key) is not None:
        return Source.ENVIRONMENT
    if key in web:
        return Source.WEB
    field = field_of(key)
    default = field.get_default(call_default_factory=True)
    return Source.DEFAULT if value_of(base, key) == default else Source.FILE


def environment_variable(key: str) -> str | None:
    """The environment variable that sets `key`, if one does: its own
    (`REELHOUSE_TMDB_API_KEY`), or its section's as JSON (`REELHOUSE_TMDB='{"api_key": …}'`)."""
    section, name = key.split(".", 1)
    own, whole = f"{ENV_PREFIX}{section}_{name}".upper(), f"{ENV_PREFIX}{section}".upper()
    for variable, value in os.environ.items():
        upper = variable.upper()
        if upper == own:
            return variable
        if upper == whole and _names_field(value, name):
            return variable
    return None


def _names_field(value: str, name: str) -> bool:
    try:
        parsed = json.loads(value)
    except ValueError:
        return False
    return isinstance(parsed, dict) and name in parsed


@dataclass(frozen=True)
class SettingState:
    """One editable setting as the settings page shows it."""

    key: str
    description: str
    value: Any  # a secret's value is never shown: only whether it is set
    source: Source
    applied: Applied
    secret: bool
    choices: tuple[str, ...]
    kind: str
    #: The value the process runs with differs from the stored one until it restarts.
    restart_pending: bool

    @property
    def locked(self) -> bool:
        return self.source is Source.ENVIRONMENT


def setting_states(base: Settings, web: Mapping[str, Any], running: Settings) -> list[SettingState]:
    """Every editable setting: its value, where it comes from, whether it waits for a restart."""
    wanted = layered(base, web)
    states = []
    for key, applied in EDITABLE.items():
        value = value_of(wanted, key)
        secret = is_secret(key)
        states.append(
            SettingState(
                key=key,
                description=field_of(key).description or "",
                value=(value is not None) if secret else value,
                source=source_of(key, base, web),
                applied=applied,
                secret=secret,
                choices=choices_of(key),
                kind=_kind(key),
                restart_pending=value != value_of(running, key),
            )
        )
    return states


def _kind(key: str) -> str:
    """How the page asks for the value: a checkbox, a number, a choice, or text."""
    if is_secret(key):
        return "secret"
    if choices_of(key):
        return "choice"
    annotation = field_of(key).annotation
    for kind, types in (("bool", (bool,)), ("number", (int, float))):
        if annotation in types or (
            get_origin(annotation) is not None and any(a in types for a in get_args(annotation))
        ):
            return kind
    return "text"
