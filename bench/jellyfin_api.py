"""A Jellyfin client opening its home screen, against the same screen through the native API.

Seeds an `--items` catalogue with `api.py`'s builder (movies, series, seasons, episodes, people,
posters of every movie and series, a file for every movie and episode, stills of the episodes
of watched series), then `--users` users, each of whom has played the first season of
`--series-per-user` series (so Next Up offers their second) and is part-way through
`--resuming` movies and an episode (so Continue Watching lists them). The watch state is made
through the native API, as a player's reports would make it.

Each of `--clients` keep-alive connections (from a second process) is one user's client loading
its home screen over and over, a request at a time, as the Jellyfin web client does on opening:

- Jellyfin: `/UserViews`, `/UserItems/Resume` (limit 12), `/Shows/NextUp` (24), `/Items/Latest`
  (16) for each view, with the query strings jellyfin-web sends, then `/Items/{id}/Images/Primary`
  (`fillWidth`, `quality`, `tag`) of every item those returned with a primary image;
- native (the baseline): `/api/libraries`, `/api/me/continue-watching`, `/api/me/next-up`, the
  newest items of each library (`/api/movies` and `/api/series` sorted by date added), then
  `/api/items/{id}/images/{poster|still}?width=` of each item those list, at the same width.

Resume, Next Up and the newest movies are the same items through both (`same_items` checks it,
list by list). The TV row need not be: Jellyfin's `Items/Latest` of a TV view groups the
newest episodes under their series (a series stands for several, an episode alone for itself),
where the native row lists the newest series; each screen fetches the images of its own.

Before measuring, every image is fetched once through each API (so the resized copies both serve
exist). Then, for each
API in turn: a fresh server (an empty L1) loads one home screen per client (cold), and after a
warm-up, the clients load home screens for `--duration` seconds (warm), each starting at its own
place in its screen, so that they are not in step. Reported per API:
p50/p99 of all requests and of each kind, requests/s, home screens/s, the server's and client's
CPU; and the target, Jellyfin's warm p99 at most 1.3 times the native one.

    python bench/jellyfin_api.py [--items 100000] [--clients 64] [--users 16] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from _library import (
    EPISODES_PER_SEASON,
    SEASONS_PER_SERIES,
    SeededLibrary,
    seed_files,
    seed_images,
    seed_library,
    seeding_settings,
)
from _postgres import throwaway_postgres
from _server import ADMIN, PASSWORD, Server
from api import POSTER_FILES, Connection, Outcome, summary
from reelhouse.compat.jellyfin.ids import IdType, decode_id
from reelhouse.content.catalogue.models import ImageKind
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.server import FakeServer

#: What jellyfin-web 10.10 asks for on its home screen (its sections' page sizes and fields).
RESUME_LIMIT, NEXT_UP_LIMIT, LATEST_LIMIT = 12, 24, 16
CARD_FIELDS = {
    "Fields": "PrimaryImageAspectRatio",
    "ImageTypeLimit": "1",
    "EnableImageTypes": "Primary,Backdrop,Thumb",
    "EnableTotalRecordCount": "false",
}
NEXT_UP_FLAGS = {"DisableFirstEpisode": "false", "EnableResumable": "false",
                 "EnableRewatching": "false"}  # fmt: skip
TARGET = 1.3  # Jellyfin's warm p99 over the native one, at most
#: Jellyfin's collection types, as reelhouse's library kinds.
VIEW_KINDS = {"movies": "movies", "tvshows": "tv"}
DEVICE = 'Client="Jellyfin Web", Device="Bench", Version="10.10.7"'


# ---- the load (runs in its own process) -----------------------------------------------------


@dataclass
class Client:
    """One client: its user's `Authorization` header and its home screen, (kind, path) in order."""

    authorization: str
    screen: list[tuple[str, str]]


@dataclass
class HomeLoad:
    port: int
    clients: list[Client]
    duration_s: float | None = None  # None: one home screen per client, all from its start


@dataclass
class HomeOutcome:
    by_kind: dict[str, Outcome] = field(default_factory=dict)
    screens: int = 0
    wall_s: float = 0.0
    client_cpu_s: float = 0.0


