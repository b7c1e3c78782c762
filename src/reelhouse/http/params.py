"""Values from clients, validated at the edge alike by every entry point (house rule 9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from reelhouse.config.web import MAX_HEIGHT_CAP, MIN_HEIGHT_CAP
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.infra.db.types import as_utc
from reelhouse.libraries.roots import PATH_MAX

#: A file-system path as a client sends it.
PathText = Annotated[str, Field(max_length=PATH_MAX)]

#: A row id as a client sends it. Ids are positive 64-bit integers; anything else is refused at
#: the edge, where a larger one would reach the database driver and fail there (house rule 9).
RowId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
#: The same, as a path parameter (`/api/movies/{movie_id}`).
RowIdPath = Annotated[int, Path(ge=1, le=MAX_BIGINT)]
#: The `pattern` of text that is stored or looked up: PostgreSQL text cannot hold NUL (SQLite's
#: can), so NUL is refused at the edge, alike on both databases, as a 422 naming the field.
NO_NUL = r"^[^\x00]*$"

#: A moment as a client sends it: with its time zone (stored times are UTC; a naive one names no
#: moment) and within years 1-9999 once in UTC, or a 422 naming the field.
Instant = Annotated[AwareDatetime, AfterValidator(as_utc)]

#: Longest position accepted: a week, far beyond any film; more is nonsense, not a position.
MAX_POSITION_S = 7 * 86_400


class PlayerReport(BaseModel):
    """A player's report, every few seconds, when paused and when it stops: the fields the
    API's JSON body and the web player's form share (each entry point sets its strictness)."""

    position_s: float = Field(
        ge=-MAX_POSITION_S,
        le=MAX_POSITION_S,
        allow_inf_nan=False,
        description="Seconds into the item (a negative one is taken as 0).",
    )
    paused: bool = Field(False, description="Paused there (a report like any other).")
    stopped: bool = Field(
        False, description="Playback ended there: the resume rules decide what is kept."
    )


#: Tracks a file may have: far more than any release carries, bounded all the same.
MAX_TRACK = 1000
AudioNumber = Annotated[
    int | None,
    Field(ge=0, le=MAX_TRACK, description="The audio track to hear (`audio_tracks`)."),
]
BurnSubtitle = Annotated[
    int | None,
    Field(
        ge=0,
        le=MAX_TRACK,
        description="An image subtitle stream (`subtitle_tracks` number) to burn into the "
        "picture; text subtitles are side tracks (`url`).",
    ),
]
MaxHeight = Annotated[
    int | None,
    Field(ge=MIN_HEIGHT_CAP, le=MAX_HEIGHT_CAP, description="The player's cap, lines."),
]
#: A streaming session's id, as its URLs carry it.
SessionIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
