"""GET /api/items/{id}/images/{kind} on both databases: files, ETags, widths, visibility."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image as PilImage

from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.models import Image, ImageKind
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.infra.images import StoredImage
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.images import POSTER
from reelhouse.testing.fake_providers.server import FakeServer
from tests.support import Api, bearer, running_api, settings_for


@dataclass(frozen=True)
class Seeded:
    movie: int
    hidden: int
    library: int
    poster: StoredImage


def row(item_id: int, kind: ImageKind, stored: StoredImage | None, *, selected: bool) -> Image:
    return Image(
        item_id=item_id,
        kind=kind,
        provider="tmdb",
        provider_path=f"/{kind}{item_id}.jpg",
        local_path=stored.path if stored else None,
        width=stored.width if stored else None,
        height=stored.height if stored else None,
        blurhash=stored.blurhash if stored else None,
        selected=selected,
    )


async def seed(api: Api, fake_server: FakeServer) -> Seeded:
    """A movie with a stored poster, a backdrop chosen but not downloaded and a stored logo not
    chosen; and a movie in a second library, with a stored poster."""
    store = api.services.images.store
    poster = await store.fetch(f"{fake_server.url}/t/p/original/p1.jpg")
    logo = await store.fetch(f"{fake_server.url}/t/p/original/logo1.png")
    async with api.services.users.database.transaction() as session:
        libraries = LibraryRepository(session)
        shown = await libraries.add("Movies", LibraryKind.MOVIES, ["/m"])
        other = await libraries.add("Other", LibraryKind.MOVIES, ["/o"])
        movies = MovieRepository(session)
        movie = await movies.add(Movie(library_id=shown.id, title="Heat", year=1995))
        hidden = await movies.add(Movie(library_id=other.id, title="Alien", year=1979))
        for image in (
            row(movie.id, ImageKind.POSTER, poster, selected=True),
            row(movie.id, ImageKind.BACKDROP, None, selected=True),
            row(movie.id, ImageKind.LOGO, logo, selected=False),
            row(hidden.id, ImageKind.POSTER, poster, selected=True),
        ):
            await movies.add_image(image)
    return Seeded(movie.id, hidden.id, shown.id, poster)


async def plain_user(api: Api, library_ids: list[int]) -> dict[str, str]:
    token = await api.token_for("kid")
    me = (await api.client.get("/api/users/me", headers=bearer(token))).json()
    await api.services.users.set_user_libraries(me["id"], library_ids)
    return bearer(token)


@pytest.fixture(params=["held in memory", "read from disk"])
async def images_api(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> AsyncIterator[Api]:
    """The app with served images held in memory (the default), or none held."""
    settings = settings_for(database_url, tmp_path)
    if request.param == "read from disk":
        images = settings.images.model_copy(update={"memory_cache_bytes": 0})
        settings = settings.model_copy(update={"images": images})
    async with running_api(settings) as started:
        yield started


async def test_the_original_is_served_with_a_strong_etag(
    images_api: Api, fake_server: FakeServer
) -> None:
    api = images_api
    seeded = await seed(api, fake_server)
    admin = bearer(await api.token_for("root", is_admin=True))
    url = f"/api/items/{seeded.movie}/images/poster"
    response = await api.client.get(url, headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == api.services.images.store.resolve(seeded.poster.path).read_bytes()
    etag = response.headers["etag"]
    assert etag == f'"{seeded.poster.sha256}.jpg"'
    assert response.headers["cache-control"] == "private, max-age=86400"
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = await api.client.get(url, headers={**admin, "If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == response.headers["cache-control"]
    stale = await api.client.get(url, headers={**admin, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200


async def test_a_width_gives_a_resized_copy(images_api: Api, fake_server: FakeServer) -> None:
    api = images_api
    seeded = await seed(api, fake_server)
    admin = bearer(await api.token_for("root", is_admin=True))
    url = f"/api/items/{seeded.movie}/images/poster"
    small = await api.client.get(url, params={"width": 185}, headers=admin)
    assert small.status_code == 200
    assert small.headers["content-type"] == "image/webp"
    with PilImage.open(io.BytesIO(small.content)) as image:
        assert image.size == (185, 278)
    large = await api.client.get(url, params={"width": 1280}, headers=admin)
    with PilImage.open(io.BytesIO(large.content)) as image:
        assert image.size == POSTER  # never upscaled
    etags = {small.headers["etag"], large.headers["etag"], f'"{seeded.poster.sha256}.jpg"'}
    assert len(etags) == 3
    cached = await api.client.get(
        url, params={"width": 185}, headers={**admin, "If-None-Match": small.headers["etag"]}
    )
    assert cached.status_code == 304


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("width=186", "width"),
        ("width=0", "query.width"),
        ("width=big", "query.width"),
        ("width=-5", "query.width"),
    ],
)
async def test_widths_are_validated(
    api: Api, fake_server: FakeServer, query: str, field: str
) -> None:
    seeded = await seed(api, fake_server)
    admin = bearer(await api.token_for("root", is_admin=True))
    for item in (seeded.movie, 999_999):  # refused before anything is looked up
        response = await api.client.get(f"/api/items/{item}/images/poster?{query}", headers=admin)
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM_JSON
        assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("path", ["/api/items/1/images/cover", f"/api/items/{2**63}/images/poster"])
async def test_kinds_and_ids_are_validated(api: Api, path: str) -> None:
    admin = bearer(await api.token_for("root", is_admin=True))
    response = await api.client.get(path, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_what_is_not_there_is_not_found(api: Api, fake_server: FakeServer) -> None:
    seeded = await seed(api, fake_server)
    admin = bearer(await api.token_for("root", is_admin=True))
    for path in (
        "/api/items/999999/images/poster",  # no such item
        f"/api/items/{seeded.movie}/images/backdrop",  # chosen, not downloaded yet
        f"/api/items/{seeded.movie}/images/logo",  # downloaded, not chosen
        f"/api/items/{seeded.movie}/images/banner",  # none at all
    ):
        response = await api.client.get(path, headers=admin)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_stored_file_gone_from_disk_is_not_found(api: Api, fake_server: FakeServer) -> None:
    seeded = await seed(api, fake_server)
    admin = bearer(await api.token_for("root", is_admin=True))
    api.services.images.store.resolve(seeded.poster.path).unlink()
    for query in ("", "?width=185"):
        response = await api.client.get(
            f"/api/items/{seeded.movie}/images/poster{query}", headers=admin
        )
        assert response.status_code == 404


async def test_plain_users_see_images_of_their_libraries_only(
    api: Api, fake_server: FakeServer
) -> None:
    seeded = await seed(api, fake_server)
    user = await plain_user(api, [seeded.library])
    shown = await api.client.get(f"/api/items/{seeded.movie}/images/poster", headers=user)
    assert shown.status_code == 200
    hidden = await api.client.get(f"/api/items/{seeded.hidden}/images/poster", headers=user)
    absent = await api.client.get("/api/items/999999/images/poster", headers=user)
    assert (hidden.status_code, absent.status_code) == (404, 404)
    assert hidden.json()["detail"].replace(str(seeded.hidden), "N") == absent.json()[
        "detail"
    ].replace("999999", "N")


async def test_a_new_selection_is_served_after_invalidation(
    api: Api, fake_server: FakeServer
) -> None:
    seeded = await seed(api, fake_server)
    admin = bearer(await api.token_for("root", is_admin=True))
    url = f"/api/items/{seeded.movie}/images/poster"
    before = await api.client.get(url, headers=admin)  # now in the cache
    replacement = await api.services.images.store.fetch(f"{fake_server.url}/t/p/original/p2.jpg")
    async with api.services.users.database.transaction() as session:
        movies = MovieRepository(session)
        for image in await movies.images(seeded.movie):
            if image.kind == ImageKind.POSTER:
                image.local_path = replacement.path
        await movies.save()
        changed = ItemRef.of(await movies.get(seeded.movie))
    await CatalogueInvalidation(api.app.state.cache).items_changed([changed])
    after = await api.client.get(url, headers=admin)
    assert after.headers["etag"] == f'"{replacement.sha256}.jpg"'
    assert after.headers["etag"] != before.headers["etag"]
