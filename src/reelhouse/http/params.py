"""Values from clients, validated at the edge alike by every entry point (house rule 9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

from reelhouse.content.catalogue.models import MAX_BIGINT

#: Longest path accepted from a client (Linux's PATH_MAX).
PATH_MAX = 4096

#: A row id as a client sends it. Ids are positive 64-bit integers; anything else is refused at
#: the edge, where a larger one would reach the database driver and fail there (house rule 9).
RowId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
#: The same, as a path parameter (`/api/movies/{movie_id}`).
RowIdPath = Annotated[int, Path(ge=1, le=MAX_BIGINT)]
#: The `pattern` of text that is stored or looked up: PostgreSQL text cannot hold NUL (SQLite's
#: can), so NUL is refused at the edge, alike on both databases, as a 422 naming the field.
NO_NUL = r"^[^\x00]*$"
