"""Per-user watch state at scale: Continue Watching and Next Up latency, progress writes per second.

Seeds, through SQLAlchemy core (one INSERT compiled once and executed for chunks of 1,000 rows;
a multi-row VALUES is compiled anew per chunk, which costs more than the database's work), an
`--items` catalogue: `--movies` (a share) movies, the rest series of `--seasons` seasons of
`--episodes` episodes; every movie and episode linked to a media file, present but for
`--missing-files` of the episodes (not there yet: Next Up and Continue Watching skip them).
Then `--users` users. User 1 is the heavy user: `--heavy-series` series, each played from its
first episode up to a random one (about 25 of 50: some 12,500 episodes played), all within Next
Up's age limit, a few episodes and movies in progress, 300 movies played. Every other user
follows 2 to 8 series of a popularity-skewed choice (played up to some point, the next episode
sometimes in progress; some left longer ago than Next Up's age limit), has up to 4 movies in
progress and up to 20 played. Each played item is in the history.

Reads go through `WatchService` in-process (the layer the targets are about), as a plain user
granted both libraries, limit 20. Cold: the call right after `cache.clear_l1()`, with no Redis
configured, so the service finds nothing cached (the database's own buffers stay warm: this is
a cold application cache, not a cold disk). Warm: the same calls again, answered from the L1.
The garbage collector's full collections during the cold calls are counted beside them: each
pauses the call it lands in.

Writes: `--players` players (one per user, each in a movie of its own) call `report_progress` in
a loop as fast as it returns, for `--write-duration` s; then, for each of `--rhythm-players`,
that many players each report every `--rhythm-interval` s (from random offsets) for
`--rhythm-duration` s: 1,000 players are 100 reports/s, 20,000 are the target's 2,000/s.
Counted: reports acknowledged (a reply means stored) per second of the whole run (reports still
waiting at the end are waited for), their latency, transactions, errors. Baseline, in the same
run: the same players through the same service, each report written in a transaction of its
own (the service's batch write called with that report alone: no group commit). After each
run, every player's last acknowledged position must be the stored one; the others are counted
as lost updates.

    python bench/watch_state.py [--items 100000] [--users 1000] [--backend both]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, text

from _postgres import throwaway_postgres
from reelhouse.config import DatabaseSettings, LogSettings, Settings, WatchSettings
from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.errors import DatabaseUnavailableError
from reelhouse.infra.cache import Cache
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.logging import configure_logging
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.libraries.models import FileState, Library, MediaFile
from reelhouse.users.models import User, UserLibrary
from reelhouse.watch.batching import GroupCommit
from reelhouse.watch.models import WatchEvent, WatchState
from reelhouse.watch.repository import WatchRepository
from reelhouse.watch.service import ProgressReport, WatchService

CHUNK = 1_000  # rows per INSERT: 15 columns stay far under both drivers' parameter limits
LIMIT = 20  # the API's default list size
EPISODE_MINUTES = 45
HEAVY_USER = 1


def table(model: type[Any]) -> Table:
    found: Table = model.__table__
    return found


# ---- the catalogue and the users' state ------------------------------------------------------


@dataclass
class Catalogue:
    movies_library: int
    tv_library: int
    movies: list[int] = field(default_factory=list)
    #: per series: its id, and its episodes' ids in aired order
    series: list[tuple[int, list[int]]] = field(default_factory=list)
    items: int = 0
    media_files: int = 0
    episodes_without_file: int = 0


@dataclass
class Seeded:
    catalogue: Catalogue
    users: list[int]
    watch_states: int
    history: int
    heavy: dict[str, int]
    typical: dict[str, float]
    seconds: dict[str, float]


async def insert_all(database: Database, target: Table, rows: Sequence[dict[str, Any]]) -> None:
    """`rows` into `target` in one transaction, `CHUNK` rows per INSERT."""
    async with database.transaction() as session:
        for first in range(0, len(rows), CHUNK):
            await session.execute(target.insert(), list(rows[first : first + CHUNK]))


async def seed_catalogue(database: Database, args: argparse.Namespace) -> Catalogue:
    rng = random.Random(args.seed)
    now = utcnow()
    async with database.transaction() as session:
        movies_lib = Library(name="Movies", kind=LibraryKind.MOVIES, settings={})
        tv_lib = Library(name="TV", kind=LibraryKind.TV, settings={})
        session.add_all([movies_lib, tv_lib])
        await session.flush()
    catalogue = Catalogue(movies_lib.id, tv_lib.id)
    items: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []

    def item(kind: ItemKind, library: int, name: str, **values: Any) -> int:
        item_id = len(items) + 1
        row: dict[str, Any] = {
            "id": item_id, "kind": kind, "library_id": library, "parent_id": None,
            "series_id": None, "title": name, "sort_title": sort_title(name), "year": None,
            "runtime_minutes": None, "index_number": None, "parent_index_number": None,
            "other_ids": {}, "locked_fields": [], "added_at": now, "updated_at": now,
        }  # fmt: skip
        row.update(values)
        items.append(row)
        return item_id

    def media_file(library: int, item_id: int, path: str, state: FileState) -> None:
        file_id = len(files) + 1
        files.append({
            "id": file_id, "library_id": library, "path": path, "path_bytes": path.encode(),
            "size": 1_500_000_000, "mtime_ns": 1, "inode": file_id, "device": 1,
            "container": "mkv", "state": state,
            "missing_since": now if state != FileState.PRESENT else None, "identity": None,
            "first_seen_at": now, "updated_at": now,
        })  # fmt: skip
        links.append(
            {"media_file_id": file_id, "item_id": item_id, "extra_type": None, "part": None}
        )

    movies = round(args.items * args.movies)
    for n in range(movies):
        name = f"Movie {n}"
        movie = item(
            ItemKind.MOVIE, movies_lib.id, name, year=1930 + n % 95, runtime_minutes=80 + n % 70
        )
        catalogue.movies.append(movie)
        media_file(movies_lib.id, movie, f"/m/{name}/{name}.mkv", FileState.PRESENT)
    per_series = 1 + args.seasons * (1 + args.episodes)
    for s in range((args.items - movies) // per_series):
        name = f"Series {s}"
        series = item(ItemKind.SERIES, tv_lib.id, name, year=1960 + s % 65)
        episodes: list[int] = []
        for season_number in range(1, args.seasons + 1):
            season = item(
                ItemKind.SEASON, tv_lib.id, f"Season {season_number}",
                parent_id=series, index_number=season_number,
            )  # fmt: skip
            for number in range(1, args.episodes + 1):
                episode = item(
                    ItemKind.EPISODE, tv_lib.id, f"{name} {season_number}x{number:02}",
                    parent_id=season, series_id=series, index_number=number,
                    parent_index_number=season_number, runtime_minutes=EPISODE_MINUTES,
                )  # fmt: skip
                episodes.append(episode)
                missing = rng.random() < args.missing_files
                catalogue.episodes_without_file += missing
                state = FileState.MISSING if missing else FileState.PRESENT
                path = f"/tv/{name}/S{season_number:02}E{number:02}.mkv"
                media_file(tv_lib.id, episode, path, state)
        catalogue.series.append((series, episodes))
    await insert_all(database, table(Item), items)
    await insert_all(database, table(MediaFile), files)
    await insert_all(database, table(MediaFileItem), links)
    catalogue.items, catalogue.media_files = len(items), len(files)
    return catalogue


def state_row(user: int, item: int, **values: Any) -> dict[str, Any]:
    row = {
        "user_id": user, "item_id": item, "position_ms": None, "position_at": None,
        "played": False, "play_count": 0, "last_played_at": None, "favourite": False,
        "rating": None, "updated_at": utcnow(),
    }  # fmt: skip
    row.update(values)
    return row


class States:
    """The state rows of every user, built in memory and inserted at once."""

    def __init__(self, catalogue: Catalogue, now: datetime) -> None:
        self.catalogue = catalogue
        self.now = now
        self.rows: dict[tuple[int, int], dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []

    def played(self, user: int, item: int, at: datetime) -> None:
        self.rows[(user, item)] = state_row(
            user, item, played=True, play_count=1, last_played_at=at
        )
        self.history.append({"user_id": user, "item_id": item, "played_at": at})

    def in_progress(self, user: int, item: int, minutes: int, at: datetime, share: float) -> None:
        position = round(minutes * 60_000 * share)
        self.rows[(user, item)] = state_row(user, item, position_ms=position, position_at=at)

    def series(
        self, user: int, episodes: list[int], played: int, days_ago: float, resume: bool
    ) -> None:
        """Episodes played in order up to `played`, the last one `days_ago`, one a day before;
        the next one in progress when `resume`."""
        last = self.now - timedelta(days=days_ago)
        for n, episode in enumerate(episodes[:played]):
            self.played(user, episode, last - timedelta(days=played - 1 - n))
        if resume and played < len(episodes):
            at = last + timedelta(minutes=50)
            self.in_progress(user, episodes[played], EPISODE_MINUTES, at, 0.4)

    def movies(self, user: int, rng: random.Random, in_progress: int, played: int) -> None:
        chosen = rng.sample(self.catalogue.movies, in_progress + played)
        for movie in chosen[:in_progress]:
            at = self.now - timedelta(hours=rng.uniform(1, 24 * 60))
            self.in_progress(user, movie, 80, at, rng.uniform(0.1, 0.8))
        for movie in chosen[in_progress:]:
            self.played(user, movie, self.now - timedelta(days=rng.uniform(0, 700)))


async def seed_users(
    database: Database, catalogue: Catalogue, args: argparse.Namespace
) -> tuple[list[int], States]:
    rng = random.Random(args.seed + 1)
    now = utcnow()
    users = [
        {
            "id": u,
            "username": f"user{u}",
            "username_key": f"user{u}",
            "password_hash": "not a hash: nobody logs in",
            "is_admin": False,
            "created_at": now,
            "updated_at": now,
        }
        for u in range(1, args.users + 1)
    ]
    ids = list(range(1, args.users + 1))
    await insert_all(database, table(User), users)
    grants = [
        {"user_id": u["id"], "library_id": library}
        for u in users
        for library in (catalogue.movies_library, catalogue.tv_library)
    ]
    await insert_all(database, table(UserLibrary), grants)
    states = States(catalogue, now)
    series = catalogue.series
    # The heavy user: many series, each somewhere between its first and its last episode.
    for _, episodes in rng.sample(series, min(args.heavy_series, len(series))):
        played = rng.randint(1, len(episodes))
        states.series(HEAVY_USER, episodes, played, rng.uniform(0, 300), rng.random() < 0.05)
    states.movies(HEAVY_USER, rng, 10, 300)
    # Typical users: a few series, popular ones more often (Zipf-like), a few movies.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(series))]
    for user in range(2, args.users + 1):
        followed: dict[int, list[int]] = {}
        wanted = rng.randint(2, 8)
        while len(followed) < min(wanted, len(series)):
            series_id, episodes = rng.choices(series, weights)[0]
            followed[series_id] = episodes
        for episodes in followed.values():
            played = min(len(episodes), rng.randint(1, 30))
            days_ago = rng.expovariate(1 / 90)  # some beyond Next Up's age limit
            states.series(user, episodes, played, days_ago, rng.random() < 0.4)
        states.movies(user, rng, rng.randint(0, 4), rng.randint(0, 20))
    await insert_all(database, table(WatchState), list(states.rows.values()))
    await insert_all(database, table(WatchEvent), states.history)
    return ids, states


async def seed(database: Database, args: argparse.Namespace) -> Seeded:
    began = time.perf_counter()
    catalogue = await seed_catalogue(database, args)
    catalogue_s = time.perf_counter() - began
    users, states = await seed_users(database, catalogue, args)
    if database.backend == "postgresql":  # rows were given their ids: move the sequences on
        async with database.transaction() as session:
            for name in ("items", "media_files", "users"):
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                await session.execute(text(f"SELECT setval({sequence}, max(id)) FROM {name}"))
    async with database.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    total_s = time.perf_counter() - began
    heavy = [key for key in states.rows if key[0] == HEAVY_USER]
    per_user = Counter(user for user, _ in states.rows)
    played_per_user = Counter(entry["user_id"] for entry in states.history)
    typical = [u for u in users if u != HEAVY_USER]
    return Seeded(
        catalogue=catalogue,
        users=users,
        watch_states=len(states.rows),
        history=len(states.history),
        heavy={
            "watch_states": len(heavy),
            "played": played_per_user[HEAVY_USER],
            "in_progress": sum(1 for k in heavy if states.rows[k]["position_ms"] is not None),
        },
        typical={
            "mean_watch_states": round(statistics.mean(per_user[u] for u in typical), 1),
            "mean_played": round(statistics.mean(played_per_user[u] for u in typical), 1),
        },
        seconds={"catalogue": round(catalogue_s, 1), "total": round(total_s, 1)},
    )


# ---- reads ----------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def summary(samples_ms: list[float]) -> dict[str, Any]:
    ordered = sorted(samples_ms)
    return {
        "calls": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
        "max_ms": round(ordered[-1], 2),
    }


Call = Callable[[int], Awaitable[tuple[Any, ...]]]


class FullCollections:
    """The garbage collector's full (generation 2) collections while it is registered: they
    pause the process, and land in whichever call allocates past the threshold."""

    def __init__(self) -> None:
        self.count = 0
        self.ms = 0.0
        self._began: float | None = None

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        elif self._began is not None:
            self.count += 1
            self.ms += (time.perf_counter() - self._began) * 1000

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def summary(self) -> dict[str, Any]:
        return {"collections": self.count, "ms": round(self.ms, 1)}


async def timed(
    cache: Cache, call: Call, users: Sequence[int], *, cold: bool
) -> tuple[list[float], int]:
    """Each of `users` in turn: the call's time in ms (after emptying the L1 when `cold`), and
    the number of items the calls returned."""
    samples: list[float] = []
    returned = 0
    for user in users:
        if cold:
            cache.clear_l1()
        began = time.perf_counter()
        found = await call(user)
        samples.append((time.perf_counter() - began) * 1000)
        returned += len(found)
    return samples, returned


async def bench_reads(
    cache: Cache,
    service: WatchService,
    visible: frozenset[int],
    seeded: Seeded,
    args: argparse.Namespace,
) -> dict[str, Any]:
    rng = random.Random(args.seed + 2)
    typical = rng.sample([u for u in seeded.users if u != HEAVY_USER], args.typical_users)
    calls: dict[str, Call] = {
        "continue_watching": lambda u: service.continue_watching(u, visible, LIMIT),
        "next_up": lambda u: service.next_up(u, visible, LIMIT),
    }
    results: dict[str, Any] = {}
    for name, call in calls.items():
        # One call first, of a user outside the samples: SQLAlchemy compiles each statement
        # once per process, which is no part of a cold read.
        await timed(cache, call, [u for u in seeded.users if u not in typical][-1:], cold=True)
        for who, users in (("heavy", [HEAVY_USER] * args.cold_repeats), ("typical", typical)):
            with FullCollections() as collections:
                cold, returned = await timed(cache, call, users, cold=True)
            await timed(cache, call, users, cold=False)  # every one cached
            repeat = max(1, args.warm_calls // len(users))
            warm, _ = await timed(cache, call, users * repeat, cold=False)
            results[f"{name}_{who}"] = {
                "cold": {**summary(cold), "full_gc_during": collections.summary()},
                "warm": summary(warm),
                "mean_items_returned": round(returned / len(users), 1),
            }
    return results


# ---- writes ---------------------------------------------------------------------------------


class CountedCommit(GroupCommit[tuple[int, int], ProgressReport]):
    """The service's group commit, counting its transactions; with `batched` false, each report
    is written at once in a transaction of its own (the baseline)."""

    def __init__(
        self,
        write: Callable[[list[ProgressReport]], Awaitable[Mapping[tuple[int, int], Exception]]],
        settings: WatchSettings,
        *,
        batched: bool,
    ) -> None:
        self.batches: list[int] = []

        async def counted(
            reports: list[ProgressReport],
        ) -> Mapping[tuple[int, int], Exception]:
            self.batches.append(len(reports))
            return await write(reports)

        super().__init__(
            counted,
            window_s=settings.progress_batch_window_s,
            max_batch=settings.progress_batch_max,
        )
        self.batched = batched

    async def submit(self, key: tuple[int, int], value: ProgressReport) -> None:
        if self.batched:
            await super().submit(key, value)
        else:
            refused = await self._write([value])
            if key in refused:
                raise refused[key]


@dataclass
class Player:
    user: int
    item: int
    reports: int = 0
    #: the last position acknowledged (stored), in ms
    last_ms: int | None = None


def position_s(player: int, report: int) -> int:
    """600 s to 4,190 s: past 5 % of the longest film (149 minutes), before 90 % of the
    shortest (80 minutes), so a resume point as reported, which must be stored as it is."""
    return 600 + (player * 7 + report) % 360 * 10


async def run_players(
    service: WatchService,
    visible: frozenset[int],
    players: list[Player],
    *,
    duration_s: float,
    interval_s: float | None,
) -> dict[str, Any]:
    """Every player reporting until `duration_s` is over: as fast as answered, or one report
    every `interval_s` from a random offset."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    rng = random.Random(7)
    began = time.perf_counter()
    deadline = began + duration_s
    late = 0

    async def play(n: int, player: Player) -> None:
        nonlocal late
        due = began + (rng.uniform(0, interval_s) if interval_s else 0.0)
        while True:
            if interval_s:
                await asyncio.sleep(max(0.0, min(due, deadline) - time.perf_counter()))
            start = time.perf_counter()
            if start >= deadline:
                return
            seconds = position_s(n, player.reports)
            try:
                await service.report_progress(
                    player.user, visible, player.item, seconds, stopped=False
                )
            except DatabaseUnavailableError:
                errors["database_unavailable"] += 1
            else:
                player.last_ms = seconds * 1000
                latencies.append((time.perf_counter() - start) * 1000)
            player.reports += 1
            if interval_s:
                due += interval_s
                if time.perf_counter() > due:
                    late += 1
                    due = time.perf_counter()

    cpu = time.process_time()
    await asyncio.gather(*(play(n, p) for n, p in enumerate(players)))
    wall = time.perf_counter() - began
    cpu_s = time.process_time() - cpu
    stored = len(latencies)
    found: dict[str, Any] = {
        "wall_s": round(wall, 1),
        "reports_stored": stored,
        "reports_per_s": round(stored / wall, 1),
        "errors": dict(errors),
        **{k: v for k, v in summary(latencies).items() if k != "calls"},
        "process_cpu": round(cpu_s / wall, 2),
    }
    if interval_s:
        found["offered_per_s"] = round(len(players) / interval_s, 1)
        found["reports_late"] = late
    return found


