"""Every domain error reaches clients as RFC 9457 problem+json with the right status."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Query

from reelhouse.errors import (
    ConflictError,
    DatabaseUnavailableError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UpstreamUnavailableError,
)
from reelhouse.http.problems import PROBLEM_JSON, install_problem_handlers


def client_raising(error: Exception) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    @app.get("/typed")
    async def typed(size: int = Query(ge=1, le=100)) -> dict[str, int]:
        return {"size": size}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://reelhouse.test")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError("movie 7 does not exist"), 404),
        (ConflictError("tmdb id 603 is taken"), 409),
        (InvalidInputError("bad year", field="year"), 422),
        (PermissionDeniedError("admins only"), 403),
        (RateLimitedError("slow down", retry_after_s=2.4), 429),
        (UpstreamUnavailableError("TMDb is down"), 503),
        (DatabaseUnavailableError("database is down"), 503),
        (DomainError("something the caller did"), 400),
    ],
)
async def test_domain_errors_become_problems(error: DomainError, status: int) -> None:
    response = await client_raising(error).get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["detail"] == error.detail
    assert body["title"]


async def test_rate_limited_says_when_to_retry() -> None:
    response = await client_raising(RateLimitedError("slow down", retry_after_s=2.4)).get("/boom")
    assert response.headers["retry-after"] == "2"


async def test_invalid_input_names_the_field() -> None:
    response = await client_raising(InvalidInputError("bad year", field="year")).get("/boom")
    assert response.json()["errors"] == [{"field": "year", "message": "bad year"}]


async def test_request_validation_names_the_field() -> None:
    response = await client_raising(NotFoundError("unused")).get("/typed", params={"size": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["field"] == "query.size"


async def test_unknown_route_and_unexpected_errors_are_problems_too() -> None:
    client = client_raising(RuntimeError("secret internals"))
    missing = await client.get("/nowhere")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM_JSON)
    crash = await client.get("/boom")
    assert crash.status_code == 500
    assert crash.headers["content-type"] == PROBLEM_JSON
    assert "secret internals" not in crash.text
