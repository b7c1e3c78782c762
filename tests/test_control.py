"""Manual control through the API, against the fake providers: fix a match from the provider's
candidates, lock fields against refresh, and the errors a person can run into."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reelhouse.config import Settings
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import HANDWRITTEN_BASE
from tests.pipeline_support import (
    add_library,
    pipeline_settings,
    running_server,
    settled,
    touch,
)

REAL_STEEL = HANDWRITTEN_BASE + 1


async def test_fix_a_match_lock_fields_and_refresh(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "movies"
    touch(root / "Robots Boxing (2011)" / "Robots Boxing (2011).mkv")
    touch(root / "Real Steel (2011)" / "Real Steel (2011).mkv")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        await api.client.post(f"/api/libraries/{library}/scan", headers=token)
        await settled(api)
        unmatched = (await api.client.get("/api/movies?matched=false", headers=token)).json()
        (wrong,) = unmatched["items"]
        assert wrong["title"] == "Robots Boxing"
        item = f"/api/items/{wrong['id']}"

        found = await api.client.get(
            f"{item}/match-candidates", params={"query": "Real Steel"}, headers=token
        )
        assert found.status_code == 200, found.text
        best = found.json()[0]
        assert (best["title"], best["provider_ids"]["tmdb"]) == ("Real Steel", str(REAL_STEEL))

        # The other folder is Real Steel already: giving this item its id is a conflict.
        clash = await api.client.post(f"{item}/match", json={"tmdb_id": REAL_STEEL}, headers=token)
        assert clash.status_code == 409, clash.text
        assert clash.headers["content-type"] == "application/problem+json"

        # Lock the title, then match it to another film: data comes, the title stays.
        locked = await api.client.put(
            f"{item}/locked-fields", json={"fields": ["title"]}, headers=token
        )
        assert locked.json() == {"fields": ["title"]}
        uncut = HANDWRITTEN_BASE + 4
        queued = await api.client.post(f"{item}/match", json={"tmdb_id": uncut}, headers=token)
        assert queued.status_code == 202, queued.text
        assert queued.json()["kind"] == "catalogue.refresh"
        await settled(api)
        movie = (await api.client.get(f"/api/movies/{wrong['id']}", headers=token)).json()
        assert movie["title"] == "Robots Boxing"
        assert movie["overview"] == "A jeweler's bet."
        assert movie["provider_ids"]["tmdb"] == str(uncut)
        listing = await api.client.get("/api/movies?matched=false", headers=token)
        assert listing.json()["items"] == []

        again = await api.client.post(f"{item}/refresh", json={"bypass_cache": True}, headers=token)
        assert again.status_code == 202
        await settled(api)
        assert fake.control.stats.ok_by_path[f"/3/movie/{uncut}"] == 2


async def test_control_refuses_what_it_cannot_do(
    provider_settings: Callable[..., Settings], database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "tv"
    touch(root / "Show" / "Season 1" / "Show - S01E01.mkv")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "TV", "tv", root)
        await api.client.post(f"/api/libraries/{library}/scan", headers=token)
        await settled(api)
        series = (await api.client.get("/api/series", headers=token)).json()["items"][0]
        seasons = await api.client.get(f"/api/series/{series['id']}/seasons", headers=token)
        season = seasons.json()[0]["id"]

        refused = await api.client.post(f"/api/items/{season}/refresh", headers=token)
        assert refused.status_code == 422
        assert "refresh its movie or series" in refused.json()["detail"]
        bad_lock = await api.client.put(
            f"/api/items/{series['id']}/locked-fields", json={"fields": ["colour"]}, headers=token
        )
        assert bad_lock.status_code == 422
        assert "colour" in bad_lock.json()["detail"]
        no_ids = await api.client.post(f"/api/items/{series['id']}/match", json={}, headers=token)
        assert no_ids.status_code == 422
        huge = await api.client.post(
            f"/api/items/{series['id']}/match", json={"tmdb_id": 2**63}, headers=token
        )
        assert huge.status_code == 422
        missing = await api.client.post("/api/items/999999/refresh", headers=token)
        assert missing.status_code == 404