async def lost_updates(database: Database, players: list[Player]) -> int:
    """Players whose stored position is not the last one acknowledged."""
    async with database.read() as session:
        stored = await WatchRepository(session).states_of_users([(p.user, p.item) for p in players])
    lost = 0
    for player in players:
        if player.last_ms is None:
            continue
        state = stored.get((player.user, player.item))
        if state is None or state.position_ms != player.last_ms:
            lost += 1
    return lost


async def bench_writes(
    database: Database,
    cache: Cache,
    settings: WatchSettings,
    visible: frozenset[int],
    seeded: Seeded,
    args: argparse.Namespace,
) -> dict[str, Any]:
    users, movies = seeded.users, seeded.catalogue.movies
    results: dict[str, Any] = {}
    scenarios = [("as_fast_as_answered", args.players, args.write_duration, None)]
    scenarios += [
        (f"rhythm_{count}_players", count, args.rhythm_duration, args.rhythm_interval)
        for count in args.rhythm_players
    ]
    for scenario, count, duration, interval in scenarios:
        if count > math.lcm(len(users), len(movies)):
            raise SystemExit(f"{count} players need more distinct (user, movie) pairs")
        runs: dict[str, Any] = {
            "players": count,
            "duration_s": duration,
            "interval_s": interval,
        }
        for name, batched in (("group_commit", True), ("one_transaction_per_report", False)):
            service = WatchService(database, cache, settings)
            commit = CountedCommit(service._write_progress, settings, batched=batched)
            service._progress = commit
            players = [Player(users[n % len(users)], movies[n % len(movies)]) for n in range(count)]
            load = os.getloadavg()[0]
            run = await run_players(
                service, visible, players, duration_s=duration, interval_s=interval
            )
            run["transactions"] = len(commit.batches)
            run["mean_reports_per_transaction"] = round(
                sum(commit.batches) / max(1, len(commit.batches)), 1
            )
            run["lost_updates"] = await lost_updates(database, players)
            run["loadavg_1m_before"] = round(load, 2)
            runs[name] = run
        group, single = runs["group_commit"], runs["one_transaction_per_report"]
        runs["speedup"] = round(group["reports_per_s"] / max(1e-9, single["reports_per_s"]), 2)
        results[scenario] = runs
    return results


