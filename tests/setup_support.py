"""What the setup wizard's tests share: a fresh server whose providers are fakes that accept
one key each, and clients whose connections come from another machine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from reelhouse.config import Settings, TmdbSettings, TvdbSettings
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from tests.support import PASSWORD, Api, running_api, settings_for

ADMIN = {"username": "owner", "password": PASSWORD}
REMOTE = "203.0.113.7"
TMDB_KEY, TVDB_KEY = "tmdb-key-for-the-wizard", "tvdb-key-for-the-wizard"


def client_from(api: Api, peer: str, base_url: str = "http://127.0.0.1:8420") -> httpx.AsyncClient:
    """A client whose connection comes from `peer`, through the proxy-header handling
    `reelhouse serve` runs with (uvicorn's, trusting 127.0.0.1 as by default), asking for the
    host of `base_url`."""
    app = ProxyHeadersMiddleware(api.app, trusted_hosts="127.0.0.1")
    transport = httpx.ASGITransport(app=app, client=(peer, 50_000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@asynccontextmanager
async def local_api(settings: Settings) -> AsyncIterator[Api]:
    """The app, started, with a client on the server's own machine that asks for it as
    127.0.0.1 (the tests' usual `http://test` names no loopback host)."""
    async with running_api(settings) as started, client_from(started, "127.0.0.1") as client:
        yield Api(started.app, client, started.services)


def assert_problem(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert words in response.json()["detail"]


def keyed_fakes() -> FakeProviders:
    """Fake providers that accept `TMDB_KEY` and `TVDB_KEY` only."""
    return FakeProviders(
        Catalogue(movies=2, series=1), tmdb_api_key=TMDB_KEY, tvdb_api_key=TVDB_KEY
    )


def wizard_settings(database_url: str, tmp_path: Path, fakes_url: str) -> Settings:
    """A fresh server's settings (no account), its providers the fakes at `fakes_url`."""
    return settings_for(database_url, tmp_path).model_copy(
        update={
            "tmdb": TmdbSettings(base_url=f"{fakes_url}/3"),  # type: ignore[arg-type]
            "tvdb": TvdbSettings(base_url=f"{fakes_url}/v4"),  # type: ignore[arg-type]
        }
    )
