"""Per-user watch state: when a position is a resume point, when an item counts as played, what
Next Up shows, how progress reports are written (Jellyfin's defaults), and whose state the
viewing history in Kodi NFO files fills."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class WatchSettings(Section):
    min_resume_percent: float = Field(
        5.0,
        ge=0,
        le=100,
        description="A position under this share of the runtime is no resume point.",
    )
    max_resume_percent: float = Field(
        90.0,
        ge=0,
        le=100,
        description="A position past this share of the runtime marks the item played and clears "
        "its resume point.",
    )
    min_resume_duration_s: int = Field(
        300, ge=0, description="Items shorter than this (seconds) get no resume point."
    )
    next_up_specials: bool = Field(
        False,
        description="Whether Next Up (and the web player, at the end of an episode) offers "
        "specials (season 0) too.",
    )
    next_up_max_age_days: PositiveInt = Field(
        365,
        description="Series whose last watched episode is older than this many days leave Next "
        "Up (finished or abandoned).",
    )
    progress_batch_window_s: PositiveFloat = Field(
        0.05,
        le=5,
        description="Progress reports arriving within this many seconds are written together, "
        "one transaction for all (each report waits for it, so a reply means it is stored).",
    )
    progress_batch_max: PositiveInt = Field(
        1000, le=100_000, description="Most progress reports written in one transaction."
    )
    nfo_import_user: str = Field(
        "",
        max_length=64,
        description="The user whose watch state the viewing history in Kodi / tinyMediaManager "
        "NFO files (`playcount`, `lastplayed`, `resume`, `watched`) fills when an item is stored "
        "or refreshed from its files; a state that user changed after the NFO's `lastplayed` is "
        "kept. Empty: NFO viewing history is not imported.",
    )

    @field_validator("nfo_import_user")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> WatchSettings:
        if self.min_resume_percent > self.max_resume_percent:
            raise ValueError("watch.min_resume_percent must not exceed watch.max_resume_percent")
        return self
