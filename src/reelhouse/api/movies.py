"""Browse movies."""

from __future__ import annotations

from fastapi import Request

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.api.items import (
    LISTING_QUERY,
    ItemDetailOut,
    ListingDep,
    PageOut,
    detail_response,
    listing_response,
)
from reelhouse.content.reads.views import ItemSummary
from reelhouse.http.deps import ServicesDep
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import RowIdPath

router = token_router("/movies", tags=["movies"])


@router.get("", response_model=PageOut[ItemSummary], openapi_extra=LISTING_QUERY.openapi)
async def list_movies(
    params: ListingDep, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    return await listing_response(services.movies, params, caller, request)


@router.get(
    "/{movie_id}",
    response_model=ItemDetailOut,
    responses={404: {"description": "No such movie."}},
)
async def get_movie(
    movie_id: RowIdPath, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    return await detail_response(services.movies, movie_id, caller, request)