async def _drive(load: HomeLoad) -> HomeOutcome:
    outcome = HomeOutcome()
    deadline = time.perf_counter() + (load.duration_s or 0.0)

    rng = random.Random(0)

    def screens(client: Client) -> Iterator[list[tuple[str, str]]]:
        if load.duration_s is None:
            yield client.screen
            return
        # Clients that ran the same screen in step would each wait for the others' request
        # of the same kind (the latency of a kind would be clients x its cost): each warm
        # client starts at its own place in the screen, as clients opened at random times.
        start = rng.randrange(len(client.screen))
        screen = client.screen[start:] + client.screen[:start]
        while time.perf_counter() < deadline:
            yield screen

    async def connection(client: Client) -> None:
        conn = Connection(load.port, client.authorization)
        try:
            for screen in screens(client):
                for kind, path in screen:
                    got = outcome.by_kind.setdefault(kind, Outcome())
                    began = time.perf_counter()
                    try:
                        status, length = await conn.get(path)
                    except (OSError, asyncio.IncompleteReadError, ValueError):
                        got.transport_errors += 1
                        await conn.close()
                        continue
                    got.latencies_ms.append((time.perf_counter() - began) * 1000)
                    got.statuses[status] += 1
                    got.body_bytes += length
                outcome.screens += 1
        finally:
            await conn.close()

    cpu, began = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection(c) for c in load.clients))
    outcome.wall_s = time.perf_counter() - began
    outcome.client_cpu_s = time.process_time() - cpu
    return outcome


def drive(load: HomeLoad) -> HomeOutcome:
    """The load generator's entry point, in its own process."""
    try:
        import uvloop

        return uvloop.run(_drive(load))
    except ImportError:
        return asyncio.run(_drive(load))


def run(pool: Any, server: Server, load: HomeLoad) -> dict[str, Any]:
    """One load against `server`: all requests together and each kind apart."""
    before = server.cpu_s()
    outcome: HomeOutcome = pool.apply(drive, (load,))
    server_cpu = server.cpu_s() - before
    every = Outcome(wall_s=outcome.wall_s, client_cpu_s=outcome.client_cpu_s)
    for got in outcome.by_kind.values():
        every.latencies_ms += got.latencies_ms
        every.statuses.update(got.statuses)
        every.transport_errors += got.transport_errors
        every.body_bytes += got.body_bytes
    by_kind = {}
    for kind, got in outcome.by_kind.items():
        got.wall_s = outcome.wall_s
        of_kind = summary(got, 0.0)
        by_kind[kind] = {k: of_kind[k] for k in ("requests", "p50_ms", "p99_ms", "max_ms")}
        by_kind[kind]["bytes_per_request"] = got.body_bytes // max(1, len(got.latencies_ms))
    return {
        "all": summary(every, server_cpu),
        "screens_per_s": round(outcome.screens / (outcome.wall_s or 1e-9), 1),
        "by_kind": by_kind,
    }


# ---- the catalogue and the household -------------------------------------------------------


@dataclass
class User:
    name: str
    native: str  # `Authorization` values
    jellyfin: str
    jellyfin_id: str


async def seed(database_url: str, data: Path, args: argparse.Namespace) -> SeededLibrary:
    """`api.py`'s catalogue, with a file for every movie and episode and a poster for every
    movie and series (episodes' stills come with the watch state)."""
    settings = seeding_settings(database_url, data)
    database = Database.from_settings(settings)
    store = ImageStore.from_settings(settings)
    try:
        await migrate.upgrade(database)
        with FakeServer(FakeProviders(Catalogue(movies=1, series=1))) as fake:
            urls = [f"{fake.url}/t/p/original/p{n}.jpg" for n in range(1, POSTER_FILES + 1)]
            seeded = await seed_library(
                database, args.items, store=store, image_urls=urls, posters=args.items
            )
            await seed_images(database, seeded.series_ids, ImageKind.POSTER, store, urls)
            chosen = episodes_of_watched(seeded, args)
            await seed_images(database, sorted(chosen), ImageKind.STILL, store, urls)
        await seed_files(database, seeded)
    finally:
        await store.aclose()
        await database.close()
    return seeded


def watched_by(seeded: SeededLibrary, args: argparse.Namespace) -> list[list[int]]:
    """The series each user follows, a seeded choice."""
    rng = random.Random(args.seed)
    count = min(args.series_per_user, len(seeded.series_ids))
    return [rng.sample(seeded.series_ids, count) for _ in range(args.users)]


def episodes_of(seeded: SeededLibrary, series_id: int) -> list[int]:
    """A series' episodes: they were seeded series by series, in order (the last series may
    have fewer)."""
    per = SEASONS_PER_SERIES * EPISODES_PER_SEASON
    first = seeded.series_ids.index(series_id) * per
    return seeded.episode_ids[first : first + per]


def episodes_of_watched(seeded: SeededLibrary, args: argparse.Namespace) -> set[int]:
    """The episodes of every followed series (those Next Up and Continue Watching offer)."""
    followed = {s for series in watched_by(seeded, args) for s in series}
    return {e for s in followed for e in episodes_of(seeded, s)}


