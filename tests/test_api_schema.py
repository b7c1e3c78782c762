"""A schemathesis run of the app's OpenAPI document against the real app, on both databases.

Every operation gets a bounded number of generated requests (valid ones, then invalid ones),
sent as an admin to the started app through the same in-process client as every other API test,
over a little seeded catalogue so detail routes answer more than 404. No answer may be a server
error, and every answer must be what the document says: its status, content type, headers and
body schema.

Hypothesis drives the generation in a worker thread (its `@given` is synchronous); each request
runs on the test's event loop, where the app, its database pool and the fixtures live.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reelhouse.config import Settings, TmdbSettings, TvdbSettings
from reelhouse.content.catalogue.listing import SortField
from reelhouse.content.catalogue.models import CreditRole, Image, ImageKind
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import EpisodeRepository, SeriesRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.server import FakeServer
from tests.support import PASSWORD, WEBHOOK_SECRET, Api, bearer, ops_settings, running_api

#: Generated requests per operation and mode: enough to reach odd input, bounded so the whole
#: run stays under a minute per database on a 2-core machine.
MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: A request refused for its size (413 body, 431 headers) is rejected invalid input too; a 5xx
#: is not (schemathesis counts it by default: `not_a_server_error` fails it anyway).
REJECTED = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, 431]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTED}}}
)
#: Characters of each failure reported (a generated body may be megabytes).
REPORTED = 4000
#: Left out, and why:
EXCLUDED = {
    # An event stream that ends only with its job: a generated request for a queued job would
    # wait forever (tests/test_api_ops.py covers the stream).
    ("GET", "/api/jobs/{job_id}/events"),
}  # `GET /metrics` is in the document, and runs like every other operation.
#: Destructive operations run last, so that earlier ones still find the seeded catalogue and the
#: caller's token (each operation gets a fresh token: a generated logout or revocation ends it).
_METHOD_ORDER = {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}


@pytest.fixture
async def schema_api(
    database_url: str, tmp_path: Path, fake_server: FakeServer
) -> AsyncIterator[Api]:
    """The app with no worker (generated libraries may name `/`: nothing is scanned), the
    webhook secret set, and providers pointed at the fake servers."""
    base = ops_settings(database_url, tmp_path)
    configured: Settings = base.model_copy(
        update={
            "tmdb": TmdbSettings(
                base_url=f"{fake_server.url}/3", api_key="test-tmdb-key", max_retries=0
            ),
            "tvdb": TvdbSettings(
                base_url=f"{fake_server.url}/v4", api_key="test-tvdb-key", max_retries=0
            ),
        }
    )
    async with running_api(configured) as started:
        yield started


async def seed(api: Api, fake_server: FakeServer) -> None:
    """Two libraries, movies with credits and a stored poster, a series with an episode."""
    poster = await api.services.images.store.fetch(f"{fake_server.url}/t/p/original/p1.jpg")
    async with api.services.users.database.transaction() as session:
        movies_lib = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/tv"])
        movies = MovieRepository(session)
        heat = await movies.add(
            Movie(library_id=movies_lib.id, title="Heat", year=1995, tmdb_id=949)
        )
        for n, title in enumerate(["Alien", "Zodiac"]):
            await movies.add(Movie(library_id=movies_lib.id, title=title, year=1979 + n))
        await movies.set_genres(heat.id, ["Crime"])
        await movies.add_image(
            Image(
                item_id=heat.id,
                kind=ImageKind.POSTER,
                provider="tmdb",
                provider_path="/p1.jpg",
                local_path=poster.path,
                width=poster.width,
                height=poster.height,
                blurhash=poster.blurhash,
                selected=True,
            )
        )
        pacino = await PeopleRepository(session).upsert_by_tmdb_id(1158, "Al Pacino")
        await PeopleRepository(session).set_credits(
            heat.id, [CreditInput(pacino.id, CreditRole.CAST, character="Vincent Hanna")]
        )
        dark = await SeriesRepository(session).add(
            Series(library_id=tv_lib.id, title="Dark", tvdb_id=1)
        )
        season = await SeriesRepository(session).season(dark, 1)
        await EpisodeRepository(session).add_to_season(season, 1, "Secrets")
    await api.services.jobs.enqueue("library.scan", {"library_id": movies_lib.id})


def _send(api: Api, loop: asyncio.AbstractEventLoop) -> Callable[[Any], httpx.Response]:
    """Send a generated case through the app's in-process client, on the app's event loop.

    `requests` prepares the request exactly as schemathesis's own transport would send it."""

    def send(case: Any) -> httpx.Response:
        prepared = requests.Request(**case.as_transport_kwargs(base_url="http://test")).prepare()
        request = api.client.request(
            str(prepared.method),
            str(prepared.url),
            headers=dict(prepared.headers),
            content=prepared.body,
        )
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)

    return send


def _ordered(schema: Any) -> list[Any]:
    """The operations to run, reads first and destructive ones last."""
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {(op.method.upper(), op.path) for op in operations}
    assert labels >= EXCLUDED, "an excluded operation is gone: update EXCLUDED"
    return sorted(
        (op for op in operations if (op.method.upper(), op.path) not in EXCLUDED),
        key=lambda op: (_METHOD_ORDER[op.method.upper()], op.path == "/api/auth/logout", op.label),
    )


def _modes(operation: Any) -> list[GenerationMode]:
    """Invalid input exists only for an operation that takes some."""
    # The bearer token is a parameter schemathesis adds from the security scheme; ours is fixed.
    declared = [
        p for p in operation.iter_parameters() if "x-original-security-type" not in p.definition
    ]
    takes_input = bool(declared) or bool(list(operation.body))
    return [GenerationMode.POSITIVE, *([GenerationMode.NEGATIVE] if takes_input else [])]


def _run(
    operation: Any, mode: GenerationMode, headers: dict[str, str], send: Callable[[Any], Any]
) -> None:
    """Hypothesis over one operation in one mode: every generated request, every check."""
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        # No shrinking: a failing case is reported as generated (with its curl line), and the
        # run stays bounded in time when something fails.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case: Any) -> None:
        case.validate_response(send(case), checks=checks)

    run()


async def test_the_openapi_document_holds(schema_api: Api, fake_server: FakeServer) -> None:
    api = schema_api
    await seed(api, fake_server)
    await api.services.users.create_user("root", PASSWORD, is_admin=True)
    schema = schemathesis.openapi.from_dict(api.app.openapi(), config=CONFIG)
    send = _send(api, asyncio.get_running_loop())
    failures: list[str] = []
    for operation in _ordered(schema):
        token = (await api.services.users.login("root", PASSWORD)).secret
        headers = {**bearer(token), "X-Webhook-Secret": WEBHOOK_SECRET}
        for mode in _modes(operation):
            try:
                await asyncio.to_thread(_run, operation, mode, headers, send)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - every operation is reported
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:REPORTED]}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize(
    "cursor",
    [
        [SortField.TITLE, False, "Heat", 2**63],  # the row id overflows a 64-bit column
        [SortField.YEAR, False, 10**30, 1],  # so does the sort value
        [SortField.TITLE, False, "He\x00at", 1],  # PostgreSQL text cannot hold NUL
    ],
)
async def test_crafted_cursors_are_refused(api: Api, cursor: list[object]) -> None:
    """Cursors are opaque but decodable; one made by hand is a 422, not the driver's error."""
    token = bearer(await api.token_for("root", is_admin=True))
    text = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()
    params = {"cursor": text, "sort": str(cursor[0]), "order": "asc"}
    response = await api.client.get("/api/movies", params=params, headers=token)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
