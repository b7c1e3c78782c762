"""Request and response bodies of the API, validated at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.kinds import LibraryKind
from reelhouse.users.models import TokenKind

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


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Body):
    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    id: int
    name: str
    kind: TokenKind
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class IssuedTokenOut(BaseModel):
    """The secret appears in this answer only."""

    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    details: TokenOut


class NewTokenRequest(Body):
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)


class UserOut(BaseModel):
    id: int
    username: str
    is_admin: bool
    library_ids: list[int]


class NewUserRequest(Body):
    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1024)
    is_admin: bool = False


class UserLibrariesRequest(Body):
    library_ids: list[RowId] = Field(max_length=10_000)


class LibraryOut(BaseModel):
    id: int
    name: str
    kind: LibraryKind
    paths: list[str]
    created_at: datetime


class NewLibraryRequest(Body):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    kind: LibraryKind
    paths: list[str] = Field(min_length=1, max_length=100)


class LibraryChangeRequest(Body):
    """What to change of a library; fields left out stay as they are."""

    name: str | None = Field(None, min_length=1, max_length=200)
    paths: list[str] | None = Field(None, min_length=1, max_length=100)