def household(client: httpx.Client, seeded: SeededLibrary, args: argparse.Namespace) -> list[User]:
    """`--users` users granted both libraries, logged in through both APIs, with their watch
    state made through the native API: each followed series' first season played, a movie
    and an episode of each part-watched."""
    rng = random.Random(args.seed + 1)
    libraries = [seeded.movie_library_id, seeded.tv_library_id]
    users = []
    for n, series in enumerate(watched_by(seeded, args)):
        name = f"viewer{n}"
        made = client.post("/api/users", json={"username": name, "password": PASSWORD})
        user_id = made.raise_for_status().json()["id"]
        client.put(f"/api/users/{user_id}/libraries", json={"library_ids": libraries})
        login = {"username": name, "password": PASSWORD}
        token = client.post("/api/auth/login", json=login)
        native = f"Bearer {token.raise_for_status().json()['token']}"
        jellyfin = client.post(
            "/Users/AuthenticateByName",
            json={"Username": name, "Pw": PASSWORD},
            headers={"Authorization": f'MediaBrowser {DEVICE}, DeviceId="bench-{n}"'},
        ).raise_for_status()
        auth = jellyfin.json()
        user = User(
            name,
            native,
            f'MediaBrowser {DEVICE}, DeviceId="bench-{n}", Token="{auth["AccessToken"]}"',
            auth["User"]["Id"],
        )
        me = {"Authorization": native}
        for series_id in series:
            seasons = client.get(f"/api/series/{series_id}/seasons", headers=me).json()
            client.post(f"/api/me/items/{seasons[0]['id']}/played", headers=me)
        resuming = rng.sample(seeded.movie_ids, args.resuming)
        resuming += episodes_of(seeded, series[0])[-1:]
        for item_id in resuming:
            report = {"position_s": 1200.0, "stopped": True}
            client.post(f"/api/me/items/{item_id}/progress", json=report, headers=me)
        users.append(user)
    return users


# ---- the two home screens ------------------------------------------------------------------


@dataclass
class Screens:
    """One user's home screen through each API, and whether each list of it (resume, next up,
    each library's latest) lists the same items through both."""

    native: list[tuple[str, str]]
    jellyfin: list[tuple[str, str]]
    same_items: dict[str, bool]


Listed = dict[str, list[int]]  # the reelhouse ids each list of a screen shows


def jellyfin_screen(
    client: httpx.Client, user: User, width: int
) -> tuple[list[tuple[str, str]], Listed]:
    """The requests of jellyfin-web's home screen (the primary images of what it lists last),
    and what each list shows."""
    me = {"Authorization": user.jellyfin}
    who = {"userId": user.jellyfin_id}
    views_path = f"/UserViews?{urlencode(who)}"
    resume = {**who, "Limit": RESUME_LIMIT, **CARD_FIELDS, "MediaTypes": "Video"}
    next_up = {**who, "Limit": NEXT_UP_LIMIT, **CARD_FIELDS, **NEXT_UP_FLAGS}
    lists = [
        ("views", views_path, ""),
        ("resume", f"/UserItems/Resume?{urlencode(resume)}", "resume"),
        ("next_up", f"/Shows/NextUp?{urlencode(next_up)}", "next_up"),
    ]
    for view in client.get(views_path, headers=me).raise_for_status().json()["Items"]:
        latest = {**who, "Limit": LATEST_LIMIT, **CARD_FIELDS, "ParentId": view["Id"]}
        name = f"latest {VIEW_KINDS[view['CollectionType']]}"
        lists.append(("latest", f"/Items/Latest?{urlencode(latest)}", name))
    listed: Listed = {}
    images: list[tuple[str, str]] = []
    for _, path, name in lists[1:]:
        found = client.get(path, headers=me).raise_for_status().json()
        for item in found["Items"] if isinstance(found, dict) else found:
            listed.setdefault(name, []).append(decode_id(item["Id"], IdType.ITEM)[1])
            tag = item.get("ImageTags", {}).get("Primary")
            if tag:
                query = urlencode({"fillWidth": width, "fillHeight": width * 3 // 2,
                                   "quality": 96, "tag": tag})  # fmt: skip
                images.append(("image", f"/Items/{item['Id']}/Images/Primary?{query}"))
    return [(kind, path) for kind, path, _ in lists] + images, listed


def native_screen(
    client: httpx.Client, user: User, width: int
) -> tuple[list[tuple[str, str]], Listed]:
    """The same home screen through reelhouse's own API: its lists, then the image of each
    item they show (a still for an episode, else a poster) at the same width."""
    me = {"Authorization": user.native}
    lists = [
        ("views", "/api/libraries", ""),
        ("resume", f"/api/me/continue-watching?limit={RESUME_LIMIT}", "resume"),
        ("next_up", f"/api/me/next-up?limit={NEXT_UP_LIMIT}", "next_up"),
    ]
    listings = {"movies": "/api/movies", "tv": "/api/series"}
    for library in client.get("/api/libraries", headers=me).raise_for_status().json():
        query = f"library_id={library['id']}&sort=added&order=desc&limit={LATEST_LIMIT}"
        lists.append(
            ("latest", f"{listings[library['kind']]}?{query}", f"latest {library['kind']}")
        )
    listed: Listed = {}
    images: list[tuple[str, str]] = []
    for _, path, name in lists[1:]:
        found = client.get(path, headers=me).raise_for_status().json()
        for entry in found["items"] if isinstance(found, dict) else found:
            item = entry.get("item", entry)
            listed.setdefault(name, []).append(item["id"])
            kind = ImageKind.STILL if item["kind"] == "episode" else ImageKind.POSTER
            images.append(("image", f"/api/items/{item['id']}/images/{kind}?width={width}"))
    return [(kind, path) for kind, path, _ in lists] + images, listed


