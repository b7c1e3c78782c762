"""`reelhouse.infra.cache`: the bounded two-tier cache (see `cache` for the whole picture)."""

from reelhouse.infra.cache.cache import MISS, Cache, CacheNamespace, Loader, Miss, get_or_load
from reelhouse.infra.cache.messages import Message

__all__ = ["MISS", "Cache", "CacheNamespace", "Loader", "Message", "Miss", "get_or_load"]
