"""How long the page's first screenful takes the server, on a large library with a warm cache.

Seeds a movie library of `--items` movies (SQLite in a temporary folder), logs in, then times
the home page and a library grid's first page (`web.page_size` posters, with their
placeholders) as the server answers them in-process: once cold, then warm. The baseline is the
API's JSON for the same listing page: the difference is what rendering HTML costs.

    python bench/web_page.py [--items 100000] [--requests 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from _library import movie_library, seed_movies
from reelhouse.app import create_app
from reelhouse.config import AuthSettings, DatabaseSettings, ScanSettings, Settings

PASSWORD = "benchmark password"  # noqa: S105 - a throw-away account


async def seed(app_services: object, items: int) -> int:
    database = app_services.users.database  # type: ignore[attr-defined]
    library_id = await movie_library(database)
    await seed_movies(database, library_id, items)
    return library_id


async def timed(
    client: httpx.AsyncClient, path: str, requests: int, **kwargs: object
) -> dict[str, float]:
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        response = await client.get(path, **kwargs)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }


async def main(items: int, requests: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        settings = Settings(
            data_dir=data,
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{data / 'bench.db'}"),
            auth=AuthSettings(
                password_hash_iterations=1,
                password_hash_memory_kib=1024,
                initial_admin_username="admin",
                initial_admin_password=PASSWORD,
            ),
            scan=ScanSettings(full_scan_interval_s=0, watch=False),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            began = time.perf_counter()
            library_id = await seed(app.state.services, items)
            seeded_s = time.perf_counter() - began
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                login = await client.get("/login")
                csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
                assert csrf
                await client.post(
                    "/login",
                    data={"csrf": csrf[1], "username": "admin", "password": PASSWORD, "next": "/"},
                )
                token = (await app.state.services.users.login("admin", PASSWORD)).secret
                size = settings.web.page_size
                pages = {
                    "home": ("/", {}),
                    "grid": (f"/libraries/{library_id}", {}),
                    "grid_by_rating": (f"/libraries/{library_id}?sort=rating&order=desc", {}),
                    "api_listing_baseline": (
                        f"/api/movies?library_id={library_id}&limit={size}",
                        {"headers": {"Authorization": f"Bearer {token}"}},
                    ),
                }
                results: dict[str, object] = {}
                for name, (path, kwargs) in pages.items():
                    cold = await timed(client, path, 1, **kwargs)  # and so the cache is warm
                    warm = await timed(client, path, requests, **kwargs)
                    results[name] = {"cold_ms": cold["max_ms"], **warm}
    return {"items": items, "seed_s": round(seeded_s, 1), "requests": requests, **results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.items, arguments.requests)), indent=2))