def screens(client: httpx.Client, user: User, width: int) -> Screens:
    """Both screens of `user`, every image fetched once through each (so both find their
    resized copy made)."""
    jellyfin, jellyfin_listed = jellyfin_screen(client, user, width)
    native, native_listed = native_screen(client, user, width)
    for screen, auth in ((jellyfin, user.jellyfin), (native, user.native)):
        for kind, path in screen:
            if kind == "image":
                client.get(path, headers={"Authorization": auth}).raise_for_status()
    names = sorted(set(jellyfin_listed) | set(native_listed))
    same = {
        n: sorted(jellyfin_listed.get(n, ())) == sorted(native_listed.get(n, ())) for n in names
    }
    return Screens(native, jellyfin, same)


# ---- a run ----------------------------------------------------------------------------------


def bench(pool: Any, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-jellyfin-") as folder:
        data = Path(folder)
        began = time.perf_counter()
        seeded = asyncio.run(seed(database_url, data, args))
        seed_s = time.perf_counter() - began
        server = Server(data, database_url, {})
        try:
            server.start()
            with httpx.Client(base_url=server.url, timeout=60) as client:
                login = {"username": ADMIN, "password": PASSWORD}
                token = client.post("/api/auth/login", json=login).raise_for_status().json()
                client.headers["Authorization"] = f"Bearer {token['token']}"
                users = household(client, seeded, args)
                shown = [screens(client, user, args.image_width) for user in users]
            results: dict[str, Any] = {}
            for api in ("native", "jellyfin"):
                clients = [
                    Client(
                        getattr(users[n % len(users)], api),
                        getattr(shown[n % len(users)], api),
                    )
                    for n in range(args.clients)
                ]
                server.stop()  # a fresh process: an empty L1
                server.start()
                cold = run(pool, server, HomeLoad(server.port, clients))
                run(pool, server, HomeLoad(server.port, clients))  # warm-up
                warm = run(pool, server, HomeLoad(server.port, clients, args.duration))
                results[api] = {"cold": cold, "warm": warm}
        finally:
            server.stop()
    ratio = {
        phase: round(
            results["jellyfin"][phase]["all"]["p99_ms"] / results["native"][phase]["all"]["p99_ms"],
            2,
        )
        for phase in ("warm", "cold")
    }
    return {
        "seed_s": round(seed_s, 1),
        "catalogue": {
            "items": seeded.items,
            "movies": len(seeded.movie_ids),
            "series": len(seeded.series_ids),
            "episodes": len(seeded.episode_ids),
        },
        "requests_per_screen": {
            api: round(sum(len(getattr(s, api)) for s in shown) / len(shown), 1)
            for api in ("native", "jellyfin")
        },
        "same_items": {
            name: all(s.same_items[name] for s in shown) for name in shown[0].same_items
        },
        "target": {
            "jellyfin_p99_over_native_p99": ratio["warm"],
            "at_most": TARGET,
            "met": ratio["warm"] <= TARGET,
            "cold_ratio": ratio["cold"],
        },
        "results": results,
    }


def main(args: argparse.Namespace) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        if args.backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="bench-jellyfin-db-") as folder:
                result = bench(pool, f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", args)
        else:
            name = f"bench_jellyfin_{uuid.uuid4().hex[:12]}"
            url = asyncio.run(throwaway_postgres(args.postgres, name))
            try:
                result = bench(pool, url, args)
            finally:
                asyncio.run(throwaway_postgres(args.postgres, name, drop=True))
    return {
        "backend": args.backend,
        "items": args.items,
        "clients": args.clients,
        "users": args.users,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "client": "asyncio HTTP/1.1, keep-alive, one process; *_cpu are cores used",
        **result,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=64, help="concurrent connections")
    parser.add_argument("--users", type=int, default=16, help="the clients' users, in turn")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of warm load")
    parser.add_argument("--series-per-user", type=int, default=10)
    parser.add_argument("--resuming", type=int, default=8, help="movies each user is part-way in")
    parser.add_argument("--image-width", type=int, default=342, help="one of the offered widths")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(main(parse_args()), indent=2))
