"""A read the cache can hold, named by its key and dropped by its tags.

Read services hand these out instead of values, so that whoever presents a value (the API's
JSON, encoded and gzipped once) caches its own form of it under the same key and tags: a write
that drops the value drops every form of it at once, and a service never learns about forms.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    key: str
    tags: tuple[str, ...]
    load: Callable[[], Awaitable[T]]
