"""Helpers shared by the naming tests."""

from __future__ import annotations

from typing import Any

from reelhouse.kinds import LibraryKind
from reelhouse.naming import identify


def check(
    path: str, expected: dict[str, Any], library: LibraryKind | None = None, root: str = ""
) -> None:
    """Every expected field has the expected value (absent fields must be absent: pass None)."""
    found = identify(path, library=library, root=root).to_json()
    got = {key: found.get(key) for key in expected}
    assert got == expected, f"{path!r}: {found}"