# ---- one backend ----------------------------------------------------------------------------


async def bench_backend(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as folder:
        settings = Settings(data_dir=Path(folder), database=DatabaseSettings(url=url))
        database = Database.from_url(url, settings.database)
        cache = Cache(settings.cache, None)  # no Redis: clear_l1 empties the whole cache
        await cache.start()
        try:
            load_start = os.getloadavg()
            await migrate.upgrade(database)
            seeded = await seed(database, args)
            visible = frozenset({seeded.catalogue.movies_library, seeded.catalogue.tv_library})
            service = WatchService(database, cache, settings.watch)
            reads = await bench_reads(cache, service, visible, seeded, args)
            writes = await bench_writes(database, cache, settings.watch, visible, seeded, args)
            catalogue = seeded.catalogue
            return {
                "backend": backend,
                "seed_s": seeded.seconds,
                "catalogue": {
                    "items": catalogue.items,
                    "movies": len(catalogue.movies),
                    "series": len(catalogue.series),
                    "episodes": sum(len(e) for _, e in catalogue.series),
                    "media_files": catalogue.media_files,
                    "episodes_without_present_file": catalogue.episodes_without_file,
                },
                "users": {
                    "count": len(seeded.users),
                    "watch_states": seeded.watch_states,
                    "history": seeded.history,
                    "heavy": seeded.heavy,
                    "typical": seeded.typical,
                },
                "reads": reads,
                "progress": writes,
                "loadavg_start": [round(x, 2) for x in load_start],
                "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            }
        finally:
            await cache.close()
            await database.close()


def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging(LogSettings(level="warning"))  # to stderr: stdout is the JSON
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="bench-watch-db-") as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                results.append(asyncio.run(bench_backend(backend, url, args)))
        else:
            name = f"bench_watch_{uuid.uuid4().hex[:12]}"
            url = asyncio.run(throwaway_postgres(args.postgres, name))
            try:
                results.append(asyncio.run(bench_backend(backend, url, args)))
            finally:
                asyncio.run(throwaway_postgres(args.postgres, name, drop=True))
    settings = WatchSettings()
    return {
        "items": args.items,
        "users": args.users,
        "heavy_series": args.heavy_series,
        "limit": LIMIT,
        "cold": "cache.clear_l1() before each call, no Redis (database buffers warm)",
        "warm": "the same calls again, answered from the L1",
        "progress_batch_window_s": settings.progress_batch_window_s,
        "progress_batch_max": settings.progress_batch_max,
        "cpus": os.cpu_count(),
        "results": results,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--movies", type=float, default=0.4, help="share of items that are movies")
    parser.add_argument("--seasons", type=int, default=5, help="seasons per series")
    parser.add_argument("--episodes", type=int, default=10, help="episodes per season")
    parser.add_argument(
        "--missing-files", type=float, default=0.02, help="share of episodes without a file"
    )
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--heavy-series", type=int, default=500)
    parser.add_argument("--typical-users", type=int, default=200, help="sampled for the reads")
    parser.add_argument(
        "--cold-repeats", type=int, default=100, help="cold calls of the heavy user"
    )
    parser.add_argument("--warm-calls", type=int, default=2_000)
    parser.add_argument("--players", type=int, default=1_000, help="reporting as fast as answered")
    parser.add_argument("--write-duration", type=float, default=10.0)
    parser.add_argument(
        "--rhythm-players",
        type=int,
        nargs="*",
        default=[1_000, 20_000],
        help="players reporting every --rhythm-interval s (runs one scenario per count)",
    )
    parser.add_argument("--rhythm-interval", type=float, default=10.0)
    parser.add_argument("--rhythm-duration", type=float, default=20.0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(main(parse_args()), indent=2))
