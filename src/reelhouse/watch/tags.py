"""The cache tag of one user's watch state, shared by every read made of it (the watch
service's own lists, and catalogue listings filtered or sorted by it)."""

from __future__ import annotations


def watch_user_tag(user_id: int) -> str:
    """Entries made of one user's watch state."""
    return f"watch:user:{user_id}"
