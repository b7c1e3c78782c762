"""The fake provider servers themselves: determinism, the rate limit, control, and the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.server import FakeServer
from reelhouse.testing.ports import free_port


def test_the_catalogue_is_deterministic_and_sized() -> None:
    first, second = Catalogue(100, 10), Catalogue(100, 10)
    assert first.movie(17) == second.movie(17)
    assert first.series(3) == second.series(3)
    assert first.movie(101) is None
    assert first.series(11) is None
    assert len(first.movie_ids()) == 100 + len(Catalogue(0, 0).movie_ids())


def test_the_rate_limit_answers_429_with_an_integer_retry_after(
    fake: FakeProviders, fake_server: FakeServer
) -> None:
    fake.control.configure(rate_limit_per_s=2.0, burst=2.0)
    with httpx.Client(base_url=fake_server.url) as client:
        answers = [client.get("/3/movie/1") for _ in range(5)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited
    assert all(a.headers["Retry-After"].isdigit() for a in limited)
    assert fake.control.stats.rate_limited == len(limited)


def test_control_endpoints_inject_faults_and_report_counts(fake_server: FakeServer) -> None:
    with httpx.Client(base_url=fake_server.url) as client:
        client.post(
            "/_fake/configure", json={"inject": [{"path": "/3/movie/2$", "fault": "error"}]}
        ).raise_for_status()
        assert client.get("/3/movie/2").status_code == 503
        assert client.get("/3/movie/2").status_code == 200
        assert client.get("/3/movie/99999").status_code == 404
        stats = client.get("/_fake/stats").json()
        assert stats["by_endpoint"] == {"tmdb.movie": 3}
        assert stats["by_status"] == {"503": 1, "200": 1, "404": 1}
        client.post("/_fake/reset").raise_for_status()
        assert client.get("/_fake/stats").json()["requests"] == 0


def test_images_are_served_where_the_answers_point(
    fake: FakeProviders, fake_server: FakeServer
) -> None:
    with httpx.Client(base_url=fake_server.url) as client:
        base = client.get("/3/configuration").json()["images"]["secure_base_url"]
        assert base == f"{fake_server.url}/t/p/"
        original = client.get(f"{base}original/p1.jpg")
        assert original.headers["content-type"] == "image/jpeg"
        assert client.get(f"{base}original/p1.jpg").content == original.content  # deterministic
        assert client.get(f"{base}w780/p1.jpg").content == original.content  # not upscaled
        assert client.get(f"{base}w92/p1.jpg").content != original.content
        assert client.get(f"{base}original/p2.jpg").content != original.content
        assert client.get(f"{base}x92/p1.jpg").status_code == 404
        assert client.get(f"{base}original/p1.svg").status_code == 404
        token = client.post("/v4/login", json={"apikey": "any"}).json()["data"]["token"]
        series = client.get(
            "/v4/series/70001/extended", headers={"Authorization": f"Bearer {token}"}
        ).json()["data"]
        assert client.get(series["image"]).headers["content-type"] == "image/jpeg"
        assert client.get(series["artworks"][0]["image"]).status_code == 200
    assert fake.control.stats.by_endpoint["tmdb.image"] == 7
    assert fake.control.stats.by_endpoint["tvdb.artwork"] == 2


@pytest.fixture
def fake_process() -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable, "-m", "reelhouse.testing.fake_providers", "--host", "127.0.0.1",
        "--port", str(port), "--movies", "5", "--series", "2", "--latency-ms", "1",
        "--rate-limit", "1000", "--fault-rate", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/_fake/stats", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_the_command_line_server_speaks_both_apis(fake_process: str) -> None:
    with httpx.Client(base_url=fake_process) as client:
        assert client.get("/3/movie/5").json()["id"] == 5
        assert client.get("/3/movie/6").status_code == 404
        token = client.post("/v4/login", json={"apikey": "any"}).json()["data"]["token"]
        series = client.get(
            "/v4/series/70001/extended", headers={"Authorization": f"Bearer {token}"}
        )
        assert series.json()["data"]["id"] == 70001
        assert client.get("/v4/series/70001/extended").status_code == 401
