"""Cached catalogue reads are never stale: a write followed by its invalidation is seen at once,
in this process and in another one sharing Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx

from reelhouse.app import create_app
from reelhouse.bootstrap import Services
from reelhouse.config import CacheNamespaceSettings, CacheSettings, RedisSettings
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.listing import ItemFilter, PageRequest
from reelhouse.content.catalogue.models import CreditRole
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.infra.cache.codec import is_immutable
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from tests.support import bearer, settings_for

WAIT_S = 10.0


@asynccontextmanager
async def server(
    database_url: str,
    tmp_path: Path,
    redis_url: str | None,
    prefix: str,
    namespaces: dict[str, CacheNamespaceSettings] | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, Services, CatalogueInvalidation]]:
    cache = CacheSettings(key_prefix=prefix, **({"namespaces": namespaces} if namespaces else {}))
    settings = settings_for(database_url, tmp_path).model_copy(
        update={
            "cache": cache,
            "redis": RedisSettings(url=redis_url),
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        if redis_url:
            assert await app.state.cache.wait_subscribed(WAIT_S)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app.state.services, CatalogueInvalidation(app.state.cache)


async def seed(services: Services) -> tuple[int, int, int]:
    async with services.users.database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        movie = await MovieRepository(session).add(
            Movie(library_id=library.id, title="Alien", year=1979)
        )
        person = await PeopleRepository(session).upsert_by_tmdb_id(10205, "Sigourney Weaver")
        await PeopleRepository(session).set_credits(
            movie.id, [CreditInput(person.id, CreditRole.CAST, character="Ripley")]
        )
    return library.id, movie.id, person.id


async def rename_movie(services: Services, movie_id: int, title: str) -> ItemRef:
    async with services.users.database.transaction() as session:
        movie = await MovieRepository(session).get(movie_id)
        movie.title = title
        await MovieRepository(session).save()
        return ItemRef.of(movie)


async def test_reads_are_cached_and_invalidation_refreshes_them(
    database_url: str, tmp_path: Path, cache_prefix: str
) -> None:
    async with server(database_url, tmp_path, None, cache_prefix) as (
        client,
        services,
        invalidation,
    ):
        library_id, movie_id, person_id = await seed(services)
        admin = await services.users.create_user("root", "correct horse battery", is_admin=True)
        token = bearer((await services.users.login(admin.username, "correct horse battery")).secret)

        async def api_titles() -> list[str]:
            # The API's pages are cached as their encoded JSON, apart from the listing itself.
            answer = await client.get(f"/api/movies?library_id={library_id}", headers=token)
            return [item["title"] for item in answer.json()["items"]]

        async def api_detail() -> tuple[str, list[str]]:
            # Cached as encoded JSON too, with the names of the people it credits.
            movie = (await client.get(f"/api/movies/{movie_id}", headers=token)).json()
            return movie["title"], [credit["name"] for credit in movie["cast"]]

        listing = (ItemFilter(library_ids=frozenset({library_id})), PageRequest())
        assert (await services.movies.details(movie_id, None)).item.title == "Alien"
        assert [i.title for i in (await services.movies.list(*listing, None)).items] == ["Alien"]
        assert await api_titles() == ["Alien"]
        assert await api_detail() == ("Alien", ["Sigourney Weaver"])
        assert await services.people.names([person_id]) == {person_id: "Sigourney Weaver"}

        ref = await rename_movie(services, movie_id, "Aliens")
        # Without the invalidation the cache still answers: the reads really are cached ...
        assert (await services.movies.details(movie_id, None)).item.title == "Alien"
        assert await api_titles() == ["Alien"]
        assert await api_detail() == ("Alien", ["Sigourney Weaver"])
        # ... and the one invalidation path makes every affected read current.
        await invalidation.items_changed([ref])
        assert (await services.movies.details(movie_id, None)).item.title == "Aliens"
        assert [i.title for i in (await services.movies.list(*listing, None)).items] == ["Aliens"]
        assert await api_titles() == ["Aliens"]
        assert await api_detail() == ("Aliens", ["Sigourney Weaver"])

        async with services.users.database.transaction() as session:
            await PeopleRepository(session).upsert_by_tmdb_id(10205, "S. Weaver")
        assert await api_detail() == ("Aliens", ["Sigourney Weaver"])
        await invalidation.people_changed([person_id])
        assert await services.people.names([person_id]) == {person_id: "S. Weaver"}
        assert await api_detail() == ("Aliens", ["S. Weaver"])


async def test_catalogue_views_are_shared_by_the_cache_not_decoded_per_hit(
    database_url: str, tmp_path: Path, cache_prefix: str
) -> None:
    """Views hold nothing that can change in place, so the L1 hands out the cached object."""
    async with server(database_url, tmp_path, None, cache_prefix) as (_, services, _):
        library_id, movie_id, _ = await seed(services)
        listing = (ItemFilter(library_ids=frozenset({library_id})), PageRequest())
        for read in (
            lambda: services.movies.details(movie_id, None),
            lambda: services.movies.list(*listing, None),
        ):
            first = await read()
            assert is_immutable(first)
            assert await read() is first


async def test_a_deleted_library_takes_its_cached_items_along(
    database_url: str, tmp_path: Path, cache_prefix: str
) -> None:
    async with server(database_url, tmp_path, None, cache_prefix) as (client, services, _):
        library_id, movie_id, _ = await seed(services)
        admin = await services.users.create_user("root", "correct horse battery", is_admin=True)
        token = bearer((await services.users.login(admin.username, "correct horse battery")).secret)
        assert (await client.get(f"/api/movies/{movie_id}", headers=token)).status_code == 200
        assert len((await client.get("/api/movies", headers=token)).json()["items"]) == 1
        deleted = await client.delete(f"/api/libraries/{library_id}", headers=token)
        assert deleted.status_code == 204
        assert (await client.get(f"/api/movies/{movie_id}", headers=token)).status_code == 404
        assert (await client.get("/api/movies", headers=token)).json()["items"] == []


async def test_a_write_in_one_process_is_read_at_once_in_another(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    async with AsyncExitStack() as stack:
        _, reader, _ = await stack.enter_async_context(
            server(database_url, tmp_path, redis_url, cache_prefix)
        )
        _, writer, invalidation = await stack.enter_async_context(
            server(database_url, tmp_path, redis_url, cache_prefix)
        )
        _, movie_id, _ = await seed(writer)
        assert (await reader.movies.details(movie_id, None)).item.title == "Alien"
        ref = await rename_movie(writer, movie_id, "Aliens")
        await invalidation.items_changed([ref])
        # The reader's L1 copy must be gone as soon as the message arrives (milliseconds).
        for _ in range(int(WAIT_S / 0.005)):
            if (await reader.movies.details(movie_id, None)).item.title == "Aliens":
                break
            await asyncio.sleep(0.005)
        assert (await reader.movies.details(movie_id, None)).item.title == "Aliens"


async def test_the_library_list_is_cached_and_changes_show_in_every_process(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    """Every client screen starts by listing the libraries: the list is one cached entry,
    dropped everywhere by an added, renamed, re-foldered or deleted library."""
    async with AsyncExitStack() as stack:
        _, reader, _ = await stack.enter_async_context(
            server(database_url, tmp_path, redis_url, cache_prefix)
        )
        _, writer, _ = await stack.enter_async_context(
            server(database_url, tmp_path, redis_url, cache_prefix)
        )

        async def seen() -> list[tuple[str, tuple[str, ...]]]:
            # Until the message arrives (milliseconds), the reader may hold the old list.
            expected = [(lib.name, lib.paths) for lib in await writer.libraries.list()]
            for _ in range(int(WAIT_S / 0.005)):
                got = [(lib.name, lib.paths) for lib in await reader.libraries.list()]
                if got == expected:
                    break
                await asyncio.sleep(0.005)
            return got

        assert await seen() == []
        made = await writer.libraries.create("Films", LibraryKind.MOVIES, ["/films"])
        assert await seen() == [("Films", ("/films",))]
        await writer.libraries.update(made.id, name="Movies", paths=["/movies", "/more"])
        assert await seen() == [("Movies", ("/movies", "/more"))]
        assert (await reader.libraries.get(made.id)).name == "Movies"
        await writer.libraries.delete(made.id)
        assert await seen() == []


async def test_a_library_added_by_another_process_without_redis_shows_within_its_ttl(
    database_url: str, tmp_path: Path, cache_prefix: str
) -> None:
    """Without Redis nothing tells a server of `reelhouse library add` run beside it: the list
    lives only as long as the `libraries` namespace's TTL."""
    ttl_s = 0.3
    namespaces = {"libraries": CacheNamespaceSettings(max_entries=10, ttl_s=ttl_s)}
    async with AsyncExitStack() as stack:
        _, server_side, _ = await stack.enter_async_context(
            server(database_url, tmp_path, None, cache_prefix, namespaces)
        )
        _, cli_side, _ = await stack.enter_async_context(
            server(database_url, tmp_path, None, cache_prefix, namespaces)
        )
        assert await server_side.libraries.list() == []
        await cli_side.libraries.create("Films", LibraryKind.MOVIES, ["/films"])
        await asyncio.sleep(ttl_s * 2)
        assert [lib.name for lib in await server_side.libraries.list()] == ["Films"]
