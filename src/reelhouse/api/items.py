"""What every content route shares: listing parameters and item payloads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from reelhouse.api.query import QueryModel
from reelhouse.content.catalogue.listing import Cursor, ItemFilter, PageRequest, SortField
from reelhouse.content.reads.items import ItemCatalogue
from reelhouse.content.reads.views import CreditedDetails, ItemDetailsView, ItemView, PageView
from reelhouse.http.deps import encoded_bodies
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import NO_NUL, RowId

MAX_PAGE_SIZE = 200
T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None


class ItemOut(BaseModel):
    id: int
    kind: str
    library_id: int | None
    title: str
    original_title: str | None
    year: int | None
    release_date: date | None
    community_rating: float | None
    runtime_minutes: int | None
    added_at: datetime
    index_number: int | None
    parent_index_number: int | None
    provider_ids: dict[str, str]  # text: JSON numbers lose 64-bit ids in JavaScript clients


class RatingOut(BaseModel):
    source: str
    value: float
    max_value: float
    votes: int | None


class StudioOut(BaseModel):
    name: str
    kind: str


class CastOut(BaseModel):
    person_id: int
    name: str
    character: str
    order: int


class CrewOut(BaseModel):
    person_id: int
    name: str
    department: str
    job: str


class ImageOut(BaseModel):
    id: int
    kind: str
    language: str | None
    width: int | None
    height: int | None
    blurhash: str | None


class FileOut(BaseModel):
    id: int
    path: str
    size: int
    container: str | None
    state: str
    part: int | None
    extra_type: str | None


class ItemDetailOut(ItemOut):
    overview: str | None
    tagline: str | None
    certification: str | None
    edition: str | None
    status: str | None
    genres: list[str]
    studios: list[StudioOut]
    ratings: list[RatingOut]
    cast: list[CastOut]
    crew: list[CrewOut]
    images: list[ImageOut]
    files: list[FileOut]
    extras: list[FileOut]


class ListingQuery(BaseModel):
    """A listing's query parameters: filters, then sort and page."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    library_id: list[RowId] | None = Field(None, max_length=100)
    genre: str | None = Field(None, min_length=1, max_length=100, pattern=NO_NUL)
    year_min: int | None = Field(None, ge=1800, le=3000)
    year_max: int | None = Field(None, ge=1800, le=3000)
    rating_min: float | None = Field(None, ge=0, le=10)
    rating_max: float | None = Field(None, ge=0, le=10)
    has_file: bool | None = None
    matched: bool | None = None
    added_since: datetime | None = None
    person_id: RowId | None = None
    sort: SortField = SortField.TITLE
    order: Literal["asc", "desc"] = "asc"
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, max_length=1024)
    include_total: bool = False


LISTING_QUERY = QueryModel(ListingQuery)


async def listing(request: Request) -> tuple[ItemFilter, PageRequest]:
    """Listing query parameters, validated here so services get typed values only; a listing
    route documents them with `openapi_extra=LISTING_QUERY.openapi` (`async`, though it awaits
    nothing, so FastAPI calls it in the event loop, not in a thread)."""
    query = LISTING_QUERY.parse(request)
    filters = ItemFilter(
        library_ids=frozenset(query.library_id) if query.library_id else None,
        genre=query.genre,
        year_min=query.year_min,
        year_max=query.year_max,
        rating_min=query.rating_min,
        rating_max=query.rating_max,
        has_file=query.has_file,
        matched=query.matched,
        added_since=query.added_since,
        person_id=query.person_id,
    )
    page = PageRequest(
        sort=query.sort,
        descending=query.order == "desc",
        limit=query.limit,
        after=Cursor.decode(query.cursor) if query.cursor else None,
        include_total=query.include_total,
    )
    return filters, page


ListingDep = Annotated[tuple[ItemFilter, PageRequest], Depends(listing)]


def item_out(item: ItemView) -> ItemOut:
    """The API form of an item: the view's fields that the API shows."""
    return ItemOut.model_validate(item, from_attributes=True)


_PAGE_JSON = TypeAdapter(PageOut[ItemOut])


def page_json(page: PageView) -> bytes:
    items = [item_out(item) for item in page.items]
    return _PAGE_JSON.dump_json(
        PageOut[ItemOut](items=items, next_cursor=page.next_cursor, total=page.total)
    )


#: The form the API keeps its answers in: JSON, gzipped when large enough.
API_JSON = "api-json+gzip"


async def listing_response(
    catalogue: ItemCatalogue[Any],
    params: tuple[ItemFilter, PageRequest],
    visible: frozenset[int] | None,
    request: Request,
) -> JSONBody:
    """A page of a listing as the API's JSON, cached in that form and gzipped (a warm page costs
    a lookup)."""
    filters, page = params
    body = await encoded_bodies(request).get(
        catalogue.listing(filters, page, visible), API_JSON, page_json
    )
    return JSONBody.encoded(body, request)


_DETAIL_JSON = TypeAdapter(ItemDetailOut)


def detail_json(credited: CreditedDetails) -> bytes:
    return _DETAIL_JSON.dump_json(detail_out(credited.details, credited.names))


async def detail_response(
    catalogue: ItemCatalogue[Any], item_id: int, visible: frozenset[int] | None, request: Request
) -> JSONBody:
    """An item's details with the credited people's current names, cached as the API's JSON
    and gzipped."""
    read = await catalogue.credited(item_id, visible)
    return JSONBody.encoded(await encoded_bodies(request).get(read, API_JSON, detail_json), request)


def detail_out(details: ItemDetailsView, names: dict[int, str]) -> ItemDetailOut:
    """The API form of an item's details; `names` are the credited people's current names."""
    files = [FileOut(**msgspec.structs.asdict(f)) for f in details.files]
    return ItemDetailOut(
        **item_out(details.item).model_dump(),
        overview=details.overview,
        tagline=details.tagline,
        certification=details.certification,
        edition=details.edition,
        status=details.status,
        genres=list(details.genres),
        studios=[StudioOut(name=s.name, kind=s.kind) for s in details.studios],
        ratings=[RatingOut(**msgspec.structs.asdict(r)) for r in details.ratings],
        cast=[
            CastOut(
                person_id=c.person_id,
                name=names.get(c.person_id, ""),
                character=c.character,
                order=c.order,
            )
            for c in details.cast
        ],
        crew=[
            CrewOut(
                person_id=c.person_id,
                name=names.get(c.person_id, ""),
                department=c.department,
                job=c.job,
            )
            for c in details.crew
        ],
        images=[ImageOut(**msgspec.structs.asdict(i)) for i in details.images],
        files=[f for f in files if f.extra_type is None],
        extras=[f for f in files if f.extra_type is not None],
    )
