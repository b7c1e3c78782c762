"""Manual control of items (admins only): edit fields by hand, fix a match, refresh, lock fields
against refresh."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response, status
from pydantic import BaseModel, Field, model_validator

from reelhouse.api.deps import AdminDep, token_router
from reelhouse.api.items import ItemDetailOut, detail_response
from reelhouse.api.jobs import JobOut, accepted
from reelhouse.content.metadata.models import INT64_MAX
from reelhouse.http.deps import ServicesDep
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import NO_NUL, RowIdPath
from reelhouse.ingest.editing import ItemChanges

router = token_router("/items/{item_id}", tags=["control"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item."}}
QUEUED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same job was already queued or running."},
    **NOT_FOUND,
}
ProviderIdIn = Annotated[int, Field(ge=1, le=INT64_MAX)]


class MatchIn(BaseModel):
    """The provider ids the item really has; at least one."""

    tmdb_id: ProviderIdIn | None = None
    tvdb_id: ProviderIdIn | None = None
    imdb_id: str | None = Field(None, pattern=r"^tt[0-9]{7,12}$")

    @model_validator(mode="after")
    def _one_at_least(self) -> MatchIn:
        if self.tmdb_id is None and self.tvdb_id is None and self.imdb_id is None:
            raise ValueError("name at least one of tmdb_id, tvdb_id, imdb_id")
        return self


class RefreshIn(BaseModel):
    bypass_cache: bool = Field(False, description="Ask the providers again, not the cache.")


class LockedFields(BaseModel):
    fields: list[Annotated[str, Field(max_length=64, pattern=NO_NUL)]] = Field(max_length=64)


class CandidateOut(BaseModel):
    provider: str
    title: str
    original_title: str | None
    year: int | None
    provider_ids: dict[str, str]  # text: 64-bit ids survive JavaScript clients
    score: float


@router.get("/match-candidates", responses=NOT_FOUND)
async def match_candidates(
    item_id: RowIdPath,
    _admin: AdminDep,
    services: ServicesDep,
    query: Annotated[str | None, Query(max_length=500)] = None,
    year: Annotated[int | None, Query(ge=1800, le=2200)] = None,
) -> list[CandidateOut]:
    """What the provider offers for the item's title (or for `query`), best match first."""
    ranked = await services.control.search_candidates(item_id, query, year)
    return [
        CandidateOut(
            provider=s.candidate.provider,
            title=s.candidate.title,
            original_title=s.candidate.original_title,
            year=s.candidate.year,
            provider_ids={
                name: str(value)
                for name, value in s.candidate.ids.model_dump().items()
                if value is not None
            },
            score=round(s.score, 4),
        )
        for s in ranked
    ]


@router.post("/match", status_code=status.HTTP_202_ACCEPTED, responses=QUEUED)
async def fix_match(
    item_id: RowIdPath, body: MatchIn, _admin: AdminDep, services: ServicesDep, response: Response
) -> JobOut:
    """Give the item these provider ids and re-fetch it under them."""
    enqueued = await services.control.fix_match(
        item_id, tmdb_id=body.tmdb_id, tvdb_id=body.tvdb_id, imdb_id=body.imdb_id
    )
    return accepted(enqueued, response)


@router.post("/refresh", status_code=status.HTTP_202_ACCEPTED, responses=QUEUED)
async def refresh(
    item_id: RowIdPath,
    _admin: AdminDep,
    services: ServicesDep,
    response: Response,
    body: RefreshIn | None = None,
) -> JobOut:
    enqueued = await services.control.refresh(
        item_id, bypass_cache=body.bypass_cache if body else False
    )
    return accepted(enqueued, response)


@router.post("/write-back", status_code=status.HTTP_202_ACCEPTED, responses=QUEUED)
async def write_back(
    item_id: RowIdPath, _admin: AdminDep, services: ServicesDep, response: Response
) -> JobOut:
    """Write the item's NFO files and chosen artwork beside its media now (a series' with its
    seasons and episodes), as its library's write-back settings ask."""
    return accepted(await services.control.write_back(item_id), response)


@router.put("/locked-fields", responses=NOT_FOUND)
async def lock_fields(
    item_id: RowIdPath, body: LockedFields, _admin: AdminDep, services: ServicesDep
) -> LockedFields:
    """Fields a refresh leaves as they are (`title`, `overview`, `genres`, `artwork`...)."""
    return LockedFields(fields=await services.editor.lock_fields(item_id, body.fields))


@router.patch("", response_model=ItemDetailOut, responses=NOT_FOUND)
async def edit_item(
    item_id: RowIdPath,
    body: ItemChanges,
    admin: AdminDep,
    services: ServicesDep,
    request: Request,
) -> JSONBody:
    """Change the fields given (the others stay as they are) and lock them against refresh;
    the item's details as they now are."""
    await services.editor.edit(item_id, body)
    return await detail_response(services.items, item_id, admin, request)
