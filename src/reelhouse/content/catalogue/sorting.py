"""Sort keys that order titles the way people expect ("The Matrix" under M)."""

from __future__ import annotations

import re
import unicodedata

_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+(?=\S)", re.IGNORECASE)


def sort_title(title: str) -> str:
    """Case- and accent-insensitive key with a leading English article moved out of the way."""
    decomposed = unicodedata.normalize("NFKD", title.strip())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _LEADING_ARTICLE.sub("", plain).casefold()
