"""Where state is kept: the database, Redis, and the cache in front of them."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class DatabaseSettings(Section):
    url: str | None = Field(
        None,
        description="SQLAlchemy URL. Unset means SQLite at `<data_dir>/reelhouse.db`; use "
        "`postgresql+asyncpg://user:pass@host/db` for the scale-out.",
    )
    migrate_on_start: bool = Field(
        True, description="`reelhouse serve` applies pending migrations before it listens."
    )
    pool_size: PositiveInt = Field(10, description="PostgreSQL connections kept open per process.")
    max_overflow: int = Field(
        10, ge=0, description="PostgreSQL connections allowed beyond `pool_size` under load."
    )
    pool_timeout_s: PositiveFloat = Field(
        10.0, description="Seconds to wait for a free pooled connection before failing."
    )
    connect_timeout_s: PositiveFloat = Field(
        5.0, description="Seconds to wait when opening a database connection."
    )
    sqlite_busy_timeout_ms: PositiveInt = Field(
        30_000,
        description="Milliseconds SQLite waits on a locked database before failing: its one "
        "writer may be storing a long series while a job wants to record its progress.",
    )
    busy_retry_after_s: PositiveFloat = Field(
        1.0,
        description="What a request the database was too busy for is told to wait "
        "(`Retry-After` of its 503): about one request's worth.",
    )
    refresh_statistics: bool = Field(
        True,
        description="PostgreSQL: when a process starts, after each library scan and after "
        "`reelhouse db copy`, analyze the tables whose planner statistics are missing or older "
        "than autovacuum allows (what autovacuum would do on its next round, which may be "
        "minutes away, or never where it is turned off), and move the rows waiting in their GIN "
        "indexes' pending lists into the index. A table just written in bulk is otherwise "
        "planned as if it were empty. Off leaves it all to autovacuum. SQLite: no effect.",
    )
    copy_batch_size: PositiveInt = Field(
        5_000,
        description="Rows `reelhouse db copy` reads and writes at a time (its `--batch-size` "
        "overrides it): a few megabytes of memory, and one transaction each on the target.",
    )


class RedisSettings(Section):
    url: str | None = Field(
        None,
        description="Redis, Valkey or Dragonfly URL (`redis://host:6379/0`). Unset means one "
        "process with only the in-process cache.",
    )
    timeout_s: PositiveFloat = Field(
        0.25, description="Seconds any Redis call may take before the cache degrades to L1 only."
    )
    retry_after_s: PositiveFloat = Field(
        1.0,
        description="After a failed Redis call, seconds the cache stays L1-only before it tries "
        "Redis again (the pub/sub listener reconnects on the same rhythm).",
    )
    max_connections: PositiveInt = Field(
        50, description="Redis connections one process may open for cache reads and writes."
    )


class CacheNamespaceSettings(Section):
    max_entries: PositiveInt = Field(description="Bound of the in-process (L1) cache.")
    ttl_s: PositiveFloat = Field(description="Seconds an entry lives, in L1 and L2.")
    negative_ttl_s: PositiveFloat = Field(
        60.0, description="Seconds a remembered 'not found' lives."
    )
    requires_invalidation: bool = Field(
        False,
        description="Never answer from this process's L1 unless it hears every invalidation "
        "right now: while Redis is configured but unreachable, or the invalidation channel is "
        "lost and not yet back, reads of the namespace go to the database (the loader) and "
        "nothing is kept; when the channel is back, the namespace's L1 is cleared before it is "
        "used again. For entries that decide who may do what (on for `auth`).",
    )


def _default_cache_namespaces() -> dict[str, CacheNamespaceSettings]:
    return {
        "provider": CacheNamespaceSettings(max_entries=50_000, ttl_s=7 * 86_400),
        "provider_search": CacheNamespaceSettings(max_entries=20_000, ttl_s=86_400),
        "provider_config": CacheNamespaceSettings(max_entries=100, ttl_s=30 * 86_400),
        "catalogue": CacheNamespaceSettings(max_entries=100_000, ttl_s=3_600),
        "libraries": CacheNamespaceSettings(max_entries=10, ttl_s=10),
        "images": CacheNamespaceSettings(max_entries=50_000, ttl_s=86_400),
        "auth": CacheNamespaceSettings(
            max_entries=10_000, ttl_s=300, negative_ttl_s=10, requires_invalidation=True
        ),
        "watch": CacheNamespaceSettings(max_entries=50_000, ttl_s=3_600),
        "keyframes": CacheNamespaceSettings(max_entries=500, ttl_s=30 * 86_400),
    }


class CacheSettings(Section):
    ttl_jitter: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="Fraction of random spread taken off entry TTLs so keys written together "
        "do not expire together (a TTL is never longer than the namespace's `ttl_s`).",
    )
    namespaces: dict[str, CacheNamespaceSettings] = Field(
        default_factory=_default_cache_namespaces,
        description="Per-namespace bounds and TTLs: `provider` (provider details), "
        "`provider_search`, `provider_config` (provider configuration), `catalogue` (API "
        "reads), `libraries` (the list of libraries every client screen starts with; "
        "short-lived, so a library added by `reelhouse library add` beside a server that "
        "shares no Redis with it shows within seconds), `images` (image metadata), `auth` "
        "(usable tokens by their hash, so a request "
        "authenticates without a database read; a revocation, a deleted user or a change of "
        "a user's libraries drops them at once, in every process), `watch` (each user's "
        "Continue Watching, Next Up and unplayed counts, dropped by their writes and by "
        "changes of the items in them), `keyframes` (where each version of a file has "
        "keyframes, which a remux cuts at). Each has `max_entries` (the L1 bound), `ttl_s`, "
        "`negative_ttl_s` (of a remembered 'not found') and `requires_invalidation`: when on "
        "(the default for `auth`), the namespace is never answered from the L1 while this "
        "process cannot hear every invalidation (Redis configured but unreachable, or the "
        "invalidation channel lost and not yet back): its reads go to the database, and its L1 "
        "is cleared when the channel is back. A value given here is merged over the defaults: "
        "a namespace not named keeps its default, and a default namespace given in part "
        "keeps its other fields.",
    )
    key_prefix: str = Field(
        "reelhouse",
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="First part of every Redis key and of the invalidation channel, so several "
        "installations can share one Redis.",
    )
    schema_version: PositiveInt = Field(
        1,
        description="Version of the cached value layout, part of every Redis key: raise it when "
        "cached types change so an upgrade never reads an incompatible value.",
    )
    lock_ttl_s: PositiveFloat = Field(
        10.0,
        description="Seconds the cross-process fill lock lives if its holder never releases it "
        "(it crashed); longer than a slow loader call.",
    )
    lock_wait_s: PositiveFloat = Field(
        3.0,
        description="Seconds a process waits for another process's fill of the same key before "
        "it calls the loader itself.",
    )
    lock_poll_s: PositiveFloat = Field(
        0.005,
        description="First interval between checks for another process's fill; it doubles up "
        "to 10 times this value.",
    )
    version_ttl_s: PositiveFloat = Field(
        86_400.0,
        description="Seconds Redis keeps the per-key and per-tag invalidation counters; longer "
        "than any loader call.",
    )
    invalidation_memory: PositiveInt = Field(
        100_000,
        description="Recent invalidations (keys and tags) each process remembers to reject "
        "fills that raced them; past this bound the oldest is folded into one watermark "
        "(safe, at the price of extra misses).",
    )
    pending_invalidations: PositiveInt = Field(
        10_000,
        description="Invalidations kept while Redis is unreachable and sent when it is back; "
        "past this bound every process clears its L1 at recovery instead.",
    )
    pubsub_ping_s: PositiveFloat = Field(
        1.0,
        description="Seconds between heartbeats on the invalidation channel; a missed answer "
        "means the channel is lost, and the L1 is cleared when it is back.",
    )

    @field_validator("namespaces", mode="before")
    @classmethod
    def _merge_namespace_defaults(cls, value: Any) -> Any:
        """A partial `namespaces` (from the environment or the file) never drops a default."""
        if not isinstance(value, dict):
            return value
        merged: dict[str, Any] = {
            name: settings.model_dump() for name, settings in _default_cache_namespaces().items()
        }
        for name, given in value.items():
            if isinstance(given, CacheNamespaceSettings):
                given = given.model_dump()
            if isinstance(given, dict) and isinstance(merged.get(name), dict):
                merged[name] = {**merged[name], **given}
            else:
                merged[name] = given
        return merged
