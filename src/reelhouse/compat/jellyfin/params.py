"""Query parameters as Jellyfin reads them: names in any case (clients send `parentId` and
`ParentId`), lists comma-separated, unknown names ignored; a bad value of a known one is a
400 naming it (`MalformedRequestError`), never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from reelhouse.compat.jellyfin.ids import IdType, decode_id
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.errors import MalformedRequestError

#: Longest value of one parameter read; a longer one is no client's.
MAX_VALUE = 4096


class JellyfinQuery:
    """One request's query parameters, by lower-cased name (the last of repeated ones)."""

    def __init__(self, request: Request) -> None:
        self._values = {name.lower(): value for name, value in request.query_params.multi_items()}

    def text(self, name: str) -> str | None:
        value = self._values.get(name.lower())
        if value is None or not value.strip():
            return None
        if len(value) > MAX_VALUE or "\x00" in value:
            raise MalformedRequestError(f"{name} is not a value this server reads", field=name)
        return value.strip()

    def integer(self, name: str, *, minimum: int = 0) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 19:
            raise MalformedRequestError(f"{name} is a whole number, not {value!r}", field=name)
        number = int(value)
        if not minimum <= number <= MAX_BIGINT:
            raise MalformedRequestError(f"{name} is {minimum} or more, not {number}", field=name)
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            raise MalformedRequestError(f"{name} is true or false, not {value!r}", field=name)
        return value.lower() == "true"

    def names(self, name: str, separator: str = ",") -> list[str]:
        """A list parameter's values (Jellyfin also splits some on `|`)."""
        value = self.text(name)
        if value is None:
            return []
        return [part.strip() for part in value.split(separator) if part.strip()]

    def id(self, name: str, *wanted: IdType) -> tuple[IdType, int] | None:
        value = self.text(name)
        return decode_id(value, *wanted) if value is not None else None

    def ids(self, name: str, *wanted: IdType) -> list[int]:
        return [decode_id(part, *wanted)[1] for part in self.names(name)]


def documented(*names: str) -> dict[str, Any]:
    """A route's `openapi_extra`: the query parameters it reads (by the spelling Jellyfin's
    document gives; any case is read)."""
    return {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in names
        ]
    }
