"""Request and response bodies of the API, validated at the edge."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from reelhouse.config import PASSWORD_EDGE_MAX
from reelhouse.config.editable import Applied, Source
from reelhouse.http.params import NO_NUL, PathText, RowId
from reelhouse.ingest.libraries import LibraryInfo
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.kinds import LibraryKind
from reelhouse.users.models import TokenKind
from reelhouse.users.service import Principal


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Body):
    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=PASSWORD_EDGE_MAX)


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
    password: str = Field(min_length=1, max_length=PASSWORD_EDGE_MAX)
    is_admin: bool = False


class PasswordChangeRequest(Body):
    current_password: str = Field(min_length=1, max_length=PASSWORD_EDGE_MAX)
    new_password: str = Field(min_length=1, max_length=PASSWORD_EDGE_MAX)


class PasswordResetRequest(Body):
    new_password: str = Field(min_length=1, max_length=PASSWORD_EDGE_MAX)


class UserLibrariesRequest(Body):
    library_ids: list[RowId] = Field(max_length=10_000)


class WriteBackOut(BaseModel):
    """What the library writes beside its media (all off by default)."""

    write_nfo: bool = Field(description="Kodi NFO files for its movies, series, seasons, episodes.")
    write_artwork: bool = Field(description="The chosen artwork, under Kodi's file names.")
    overwrite_foreign_files: bool = Field(
        description="Replace files reelhouse did not write (or that changed since it did)."
    )
    nfo_watch_user: str | None = Field(
        description="Whose play count, last played time and resume point the NFO files hold."
    )

    @classmethod
    def of(cls, options: WriteBackOptions) -> WriteBackOut:
        return cls(
            write_nfo=options.write_nfo,
            write_artwork=options.write_artwork,
            overwrite_foreign_files=options.overwrite_foreign_files,
            nfo_watch_user=options.nfo_watch_user,
        )


class WriteBackChange(Body):
    """What to change of the library's write-back; fields left out stay as they are."""

    write_nfo: bool | None = None
    write_artwork: bool | None = None
    overwrite_foreign_files: bool | None = None
    nfo_watch_user: str | None = Field(
        None, min_length=1, max_length=64, pattern=NO_NUL, description="null: none."
    )

    def applied_to(self, options: WriteBackOptions) -> WriteBackOptions:
        given = {name: getattr(self, name) for name in self.model_fields_set}
        for flag in ("write_nfo", "write_artwork", "overwrite_foreign_files"):
            if given.get(flag, True) is None:
                del given[flag]  # null means "as it is" for a flag
        return replace(options, **given)


class LibraryOut(BaseModel):
    id: int
    name: str
    kind: LibraryKind
    paths: list[str] | None = Field(
        description="The library's folders on the server; null unless the caller is an admin."
    )
    created_at: datetime
    prefer_local_artwork: bool = Field(
        description="Images beside the media (poster.jpg, fanart.jpg...) win over the "
        "provider's of the same kind; when false they only stand in where it has none."
    )
    write_back: WriteBackOut | None = Field(
        description="What the library writes beside its media; null unless the caller is an admin."
    )

    @classmethod
    def seen_by(cls, library: LibraryInfo, caller: Principal) -> LibraryOut:
        """The library as `caller` is shown it: its folders to an admin only."""
        return cls(
            id=library.id,
            name=library.name,
            kind=library.kind,
            paths=list(library.paths) if caller.sees_server_paths else None,
            created_at=library.created_at,
            prefer_local_artwork=library.prefer_local_artwork,
            write_back=WriteBackOut.of(library.write_back) if caller.sees_server_paths else None,
        )


class NewLibraryRequest(Body):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    kind: LibraryKind
    paths: list[PathText] = Field(min_length=1, max_length=100)


class LibraryChangeRequest(Body):
    """What to change of a library; fields left out stay as they are."""

    name: str | None = Field(None, min_length=1, max_length=200, pattern=NO_NUL)
    paths: list[PathText] | None = Field(None, min_length=1, max_length=100)
    prefer_local_artwork: bool | None = Field(
        None, description="Whether images beside the media win over the provider's."
    )
    write_back: WriteBackChange | None = None


SettingValue = Annotated[str, Field(max_length=4096, pattern=NO_NUL)] | bool | int | float | None


class SettingOut(BaseModel):
    key: str
    description: str
    #: A secret's value is never shown: `true` when it is set.
    value: SettingValue
    source: Source
    applied: Applied
    locked: bool
    secret: bool
    kind: str
    choices: list[str]
    restart_pending: bool


class SettingsChangeRequest(Body):
    """Settings to set (a value, or null to leave an optional one unset) and settings to return
    to the file's value or the default, all in one change."""

    set: dict[Annotated[str, Field(max_length=128)], SettingValue] = Field(
        default_factory=dict, max_length=100
    )
    reset: list[Annotated[str, Field(max_length=128)]] = Field(default_factory=list, max_length=100)
