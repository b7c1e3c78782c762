"""Language tags of subtitle names (``en``, ``eng``, ``pt-BR``, ``English``), from ISO 639.

Only ISO 639-1 codes, ISO 639-2 codes and the English names of those languages count: the full
ISO 639-3 list has thousands of three-letter codes that are also ordinary words.
"""

from __future__ import annotations

import re

import babelfish


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in babelfish.LANGUAGE_MATRIX:
        if not (row.alpha2 or row.alpha3b):
            continue
        tag = row.alpha2 or row.alpha3
        for key in (row.alpha3, row.alpha3b, row.alpha3t, row.name.lower()):
            if key:
                table.setdefault(key, tag)
        if row.alpha2:
            table[row.alpha2] = tag
    table.pop("und", None)
    return table


_TAGS = _table()
_REGION = re.compile(
    r"^(?P<lang>[a-z]{2,3})[-_](?P<region>[a-z]{2}|\d{3}|[a-z]{4})$", re.IGNORECASE
)


def language_tag(token: str) -> str | None:
    """The BCP 47 tag for ``token`` (``en``, ``pt-BR``, ``zh-Hant``), or None if it is not one."""
    lower = token.lower()
    tag = _TAGS.get(lower)
    if tag is not None:
        return tag
    match = _REGION.match(token)
    if match is None:
        return None
    base = _TAGS.get(match["lang"].lower())
    if base is None:
        return None
    region = match["region"]
    region = region.title() if len(region) == 4 else region.upper()
    return f"{base}-{region}"
