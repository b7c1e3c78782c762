"""`reelhouse.infra.cache`: the bounded two-tier cache (see `cache` for the whole picture)."""

from reelhouse.infra.cache.cache import Cache, CacheNamespace, get_or_load
from reelhouse.infra.cache.fills import Loader
from reelhouse.infra.cache.messages import Message
from reelhouse.infra.cache.read import Read
from reelhouse.infra.cache.tiers import MISS, Miss

__all__ = ["MISS", "Cache", "CacheNamespace", "Loader", "Message", "Miss", "Read", "get_or_load"]
