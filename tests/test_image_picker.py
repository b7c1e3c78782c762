"""The image picker on SQLite and PostgreSQL, with the real server, workers and fake providers:
it lists the stored images, the local ones and everything TMDb has in every language (paged,
with sizes, each previewed from this server); a choice is served at once, with a new ETag, and
kept by a refresh and a rescan; an upload is served; bad uploads are refused with a clear
problem and leave nothing behind; another process sees a choice at once (Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from sqlalchemy import func, select

from reelhouse.config import CacheSettings, ImagesSettings, RedisSettings, Settings
from reelhouse.content.catalogue.models import Image, ImageKind, Item
from reelhouse.content.catalogue.records import image_source
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.errors import InvalidInputError
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.server import LOOPBACK, FakeServer
from tests.jobs_support import eventually
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api, bearer, running_api
from tests.test_local_artwork import bomb, item_ids, noise, picture, rescan, sha

UPLOAD_MAX = 150_000
MAX_PIXELS = 1_000_000


def picker_settings(
    provider_settings: Callable[..., Settings], database_url: str, data_dir: Path, **images: Any
) -> Settings:
    return pipeline_settings(
        provider_settings,
        database_url,
        data_dir,
        images=ImagesSettings(
            allowed_networks=LOOPBACK,
            upload_max_bytes=UPLOAD_MAX,
            max_pixels=MAX_PIXELS,
            **images,
        ),
    )


async def served(api: Api, token: dict[str, str], item_id: int) -> httpx.Response:
    response = await api.client.get(f"/api/items/{item_id}/images/poster", headers=token)
    assert response.status_code == 200, response.text
    return response


async def choices(
    api: Api, token: dict[str, str], item_id: int, kind: str = "poster", page: int = 1
) -> dict[str, Any]:
    response = await api.client.get(
        f"/api/items/{item_id}/image-choices", params={"kind": kind, "page": page}, headers=token
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def every_choice(api: Api, token: dict[str, str], item_id: int) -> list[dict[str, Any]]:
    first = await choices(api, token, item_id)
    found = list(first["choices"])
    for page in range(2, first["pages"] + 1):
        found += (await choices(api, token, item_id, page=page))["choices"]
    assert len(found) == first["total"]
    return found


async def image_rows(api: Api, item_id: int) -> list[tuple[str, str, bool]]:
    async with api.services.users.database.read() as session:
        rows = await session.execute(
            select(Image.kind, Image.provider, Image.selected)
            .where(Image.item_id == item_id)
            .order_by(Image.id)
        )
        return [(kind, provider, selected) for kind, provider, selected in rows]


def originals(data_dir: Path) -> set[Path]:
    return set((data_dir / "images" / "originals").glob("*/*"))


async def enriched_movie(
    api: Api, token: dict[str, str], fake: FakeProviders, root: Path, local_poster: bytes
) -> tuple[int, int]:
    """A movie of the fake catalogue scanned, matched and its artwork stored, with a local
    poster beside it: its id and TMDb id."""
    movie = next(t for t in fake.catalogue.library_titles() if not t.series)
    name = f"{movie.title} ({movie.year})"
    touch(root / name / f"{name}.mkv")
    touch(root / name / "poster.jpg", local_poster)
    library = await add_library(api, token, "Movies", "movies", root)
    await rescan(api, token, library)
    (movie_id,) = await item_ids(api, ItemKind.MOVIE)
    async with api.services.users.database.read() as session:
        tmdb_id = await session.scalar(select(Item.tmdb_id).where(Item.id == movie_id))
    assert tmdb_id is not None
    return movie_id, tmdb_id


async def test_every_language_is_offered_and_a_choice_is_served_and_kept(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    fake_server: FakeServer,
) -> None:
    local = picture((300, 450), (200, 10, 10))
    settings = picker_settings(
        provider_settings, database_url, tmp_path / "data", choices_page_size=2
    )
    async with running_server(settings) as (api, token):
        movie_id, tmdb_id = await enriched_movie(api, token, fake, tmp_path / "movies", local)
        before = await served(api, token, movie_id)
        assert before.content == local  # the local poster wins, as the library prefers

        found = await every_choice(api, token, movie_id)
        first = await choices(api, token, movie_id)
        assert (first["page"], first["pages"], len(first["choices"])) == (1, 3, 2)
        # The one in use first; the local file, the provider's stored one, and what TMDb has
        # in every language besides.
        assert found[0]["selected"]
        assert found[0]["source"] == "local_file"
        assert [c["selected"] for c in found].count(True) == 1
        tmdb = [c for c in found if c["source"] == "tmdb"]
        assert {c["language"] for c in tmdb} == {"en", "de", "fr", "ja"}
        assert len({c["url"] for c in tmdb}) == len(tmdb) == 4
        french = next(c for c in tmdb if c["language"] == "fr")
        assert (french["width"], french["height"]) == (1400, 2100)
        assert french["image_id"] is None  # offered, not stored
        assert list(french["sizes"]) == ["w92", "w154", "w185", "w342", "w500", "w780", "original"]
        assert french["sizes"]["w342"] == french["url"].replace("/original/", "/w342/")
        stored = next(c for c in tmdb if c["image_id"] is not None)
        assert stored["language"] == "en"
        assert stored["sizes"]
        logos = await choices(api, token, movie_id, "logo")
        assert [c["language"] for c in logos["choices"]] == ["fr"]

        # Every choice is shown from this server, small; shown again, from memory.
        for choice in found:
            preview = await api.client.get(choice["preview"], headers=token)
            assert preview.status_code == 200, (choice, preview.text)
            assert preview.headers["etag"]
            with PILImage.open(io.BytesIO(preview.content)) as image:
                assert image.width <= 200
        downloads = fake.control.stats.by_endpoint["tmdb.image"]
        for choice in found:
            again = await api.client.get(choice["preview"], headers=token)
            assert again.content == (await api.client.get(choice["preview"], headers=token)).content
        assert fake.control.stats.by_endpoint["tmdb.image"] == downloads

        picked = await api.client.put(
            f"/api/items/{movie_id}/images/poster", json={"url": french["url"]}, headers=token
        )
        assert picked.status_code == 200, picked.text
        assert picked.json()["selected"]
        assert picked.json()["image_id"] is not None
        async with httpx.AsyncClient() as fake_client:
            fetched = await fake_client.get(f"{fake_server.url}/t/p/original/mp{tmdb_id}_2.jpg")
        original = fetched.content
        after = await served(api, token, movie_id)
        assert after.content == original
        assert after.headers["etag"] == f'"{sha(original)}.jpg"' != before.headers["etag"]
        async with api.services.users.database.read() as session:
            item = await session.get(Item, movie_id)
            assert item is not None
            assert "artwork" in item.locked_fields

        # A refresh asks TMDb again, and a rescan looks at the local poster again: both keep
        # the choice.
        refreshed = await api.client.post(
            f"/api/items/{movie_id}/refresh", json={"bypass_cache": True}, headers=token
        )
        assert refreshed.status_code == 202, refreshed.text
        await settled(api)
        library_id = (await api.client.get("/api/libraries", headers=token)).json()[0]["id"]
        await rescan(api, token, library_id)
        assert (await served(api, token, movie_id)).content == original
        selected = [r for r in await image_rows(api, movie_id) if r[0] == "poster" and r[2]]
        assert selected == [("poster", image_source(french["url"]), True)]

        # A stored choice (the local file) by its id.
        again = await api.client.put(
            f"/api/items/{movie_id}/images/poster",
            json={"image_id": found[0]["image_id"]},
            headers=token,
        )
        assert again.status_code == 200, again.text
        assert (await served(api, token, movie_id)).content == local

        for body, status in (
            ({"url": "http://169.254.169.254/latest/meta-data"}, 404),  # not offered: no fetch
            ({"image_id": 10**12}, 404),
            ({}, 422),
            ({"image_id": found[0]["image_id"], "url": french["url"]}, 422),
        ):
            refused = await api.client.put(
                f"/api/items/{movie_id}/images/poster", json=body, headers=token
            )
            assert refused.status_code == status, (body, refused.text)
            assert refused.headers["content-type"] == PROBLEM_JSON
        wrong_kind = await api.client.put(
            f"/api/items/{movie_id}/images/still", json={"url": french["url"]}, headers=token
        )
        assert wrong_kind.status_code == 422
        missing = await api.client.get("/api/items/999999/image-choices", headers=token)
        assert missing.status_code == 404


async def test_an_upload_is_served_and_bad_ones_leave_nothing(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    data = tmp_path / "data"
    settings = picker_settings(provider_settings, database_url, data)
    async with running_server(settings) as (api, token):
        movie_id, _ = await enriched_movie(
            api, token, fake, tmp_path / "movies", picture((300, 450), (9, 9, 9))
        )
        url = f"/api/items/{movie_id}/images/poster"
        before = (await served(api, token, movie_id)).content
        rows, files = await image_rows(api, movie_id), originals(data)

        gif = io.BytesIO()
        PILImage.new("RGB", (20, 30)).save(gif, format="GIF")
        for name, body, status in (
            ("not an image", b"<html>surely a poster</html>", 422),
            ("truncated", picture((300, 450), (1, 2, 3))[:400], 422),
            ("too many bytes", noise((400, 400), 7), 413),
            ("a bomb", bomb(1200), 422),  # 1.44 megapixels, over the limit
            ("a bigger bomb", bomb(3000), 422),  # Pillow's own guard refuses it
            ("a gif", gif.getvalue(), 422),
        ):
            assert name != "too many bytes" or len(body) > UPLOAD_MAX
            refused = await api.client.post(
                url, files={"file": ("p.png", body, "image/png")}, headers=token
            )
            assert refused.status_code == status, (name, refused.text)
            assert refused.headers["content-type"] == PROBLEM_JSON
            problem = refused.json()
            assert problem["errors"][0]["field"] == "file", name
            assert problem["detail"], name
            assert await image_rows(api, movie_id) == rows, name
            assert originals(data) == files, name
            assert (await served(api, token, movie_id)).content == before, name
        # A body past what any request may be is refused before it is read.
        huge = await api.client.post(
            url, files={"file": ("p.png", b"\0" * (2 * 1024 * 1024))}, headers=token
        )
        assert huge.status_code == 413
        assert "http.max_body_bytes" in huge.json()["detail"]  # the larger of the two limits
        assert originals(data) == files

        own = picture((400, 600), (10, 120, 230), "PNG")
        uploaded = await api.client.post(
            url, files={"file": ("mine.png", own, "image/png")}, headers=token
        )
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["source"] == "upload"
        assert uploaded.json()["selected"]
        response = await served(api, token, movie_id)
        assert response.content == own
        assert response.headers["etag"] == f'"{sha(own)}.png"'
        assert response.headers["content-type"] == "image/png"
        listed = await every_choice(api, token, movie_id)
        assert listed[0]["source"] == "upload"
        assert listed[0]["url"] is None
        # The same upload again changes nothing but keeps it chosen.
        again = await api.client.post(url, files={"file": ("x.png", own)}, headers=token)
        assert again.status_code == 201
        assert again.json()["image_id"] == uploaded.json()["image_id"]
        async with api.services.users.database.read() as session:
            uploads = await session.scalar(
                select(func.count()).select_from(Image).where(Image.provider == "upload")
            )
        assert uploads == 1
        plain = bearer(await api.token_for("plain"))
        assert (await api.client.post(url, files={"file": own}, headers=plain)).status_code == 403


async def test_any_bytes_are_an_image_or_refused_as_bad_input(
    database_url: str, tmp_path: Path, provider_settings: Callable[..., Settings]
) -> None:
    """Whatever an upload holds, it is stored as an image or refused with `InvalidInputError`
    (a 4xx), never another error."""
    settings = picker_settings(provider_settings, database_url, tmp_path / "data")
    async with running_api(settings) as api:
        movie_id = await seeded_movie(api, tmdb_id=None)
        loop = asyncio.get_running_loop()

        async def attempt(body: bytes) -> None:
            with contextlib.suppress(InvalidInputError):  # refused: a 4xx, saying why
                await api.services.image_choices.upload(movie_id, ImageKind.POSTER, body)

        # Hypothesis drives from a thread; each upload runs on the app's own event loop.
        @hypothesis_settings(max_examples=40, deadline=None, database=None)
        @given(st.sampled_from(MAGIC), st.binary(max_size=2_000))
        def check(head: bytes, tail: bytes) -> None:
            asyncio.run_coroutine_threadsafe(attempt(head + tail), loop).result(timeout=30)

        await asyncio.to_thread(check)


#: How the accepted formats (and one refused) begin, so that their parsers are reached.
MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\0\0\0\0WEBPVP8 ", b"GIF89a"]


async def seeded_movie(api: Api, *, tmdb_id: int | None) -> int:
    async with api.services.users.database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        movie = await MovieRepository(session).add(
            Movie(library_id=library.id, title="Heat", year=1995, tmdb_id=tmdb_id)
        )
        return movie.id


async def test_a_choice_in_one_process_shows_in_another(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    redis_url: str,
    cache_prefix: str,
) -> None:
    base = picker_settings(provider_settings, database_url, tmp_path / "data")
    settings = base.model_copy(
        update={
            "cache": CacheSettings(key_prefix=cache_prefix),
            "redis": RedisSettings(url=redis_url),
        }
    )
    tmdb_id = fake.catalogue.movie_ids()[0]
    async with AsyncExitStack() as stack:
        reader = await stack.enter_async_context(running_api(settings))
        writer = await stack.enter_async_context(running_api(settings))
        for api in (reader, writer):
            assert await api.app.state.cache.wait_subscribed(10.0)
        movie_id = await seeded_movie(writer, tmdb_id=tmdb_id)
        token = bearer(await writer.token_for("admin", is_admin=True))
        url = f"/api/items/{movie_id}/images/poster"
        # The reader has the item's artwork cached: none yet.
        assert (await reader.client.get(url, headers=token)).status_code == 404
        offered = (await choices(writer, token, movie_id))["choices"]
        german = next(c for c in offered if c["language"] == "de")
        picked = await writer.client.put(url, json={"url": german["url"]}, headers=token)
        assert picked.status_code == 200, picked.text
        german_bytes = (await writer.client.get(url, headers=token)).content

        async def reader_shows(expected: bytes) -> bool:
            response = await reader.client.get(url, headers=token)
            return response.status_code == 200 and response.content == expected

        # The message reaches the reader's L1 in milliseconds; the bound is generous.
        await eventually(lambda: reader_shows(german_bytes), within_s=10, what="the choice")
        own = picture((200, 300), (50, 60, 70), "PNG")
        uploaded = await writer.client.post(url, files={"file": own}, headers=token)
        assert uploaded.status_code == 201, uploaded.text
        await eventually(lambda: reader_shows(own), within_s=10, what="the upload")


async def test_a_provider_without_the_item_leaves_the_stored_choices(
    database_url: str, tmp_path: Path, provider_settings: Callable[..., Settings]
) -> None:
    """TMDb has no such movie: the picker says so beside what is stored, and an upload works."""
    settings = picker_settings(provider_settings, database_url, tmp_path / "data")
    async with running_api(settings) as api:
        token = bearer(await api.token_for("admin", is_admin=True))
        movie_id = await seeded_movie(api, tmdb_id=10**9)
        listed = await choices(api, token, movie_id)
        assert listed["choices"] == []
        assert listed["provider_error"]
        own = picture((200, 300), (5, 6, 7), "PNG")
        url = f"/api/items/{movie_id}/images/poster"
        uploaded = await api.client.post(url, files={"file": own}, headers=token)
        assert uploaded.status_code == 201, uploaded.text
        listed = await choices(api, token, movie_id)
        assert [c["source"] for c in listed["choices"]] == ["upload"]
        assert listed["provider_error"]
        offered = await api.client.put(url, json={"url": "https://x.test/a.jpg"}, headers=token)
        assert offered.status_code == 404


async def test_uploads_may_be_larger_than_other_requests(
    database_url: str, tmp_path: Path, provider_settings: Callable[..., Settings]
) -> None:
    """An upload may be `images.upload_max_bytes` large (with its form), past the limit of
    other requests; beyond that it is refused by its length, before it is read."""
    base = picker_settings(provider_settings, database_url, tmp_path / "data")
    images = base.images.model_copy(update={"upload_max_bytes": 3 * 1024 * 1024})
    async with running_api(base.model_copy(update={"images": images})) as api:
        token = bearer(await api.token_for("admin", is_admin=True))
        movie_id = await seeded_movie(api, tmdb_id=None)
        url = f"/api/items/{movie_id}/images/poster"
        big = noise((990, 1000), 3)
        assert api.app.state.settings.http.max_body_bytes < len(big) < 3 * 1024 * 1024
        uploaded = await api.client.post(url, files={"file": big}, headers=token)
        assert uploaded.status_code == 201, uploaded.text
        other = await api.client.put(url, content=big, headers=token)
        assert other.status_code == 413  # the same bytes anywhere else
        huge = await api.client.post(url, files={"file": b"\0" * (4 * 1024 * 1024)}, headers=token)
        assert huge.status_code == 413
        assert "images.upload_max_bytes" in huge.json()["detail"]
