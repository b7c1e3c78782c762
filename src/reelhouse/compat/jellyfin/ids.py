"""Jellyfin's ids for reelhouse's things: GUIDs made from reelhouse's own ids, reversible without
a lookup table, so every process and every restart gives (and reads back) the same ones.

Layout of the 32 hex digits: a fixed 12-digit namespace (so our ids are recognisably ours and
nobody else's GUID decodes by accident), a 4-digit type code, and the 64-bit row id in 16 digits.
Clients send ids dashed (`8-4-4-4-12`) and bare (32 digits); both are read, and ids are written
bare, as Jellyfin writes them in JSON.
"""

from __future__ import annotations

import re
from enum import IntEnum

from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.errors import MalformedRequestError, NotFoundError

#: "reelho" in hex: the first 12 digits of every id reelhouse gives out.
NAMESPACE = "7265656c686f"
_HEX = re.compile(r"[0-9a-f]{32}")


class IdType(IntEnum):
    """What an id names. The codes are part of the ids clients keep: never renumber them."""

    ITEM = 1
    LIBRARY = 2
    PERSON = 3
    USER = 4
    #: A file of an item (a version, or a part of one): a Jellyfin `MediaSourceInfo`.
    MEDIA_SOURCE = 5


def encode_id(kind: IdType, row_id: int) -> str:
    """The id of a reelhouse row, as Jellyfin writes ids in JSON: 32 digits, no dashes."""
    if not 0 < row_id <= MAX_BIGINT:
        raise ValueError(f"row id {row_id} is out of range")
    return f"{NAMESPACE}{kind.value:04x}{row_id:016x}"


def parse_id(text: str) -> tuple[IdType, int] | None:
    """The type and row id an id names, or None for anything that is not one of ours."""
    if not is_guid(text):
        return None
    digits = text.strip().lower().replace("-", "")
    if not digits.startswith(NAMESPACE):
        return None
    try:
        kind = IdType(int(digits[12:16], 16))
    except ValueError:
        return None
    row_id = int(digits[16:], 16)
    return (kind, row_id) if 0 < row_id <= MAX_BIGINT else None


def is_guid(text: str) -> bool:
    """Whether `text` is written as a GUID at all (dashed or 32 digits)."""
    digits = text.strip().lower()
    if len(digits) > 36:
        return False
    if "-" in digits:
        if [len(part) for part in digits.split("-")] != [8, 4, 4, 4, 12]:
            return False
        digits = digits.replace("-", "")
    return bool(_HEX.fullmatch(digits))


def decode_id(text: str, *wanted: IdType) -> tuple[IdType, int]:
    """The type and row id of an id naming one of `wanted`: 400 for text that is no GUID (as
    Jellyfin refuses it), 404 for a GUID that names nothing of ours of those types."""
    if not is_guid(text):
        raise MalformedRequestError(f"{text[:64]!r} is not an id (a GUID)", field="id")
    parsed = parse_id(text)
    if parsed is None or parsed[0] not in wanted:
        raise NotFoundError(f"no item has the id {text[:64]!r}")
    return parsed


def item_id(text: str) -> int:
    """The reelhouse item an id names (404 for anything else)."""
    return decode_id(text, IdType.ITEM)[1]
