"""How search ranks what the database's text indexes offer."""

from __future__ import annotations

from pydantic import Field

from reelhouse.config.base import PositiveInt, Section


class SearchSettings(Section):
    candidates: PositiveInt = Field(
        200,
        le=10_000,
        description="Rows taken from each text index before ranking: enough that the best few "
        "survive a typo; more costs every search that finds little.",
    )
    min_score: float = Field(
        70.0,
        ge=0,
        le=100,
        description="Below this fuzzy score (0-100) a result is noise, unless its words matched "
        "as typed.",
    )
