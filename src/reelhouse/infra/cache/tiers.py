"""The two tiers of one process: an L1 store per namespace, and Redis when it is configured.

An L1 entry remembers the generation its fill started at and the names (key, tags) it can be
invalidated by, so that an invalidation which overtook the fill keeps its value out (see
`InvalidationLog`). Entries read from Redis are accepted here, into the L1, only when no newer
invalidation of theirs is known, here or still waiting to be sent.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from reelhouse.config import CacheNamespaceSettings, CacheSettings
from reelhouse.errors import ConfigError
from reelhouse.infra.cache.codec import (
    KIND_NEGATIVE,
    KIND_VALUE,
    Codec,
    decode_envelope,
    encode_envelope,
    is_immutable,
)
from reelhouse.infra.cache.l1 import NEGATIVE, Encoded, InvalidationLog, L1Store
from reelhouse.infra.cache.l2 import L2Unavailable, RedisTier
from reelhouse.infra.cache.metrics import CacheMetrics, NamespaceCounts
from reelhouse.infra.cache.pending import PendingInvalidations
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class Miss(enum.Enum):
    MISS = "miss"


MISS: Final = Miss.MISS
"""What `get` returns for a key the cache does not hold (None is a remembered 'not found')."""


def key_name(namespace: str, key: str) -> str:
    """The name an invalidation of one key is recorded under."""
    return f"k\x00{namespace}\x00{key}"


def tag_name(tag: str) -> str:
    """The name an invalidation of a tag is recorded under."""
    return f"t\x00{tag}"


@dataclass(slots=True)
class Namespace:
    name: str
    settings: CacheNamespaceSettings
    store: L1Store
    counts: NamespaceCounts
    # On while the namespace requires invalidation and this process cannot hear it: reads
    # skip the L1 (and Redis) and call the loader, and nothing is kept (see `ChannelHealth`).
    bypass: bool = False
    # Fills that started before this generation are not kept: the namespace was cleared when
    # the invalidation channel came back, and they may hold what it missed.
    floor: int = 0


class Tiers:
    def __init__(
        self,
        settings: CacheSettings,
        metrics: CacheMetrics,
        l2: RedisTier | None,
        pending: PendingInvalidations,
    ) -> None:
        self.spaces: dict[str, Namespace] = {
            name: Namespace(name, ns, L1Store(ns.max_entries), metrics.namespace(name))
            for name, ns in settings.namespaces.items()
        }
        metrics.stores = {name: space.store for name, space in self.spaces.items()}
        self.guarded = [
            space for space in self.spaces.values() if space.settings.requires_invalidation
        ]
        horizon = max(
            (max(ns.ttl_s, ns.negative_ttl_s) for ns in settings.namespaces.values()),
            default=0.0,
        )
        self.log = InvalidationLog(settings.invalidation_memory, horizon)
        self.l2 = l2
        self._jitter = settings.ttl_jitter
        self._pending = pending
        # Keys with a fill (a loader call or a Redis read) running: only those need a record of
        # their invalidation, to keep that fill out of the L1 (other entries are just deleted).
        self._filling: dict[tuple[str, str], int] = {}

    def space(self, name: str) -> Namespace:
        try:
            return self.spaces[name]
        except KeyError:
            raise ConfigError(
                f"cache namespace {name!r} is not configured (cache.namespaces)"
            ) from None

    # -- fills -------------------------------------------------------------------------------

    def begin_fill(self, namespace: str, key: str) -> int:
        filling = self._filling
        fill_key = (namespace, key)
        filling[fill_key] = filling.get(fill_key, 0) + 1
        return self.log.begin()

    def end_fill(self, namespace: str, key: str, generation: int) -> None:
        self.log.end(generation)
        fill_key = (namespace, key)
        left = self._filling[fill_key] - 1
        if left:
            self._filling[fill_key] = left
        else:
            del self._filling[fill_key]

    # -- the L1 ------------------------------------------------------------------------------

    def lookup_l1(self, space: Namespace, key: str, codec: Codec[Any]) -> Any:
        if space.bypass:
            space.counts.bypassed += 1
            return MISS
        entry, ok = space.store.get(key)
        if ok:
            payload, generation, names = entry  # type: ignore[misc]
            log_ = self.log
            if generation >= log_.floor and (not names or not log_.is_stale(generation, names)):
                space.counts.l1_hits += 1
                # `materialize`, inlined: this runs on every L1 hit.
                if payload is NEGATIVE:
                    return None
                if type(payload) is Encoded:
                    return codec.decode(payload.data)
                return payload
            space.store.delete(key)
        space.counts.l1_misses += 1
        return MISS

    @staticmethod
    def materialize(payload: Any, codec: Codec[Any]) -> Any:
        if payload is NEGATIVE:
            return None
        if type(payload) is Encoded:
            return codec.decode(payload.data)
        return payload

    def ttl_s(self, space: Namespace, negative: bool) -> float:
        base = space.settings.negative_ttl_s if negative else space.settings.ttl_s
        return base * (1.0 - self._jitter * random.random())  # noqa: S311 - not cryptographic

    def store_l1(
        self,
        space: Namespace,
        key: str,
        payload: Any,
        generation: int,
        tag_names: tuple[str, ...],
        check: tuple[str, ...],
        ttl_s: float,
    ) -> None:
        if self.log.is_stale(generation, check):
            space.counts.stale_fills += 1
            return
        if space.bypass or generation < space.floor:
            return
        if ttl_s > 0:
            space.store.set(key, (payload, generation, tag_names), ttl_s)

    def write_l1(
        self, space: Namespace, key: str, payload: Any, tags: tuple[str, ...], ttl_s: float
    ) -> None:
        """Store an explicitly set value; the fills of the key running now will not be."""
        if (space.name, key) in self._filling:
            generation = self.log.record((key_name(space.name, key),))
        else:
            generation = self.log.generation
        tag_names = tuple(tag_name(tag) for tag in tags)
        self.store_l1(space, key, payload, generation, tag_names, (), ttl_s)

    def drop(self, keys: Iterable[tuple[str, str]], tags: Iterable[str]) -> None:
        """Drop keys from the L1, and keep the running fills of the keys and tags out of it."""
        keys = list(keys)
        filling = self._filling
        names = [key_name(ns, key) for ns, key in keys if (ns, key) in filling]
        names += [tag_name(tag) for tag in tags]
        if names:
            self.log.record(names)
        for ns, key in keys:
            space = self.spaces.get(ns)
            if space is not None:
                space.store.delete(key)

    def clear_l1(self) -> None:
        """Forget everything in this process's L1; running fills will not be stored."""
        self.log.raise_floor()
        for space in self.spaces.values():
            space.store.clear()

    def bypass_guarded(self) -> None:
        """This process may miss invalidations from now on: the namespaces that require them
        are not served from the L1 (nor kept in it) until `resume_guarded`."""
        for space in self.guarded:
            space.bypass = True

    def resume_guarded(self) -> None:
        """This process hears every invalidation again: the namespaces that require them
        start over empty, and no fill that started before is kept."""
        floor = self.log.advance()
        for space in self.guarded:
            space.floor = floor
            space.store.clear()
            space.bypass = False

    def close(self) -> None:
        for space in self.spaces.values():
            space.store.close()

    # -- both tiers --------------------------------------------------------------------------

    def prepare(
        self, value: Any, codec: Codec[Any], tags: tuple[str, ...]
    ) -> tuple[Any, bytes | None]:
        """The L1 payload of a value, and its L2 envelope when there is an L2."""
        if value is None:
            payload: Any = NEGATIVE
            data = encode_envelope(KIND_NEGATIVE, tags, None) if self.l2 else None
            return payload, data
        if is_immutable(value):
            encoded = codec.encode(value) if self.l2 else None
            payload = value
        else:
            encoded = codec.encode(value)
            payload = Encoded(encoded)
        data = encode_envelope(KIND_VALUE, tags, encoded) if encoded is not None else None
        return payload, data

    def accept_l2(
        self,
        space: Namespace,
        key: str,
        data: bytes,
        pttl_ms: int,
        codec: Codec[Any],
        generation: int,
    ) -> Any:
        """Decode an entry read from Redis and keep it in the L1; None when it cannot be used."""
        try:
            envelope = decode_envelope(data)
            if envelope.kind == KIND_NEGATIVE:
                payload: Any = NEGATIVE
            else:
                value = codec.decode(envelope.payload)
                payload = value if is_immutable(value) else Encoded(bytes(envelope.payload))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning(
                "cache entry in Redis cannot be decoded; treated as a miss",
                namespace=space.name,
                key=key,
                error=str(exc),
            )
            return None
        if self._pending.blocks(space.name, key, envelope.tags):
            return None
        space.counts.l2_hits += 1
        negative = payload is NEGATIVE
        ttl_s = pttl_ms / 1000 if pttl_ms > 0 else self.ttl_s(space, negative)
        tag_names = tuple(tag_name(tag) for tag in envelope.tags)
        self.store_l1(
            space,
            key,
            payload,
            generation,
            tag_names,
            (key_name(space.name, key), *tag_names),
            ttl_s,
        )
        return payload

    async def read(self, space: Namespace, key: str, codec: Codec[Any]) -> Any:
        """The L1, then Redis: the value, None ('not found'), or MISS."""
        found = self.lookup_l1(space, key, codec)
        l2 = self.l2
        if found is not MISS or l2 is None or space.bypass:
            return found
        generation = self.begin_fill(space.name, key)
        try:
            try:
                data, pttl, _ = await l2.lookup(l2.keys.entry(space.name, key), ())
            except L2Unavailable:
                return MISS
            if data is None or pttl == -2:
                space.counts.l2_misses += 1
                return MISS
            payload = self.accept_l2(space, key, data, pttl, codec, generation)
            return MISS if payload is None else self.materialize(payload, codec)
        finally:
            self.end_fill(space.name, key, generation)
