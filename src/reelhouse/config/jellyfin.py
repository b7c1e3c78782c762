"""The Jellyfin-compatible API (`docs/jellyfin.md`)."""

from __future__ import annotations

from pydantic import Field

from reelhouse.config.base import PositiveInt, Section


class JellyfinSettings(Section):
    server_name: str = Field(
        "reelhouse",
        min_length=1,
        max_length=100,
        description="The server's name as Jellyfin clients show it.",
    )
    server_id: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{32}$",
        description="The server's id (32 lower-case hex digits) as Jellyfin clients know it; "
        "unset, it is derived from the database URL. Set it when processes reach one "
        "database by different URLs, so clients see one server.",
    )
    max_page_size: PositiveInt = Field(
        500,
        description="Most items one Jellyfin listing answers with; a larger `Limit` gets "
        "this many (clients page on by `StartIndex` and `TotalRecordCount`).",
    )
    default_page_size: PositiveInt = Field(
        100, description="Items a Jellyfin listing answers with when the client sends no `Limit`."
    )
    latest_max_items: PositiveInt = Field(
        500,
        description="Most of the newest items `Items/Latest` reads to find `Limit` to answer "
        "with (the episodes of a series make one, the series): where the newest are many "
        "episodes of few series, it answers with fewer.",
    )
    public_images: bool = Field(
        True,
        description="Serve item artwork without a token, as Jellyfin does (clients load "
        "images by plain URLs, often without credentials); off, images need a token and "
        "follow the caller's library access.",
    )
