"""Search across the catalogue, grouped the way a search box shows it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, TypeAdapter

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.api.items import API_JSON
from reelhouse.content.reads.search import MAX_QUERY_LENGTH, PersonHit, SearchResults
from reelhouse.content.reads.views import ItemSummary
from reelhouse.http.deps import ServicesDep, encoded_bodies
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import NO_NUL
from reelhouse.kinds import ItemKind

router = token_router(tags=["search"])


class SearchOut(BaseModel):
    movies: list[ItemSummary]
    series: list[ItemSummary]
    episodes: list[ItemSummary]
    collections: list[ItemSummary]
    people: list[PersonHit]


_SEARCH_JSON = TypeAdapter(SearchOut)


def search_json(results: SearchResults) -> bytes:
    def group(kind: ItemKind) -> list[ItemSummary]:
        return list(results.items.get(kind, []))

    return _SEARCH_JSON.dump_json(
        SearchOut(
            movies=group(ItemKind.MOVIE),
            series=group(ItemKind.SERIES),
            episodes=group(ItemKind.EPISODE),
            collections=group(ItemKind.COLLECTION),
            people=results.people,
        )
    )


@router.get("/search", response_model=SearchOut)
async def search(
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, pattern=NO_NUL)],
    caller: CallerDep,
    services: ServicesDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONBody:
    """Titles (original too), overviews and people; accents, case and small typos forgiven."""
    read = services.search.results(q, caller.visible_libraries, limit)
    return JSONBody.encoded(await encoded_bodies(request).get(read, API_JSON, search_json), request)
