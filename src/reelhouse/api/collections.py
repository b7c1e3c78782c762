"""Browse movie collections (TMDb "sets", NFO `<set>`s): each with its movies in release order,
those in the caller's libraries and those the libraries miss."""

from __future__ import annotations

from dataclasses import dataclass, fields

from fastapi import Request
from pydantic import BaseModel, Field

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.api.items import LISTING_QUERY, ListingDep, PageOut, listing_response
from reelhouse.content.movies.service import CollectionOverview
from reelhouse.content.reads.views import ImageView, ItemSummary
from reelhouse.http.deps import ServicesDep
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import RowIdPath

router = token_router("/collections", tags=["collections"])


class CollectionPartOut(BaseModel):
    """One movie of a collection: in a library the caller sees (`item` is it), or missing."""

    title: str
    year: int | None
    tmdb_id: str | None = Field(description="Text: 64-bit ids do not survive JSON numbers.")
    in_library: bool
    item: ItemSummary | None


@dataclass(frozen=True, kw_only=True)
class CollectionDetailOut(ItemSummary):
    """A collection: `movies` are those the caller may see, `parts` every movie of it in
    release order, each in a library or missing."""

    overview: str | None
    images: list[ImageView]
    movies: list[ItemSummary]
    parts: list[CollectionPartOut]


@router.get("", response_model=PageOut[ItemSummary], openapi_extra=LISTING_QUERY.openapi)
async def list_collections(
    params: ListingDep, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    """Collections with a movie in the caller's libraries (`library_id` narrows them)."""
    return await listing_response(services.collections, params, caller, request)


@router.get(
    "/{collection_id}",
    response_model=CollectionDetailOut,
    responses={404: {"description": "No such collection, or none of its movies is visible."}},
)
async def get_collection(
    collection_id: RowIdPath, caller: CallerDep, services: ServicesDep
) -> CollectionDetailOut:
    overview = await services.collections.overview(collection_id, caller.visible_libraries)
    return collection_out(overview)


def collection_out(overview: CollectionOverview) -> CollectionDetailOut:
    item = overview.details.item
    return CollectionDetailOut(
        **{name: getattr(item, name) for name in _SUMMARY_FIELDS},
        overview=overview.details.overview,
        images=list(overview.details.images),
        movies=list(overview.movies),
        parts=[
            CollectionPartOut(
                title=entry.title,
                year=entry.year,
                tmdb_id=str(entry.tmdb_id) if entry.tmdb_id is not None else None,
                in_library=entry.movie is not None,
                item=entry.movie,
            )
            for entry in overview.entries
        ],
    )


_SUMMARY_FIELDS = tuple(f.name for f in fields(ItemSummary))
